-- Silver append (ops.quality_metrics): the batch's quality figures, one row, appended once per
-- (stream, batch_id): a replayed batch appends nothing (the runner makes the append idempotent). An
-- append, not a MERGE: the Silver and Gold streams and the backfills all add rows to this table at the
-- same time, and on Delta only blind appends never conflict with one another. Written before the data:
-- a batch that Spark replays after a crash part-way (some of its rows already landed) keeps the figures
-- of its first run, computed before any of its rows landed.
SELECT
  {{stream}} AS stream,
  CAST({{batch_id}} AS BIGINT) AS batch_id,
  'silver.customer_events_cleaned' AS table_name,
  f.rows_in,
  f.rows_valid,
  f.rows_quarantined,
  f.duplicates_dropped,
  f.rows_written,
  f.malformed_json,
  f.missing_field,
  f.invalid_event_type,
  f.invalid_timestamp,
  f.invalid_amount,
  f.invalid_rating,
  f.missing_review_text,
  f.null_counts,
  f.rule_violations,
  CAST({{recorded_at}} AS TIMESTAMP) AS recorded_at,
  to_date(CAST({{recorded_at}} AS TIMESTAMP)) AS recorded_date,
  f.distinct_customers,
  f.min_event_ts,
  f.max_event_ts,
  f.scored_rows,
  f.mean_score,
  f.model_version
FROM silver_figures AS f
