-- Silver quarantine: one row per rejected Bronze record, with every reason it broke.
CREATE TABLE IF NOT EXISTS {{catalog}}.silver.customer_events_quarantine (
  value STRING COMMENT 'the raw record value',
  reasons STRING NOT NULL COMMENT 'comma-separated reject codes, e.g. MISSING_FIELD,INVALID_RATING',
  event_id STRING COMMENT 'event_id when the record had one',
  source_topic STRING NOT NULL,
  source_partition INT NOT NULL,
  source_offset BIGINT NOT NULL,
  kafka_timestamp TIMESTAMP,
  ingest_ts TIMESTAMP,
  ingest_date DATE,
  silver_batch_id BIGINT,
  quarantined_at TIMESTAMP
)
USING DELTA
PARTITIONED BY (ingest_date)
COMMENT 'Records Silver rejected'
TBLPROPERTIES (
  'delta.autoOptimize.optimizeWrite' = 'true',
  'delta.autoOptimize.autoCompact' = 'true',
  'lakectl.layer' = 'silver'
)
