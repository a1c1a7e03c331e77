-- Gold append (ops.quality_metrics): one quality row per Gold table, appended once per (stream, batch_id)
-- as for Silver (see silver/quality_metrics.sql).
SELECT
  {{stream}} AS stream,
  CAST({{batch_id}} AS BIGINT) AS batch_id,
  u.table_name,
  u.rows_in,
  u.rows_in AS rows_valid,
  CAST(0 AS BIGINT) AS rows_quarantined,
  CAST(0 AS BIGINT) AS duplicates_dropped,
  u.rows_written,
  CAST(0 AS BIGINT) AS malformed_json,
  CAST(0 AS BIGINT) AS missing_field,
  CAST(0 AS BIGINT) AS invalid_event_type,
  CAST(0 AS BIGINT) AS invalid_timestamp,
  CAST(0 AS BIGINT) AS invalid_amount,
  CAST(0 AS BIGINT) AS invalid_rating,
  CAST(0 AS BIGINT) AS missing_review_text,
  '{}' AS null_counts,
  '{}' AS rule_violations,
  CAST({{recorded_at}} AS TIMESTAMP) AS recorded_at,
  to_date(CAST({{recorded_at}} AS TIMESTAMP)) AS recorded_date,
  -- Silver's event and score figures: Gold keeps none of its own.
  CAST(NULL AS BIGINT) AS distinct_customers,
  CAST(NULL AS TIMESTAMP) AS min_event_ts,
  CAST(NULL AS TIMESTAMP) AS max_event_ts,
  CAST(NULL AS BIGINT) AS scored_rows,
  CAST(NULL AS DOUBLE) AS mean_score,
  CAST(NULL AS STRING) AS model_version
FROM (
  SELECT 'gold.customer_behavior_daily' AS table_name, g.rows_in, g.daily_rows_written AS rows_written
  FROM gold_figures AS g
  UNION ALL
  SELECT 'gold.sentiment_summary' AS table_name, g.rows_in, g.summary_rows_written AS rows_written
  FROM gold_figures AS g
  UNION ALL
  SELECT 'gold.customer_features' AS table_name, g.rows_in, g.feature_rows_written AS rows_written
  FROM gold_figures AS g
) AS u
