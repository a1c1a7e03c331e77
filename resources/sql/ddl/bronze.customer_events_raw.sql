-- Bronze: one row per Kafka record, exactly as received. Append-only; Silver reads it as a stream.
CREATE TABLE IF NOT EXISTS {{catalog}}.bronze.customer_events_raw (
  key STRING COMMENT 'Kafka record key',
  value STRING COMMENT 'Kafka record value: the raw event JSON, untouched (NULL for a tombstone)',
  topic STRING NOT NULL,
  partition INT NOT NULL,
  offset BIGINT NOT NULL,
  kafka_timestamp TIMESTAMP COMMENT 'Kafka record timestamp (UTC)',
  ingest_ts TIMESTAMP NOT NULL COMMENT 'when the Bronze micro-batch landed the record (UTC)',
  ingest_date DATE NOT NULL COMMENT 'UTC date of ingest_ts'
)
USING DELTA
PARTITIONED BY (ingest_date)
COMMENT 'Raw customer events from the customer-events topic'
TBLPROPERTIES (
  'delta.appendOnly' = 'true',
  'delta.autoOptimize.optimizeWrite' = 'true',
  'delta.autoOptimize.autoCompact' = 'true',
  'lakectl.layer' = 'bronze'
)
