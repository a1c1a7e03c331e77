-- One row per micro-batch (or backfilled partition) per table written: what the batch received and did.
CREATE TABLE IF NOT EXISTS {{catalog}}.ops.quality_metrics (
  stream STRING NOT NULL COMMENT 'silver, gold, silver_backfill or gold_backfill',
  batch_id BIGINT NOT NULL COMMENT 'micro-batch id; -yyyymmdd for a backfilled partition',
  table_name STRING NOT NULL COMMENT 'schema.table',
  rows_in BIGINT,
  rows_valid BIGINT,
  rows_quarantined BIGINT,
  duplicates_dropped BIGINT COMMENT 'valid copies of an event_id already kept',
  rows_written BIGINT,
  malformed_json BIGINT,
  missing_field BIGINT,
  invalid_event_type BIGINT,
  invalid_timestamp BIGINT,
  invalid_amount BIGINT,
  invalid_rating BIGINT,
  missing_review_text BIGINT,
  null_counts STRING COMMENT 'JSON object: column -> NULL count among the rows written',
  rule_violations STRING COMMENT 'JSON object: column -> records that broke a rule on it',
  recorded_at TIMESTAMP NOT NULL,
  recorded_date DATE NOT NULL,
  distinct_customers BIGINT COMMENT 'distinct customer_id among the rows written',
  min_event_ts TIMESTAMP COMMENT 'oldest event time among the rows written',
  max_event_ts TIMESTAMP COMMENT 'newest event time among the rows written',
  scored_rows BIGINT COMMENT 'rows written with a sentiment score',
  mean_score DOUBLE COMMENT 'mean sentiment_score of the scored rows written',
  model_version STRING COMMENT 'version of the served model that scored them (the newest when several)'
)
USING DELTA
PARTITIONED BY (recorded_date)
COMMENT 'Data-quality figures per micro-batch and table'
TBLPROPERTIES (
  'delta.autoOptimize.optimizeWrite' = 'true',
  'lakectl.layer' = 'ops'
)
