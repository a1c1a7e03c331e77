-- Gold write 3: upsert the recomputed (hour, product category) rows; never with a stale recompute
-- (fewer reviews: see merge_daily.sql).
MERGE INTO {{catalog}}.gold.sentiment_summary AS t
USING gold_summary_updates AS u
ON t.event_hour = u.event_hour AND t.product_category = u.product_category
WHEN MATCHED AND u.reviews >= t.reviews THEN UPDATE SET
  event_date = u.event_date,
  reviews = u.reviews,
  scored_reviews = u.scored_reviews,
  avg_sentiment = u.avg_sentiment,
  positive_reviews = u.positive_reviews,
  neutral_reviews = u.neutral_reviews,
  negative_reviews = u.negative_reviews,
  avg_rating = u.avg_rating
WHEN NOT MATCHED THEN INSERT (
  event_hour, product_category, event_date, reviews, scored_reviews, avg_sentiment, positive_reviews,
  neutral_reviews, negative_reviews, avg_rating
) VALUES (
  u.event_hour, u.product_category, u.event_date, u.reviews, u.scored_reviews, u.avg_sentiment,
  u.positive_reviews, u.neutral_reviews, u.negative_reviews, u.avg_rating
)
