-- Gold: ML-ready features per customer as of the latest event date seen for the customer.
-- Windows cover the 30 days ending on as_of_date (inclusive). A row is recomputed while its as_of_date
-- is the customer's latest; earlier rows stay as the snapshots they were.
CREATE TABLE IF NOT EXISTS {{catalog}}.gold.customer_features (
  customer_id STRING NOT NULL,
  as_of_date DATE NOT NULL,
  recency_days INT COMMENT 'days from the last purchase to as_of_date; NULL without a purchase',
  frequency_30d BIGINT COMMENT 'purchases',
  monetary_30d DECIMAL(18,2) COMMENT 'sum of purchase amounts',
  events_30d BIGINT,
  sessions_30d BIGINT,
  active_days_30d BIGINT,
  reviews_30d BIGINT,
  avg_sentiment_30d DOUBLE,
  avg_rating_30d DOUBLE,
  tenure_days INT COMMENT 'days from the first event to as_of_date',
  lifetime_events BIGINT,
  lifetime_revenue DECIMAL(18,2)
)
USING DELTA
COMMENT 'Customer features (recency, frequency, monetary, sentiment)'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true',
  'delta.autoOptimize.optimizeWrite' = 'true',
  'lakectl.layer' = 'gold'
)
