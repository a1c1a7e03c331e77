-- Silver backfill step 2 (view silver_parsed): of the candidate records, parsed by silver/parsed.sql,
-- those whose event falls on the partition date (UTC). A record without a valid timestamp belongs to no
-- partition: the stream alone quarantines it. The later steps are the stream's own, so the partition's
-- winners are the first ingested copies of its events, whenever Bronze received them.
SELECT p.*
FROM silver_candidates AS p
WHERE to_date(p.event_ts) = CAST({{partition_date}} AS DATE)
