-- Gold: one row per customer and UTC event date, recomputed from Silver for the days a batch touched.
CREATE TABLE IF NOT EXISTS {{catalog}}.gold.customer_behavior_daily (
  customer_id STRING NOT NULL,
  event_date DATE NOT NULL,
  events BIGINT,
  views BIGINT,
  clicks BIGINT,
  add_to_carts BIGINT,
  purchases BIGINT,
  reviews BIGINT,
  sessions BIGINT COMMENT 'distinct session_id values',
  revenue DECIMAL(18,2) COMMENT 'sum of purchase amounts',
  avg_sentiment DOUBLE COMMENT 'average sentiment_score of the scored reviews',
  avg_rating DOUBLE COMMENT 'average rating of the reviews',
  first_event_ts TIMESTAMP,
  last_event_ts TIMESTAMP
)
USING DELTA
PARTITIONED BY (event_date)
COMMENT 'Customer behaviour per day'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true',
  'delta.autoOptimize.optimizeWrite' = 'true',
  'lakectl.layer' = 'gold'
)
