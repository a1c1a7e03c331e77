-- Gold: review sentiment per UTC hour and product category ('unknown' for an unknown product).
CREATE TABLE IF NOT EXISTS {{catalog}}.gold.sentiment_summary (
  event_hour TIMESTAMP NOT NULL COMMENT 'start of the UTC hour',
  product_category STRING NOT NULL,
  event_date DATE NOT NULL COMMENT 'UTC date of event_hour',
  reviews BIGINT,
  scored_reviews BIGINT COMMENT 'reviews with a sentiment_score',
  avg_sentiment DOUBLE,
  positive_reviews BIGINT,
  neutral_reviews BIGINT,
  negative_reviews BIGINT,
  avg_rating DOUBLE
)
USING DELTA
COMMENT 'Review sentiment per hour and product category'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true',
  'delta.autoOptimize.optimizeWrite' = 'true',
  'lakectl.layer' = 'gold'
)
