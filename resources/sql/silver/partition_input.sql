-- Silver backfill input (bronze_batch): the Bronze records that may hold an event of the partition date.
-- A record is ingested when it arrives, which for a late event is any day after the event: no ingest
-- date after the partition date is ever pruned. Only ingest dates before the day before the partition
-- are: a record cannot arrive before it happened, and the day before covers a producer clock up to a
-- day ahead of the ingest clock. silver/partition_parsed.sql keeps the records whose event is on the date.
SELECT b.*
FROM {{catalog}}.bronze.customer_events_raw AS b
WHERE b.ingest_date >= CAST({{partition_date}} AS DATE) - INTERVAL 1 DAY
