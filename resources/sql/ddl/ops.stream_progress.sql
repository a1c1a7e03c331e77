-- One row per micro-batch per stream: the StreamingQueryProgress fields lakectl reports on.
CREATE TABLE IF NOT EXISTS {{catalog}}.ops.stream_progress (
  stream STRING NOT NULL COMMENT 'bronze, silver or gold',
  query_id STRING COMMENT 'StreamingQueryProgress.id (stable across restarts)',
  run_id STRING COMMENT 'StreamingQueryProgress.runId (one per start)',
  batch_id BIGINT NOT NULL,
  trigger_ts TIMESTAMP NOT NULL COMMENT 'StreamingQueryProgress.timestamp: trigger start (UTC)',
  num_input_rows BIGINT,
  num_output_rows BIGINT,
  input_rows_per_second DOUBLE,
  processed_rows_per_second DOUBLE,
  batch_duration_ms BIGINT COMMENT 'durationMs.triggerExecution',
  start_offset STRING COMMENT 'JSON',
  end_offset STRING COMMENT 'JSON',
  latest_offset STRING COMMENT 'JSON',
  offsets_behind_latest BIGINT COMMENT 'Kafka records between end_offset and latest_offset (Bronze)',
  max_event_time TIMESTAMP COMMENT 'newest event time processed',
  ingest_lag_seconds DOUBLE COMMENT 'seconds from the newest event or ingest time processed to recorded_at',
  progress_json STRING COMMENT 'the StreamingQueryProgress JSON',
  recorded_at TIMESTAMP NOT NULL,
  progress_date DATE NOT NULL COMMENT 'UTC date of trigger_ts'
)
USING DELTA
PARTITIONED BY (progress_date)
COMMENT 'Streaming progress per micro-batch'
TBLPROPERTIES (
  'delta.autoOptimize.optimizeWrite' = 'true',
  'lakectl.layer' = 'ops'
)
