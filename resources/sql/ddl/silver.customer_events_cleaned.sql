-- Silver: one row per distinct event_id, typed, enriched and scored (DESIGN section 1).
CREATE TABLE IF NOT EXISTS {{catalog}}.silver.customer_events_cleaned (
  event_id STRING NOT NULL,
  customer_id STRING NOT NULL,
  event_type STRING NOT NULL COMMENT 'view, click, add_to_cart, purchase or review',
  product_id STRING NOT NULL,
  event_ts TIMESTAMP NOT NULL COMMENT 'event time in UTC',
  event_date DATE NOT NULL COMMENT 'UTC date of event_ts',
  session_id STRING,
  amount DECIMAL(12,2) COMMENT 'purchase amount; optional for other event types',
  rating INT COMMENT '1..5; required for reviews',
  review_text STRING,
  customer_segment STRING COMMENT 'from silver.customers; NULL for an unknown customer',
  country STRING COMMENT 'from silver.customers; NULL for an unknown customer',
  product_category STRING COMMENT 'from silver.products; NULL for an unknown product',
  sentiment_score DOUBLE COMMENT 'probability that the review is positive; NULL when no model is served',
  sentiment_label STRING COMMENT 'positive (>= 0.6), negative (<= 0.4) or neutral',
  model_version STRING COMMENT 'version of the model that produced sentiment_score',
  ingest_ts TIMESTAMP NOT NULL COMMENT 'Bronze ingest time of the copy that won',
  source_topic STRING,
  source_partition INT,
  source_offset BIGINT,
  silver_batch_id BIGINT COMMENT 'Silver micro-batch that inserted the row (negative for backfills)'
)
USING DELTA
PARTITIONED BY (event_date)
COMMENT 'Validated, deduplicated and enriched customer events'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true',
  'delta.autoOptimize.optimizeWrite' = 'true',
  'delta.autoOptimize.autoCompact' = 'true',
  'lakectl.layer' = 'silver'
)
