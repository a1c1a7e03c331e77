-- Gold backfill input (silver_batch): every Silver row of the partition date. The Gold steps then
-- recompute each key of the date from all of Silver.
SELECT s.*
FROM {{catalog}}.silver.customer_events_cleaned AS s
WHERE s.event_date = CAST({{partition_date}} AS DATE)
