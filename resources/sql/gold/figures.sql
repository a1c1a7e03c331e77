-- Gold step 4 (view gold_figures): one row of batch figures, for ops.quality_metrics and the runner.
SELECT
  b.rows_in,
  d.daily_rows_written,
  s.summary_rows_written,
  f.feature_rows_written,
  b.max_ingest_ts,
  b.max_event_ts
FROM (
  SELECT count(*) AS rows_in, max(x.ingest_ts) AS max_ingest_ts, max(x.event_ts) AS max_event_ts
  FROM silver_batch AS x
) AS b
CROSS JOIN (SELECT count(*) AS daily_rows_written FROM gold_daily_updates) AS d
CROSS JOIN (SELECT count(*) AS summary_rows_written FROM gold_summary_updates) AS s
CROSS JOIN (SELECT count(*) AS feature_rows_written FROM gold_feature_updates) AS f
