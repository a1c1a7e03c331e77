-- Silver write 1: the batch's quality figures, once per (stream, batch_id, table): a replayed batch
-- keeps the figures of its first run. Written before the data so a retry after a partial failure
-- (Spark commits each statement) still finds the figures computed before any row landed.
MERGE INTO {{catalog}}.ops.quality_metrics AS t
USING silver_figures AS f
ON t.stream = {{stream}}
  AND t.batch_id = CAST({{batch_id}} AS BIGINT)
  AND t.table_name = 'silver.customer_events_cleaned'
WHEN NOT MATCHED THEN INSERT (
  stream, batch_id, table_name, rows_in, rows_valid, rows_quarantined, duplicates_dropped, rows_written,
  malformed_json, missing_field, invalid_event_type, invalid_timestamp, invalid_amount, invalid_rating,
  missing_review_text, null_counts, rule_violations, recorded_at, recorded_date
) VALUES (
  {{stream}}, CAST({{batch_id}} AS BIGINT), 'silver.customer_events_cleaned', f.rows_in, f.rows_valid,
  f.rows_quarantined, f.duplicates_dropped, f.rows_written, f.malformed_json, f.missing_field,
  f.invalid_event_type, f.invalid_timestamp, f.invalid_amount, f.invalid_rating, f.missing_review_text,
  f.null_counts, f.rule_violations, CAST({{recorded_at}} AS TIMESTAMP), to_date(CAST({{recorded_at}} AS TIMESTAMP))
)
