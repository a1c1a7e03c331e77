-- Gold bind step (gold_bounds): the event_date partitions of gold.customer_behavior_daily the batch
-- writes, bound as parameters into merge_daily.sql, which bounds its target to them with literals in its
-- ON clause (see silver/bounds.sql). NULL when the batch touched no customer day.
SELECT
  CAST((SELECT min(u.event_date) FROM gold_daily_updates AS u) AS STRING) AS first_event_date,
  CAST((SELECT max(u.event_date) FROM gold_daily_updates AS u) AS STRING) AS last_event_date
