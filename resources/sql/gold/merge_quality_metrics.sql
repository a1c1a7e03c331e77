-- Gold write 1: one quality row per Gold table, once per (stream, batch_id, table) as for Silver.
MERGE INTO {{catalog}}.ops.quality_metrics AS t
USING (
  SELECT 'gold.customer_behavior_daily' AS table_name, g.rows_in, g.daily_rows_written AS rows_written
  FROM gold_figures AS g
  UNION ALL
  SELECT 'gold.sentiment_summary' AS table_name, g.rows_in, g.summary_rows_written AS rows_written
  FROM gold_figures AS g
  UNION ALL
  SELECT 'gold.customer_features' AS table_name, g.rows_in, g.feature_rows_written AS rows_written
  FROM gold_figures AS g
) AS f
ON t.stream = {{stream}}
  AND t.batch_id = CAST({{batch_id}} AS BIGINT)
  AND t.table_name = f.table_name
WHEN NOT MATCHED THEN INSERT (
  stream, batch_id, table_name, rows_in, rows_valid, rows_quarantined, duplicates_dropped, rows_written,
  malformed_json, missing_field, invalid_event_type, invalid_timestamp, invalid_amount, invalid_rating,
  missing_review_text, null_counts, rule_violations, recorded_at, recorded_date
) VALUES (
  {{stream}}, CAST({{batch_id}} AS BIGINT), f.table_name, f.rows_in, f.rows_in, 0, 0, f.rows_written,
  0, 0, 0, 0, 0, 0, 0, '{}', '{}', CAST({{recorded_at}} AS TIMESTAMP), to_date(CAST({{recorded_at}} AS TIMESTAMP))
)
