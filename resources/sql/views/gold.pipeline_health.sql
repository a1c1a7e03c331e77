-- Analyst view: data quality and lag per stream and UTC hour, from the pipeline's metrics (ops), so
-- analysts see how fresh and clean Gold is without reading ops.
SELECT
  coalesce(q.stream, p.stream) AS stream,
  coalesce(q.hour, p.hour) AS hour,
  q.rows_in,
  q.rows_quarantined,
  q.duplicates_dropped,
  CAST(q.rows_quarantined AS DOUBLE) / nullif(CAST(q.rows_in AS DOUBLE), 0) AS quarantine_ratio,
  p.batches,
  p.max_lag_seconds,
  p.avg_lag_seconds
FROM (
  SELECT stream, date_trunc('HOUR', recorded_at) AS hour,
    CAST(sum(rows_in) AS BIGINT) AS rows_in,
    CAST(sum(rows_quarantined) AS BIGINT) AS rows_quarantined,
    CAST(sum(duplicates_dropped) AS BIGINT) AS duplicates_dropped
  FROM {{catalog}}.ops.quality_metrics
  GROUP BY stream, date_trunc('HOUR', recorded_at)
) q
FULL OUTER JOIN (
  SELECT stream, date_trunc('HOUR', trigger_ts) AS hour,
    CAST(count(*) AS BIGINT) AS batches,
    CAST(max(ingest_lag_seconds) AS DOUBLE) AS max_lag_seconds,
    CAST(avg(ingest_lag_seconds) AS DOUBLE) AS avg_lag_seconds
  FROM {{catalog}}.ops.stream_progress
  GROUP BY stream, date_trunc('HOUR', trigger_ts)
) p ON p.stream = q.stream AND p.hour = q.hour
