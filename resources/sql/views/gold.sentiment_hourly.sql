-- Analyst view: review sentiment per UTC hour and product category, with the share of positive reviews.
SELECT
  event_hour,
  event_date,
  product_category,
  reviews,
  avg_sentiment,
  positive_reviews,
  neutral_reviews,
  negative_reviews,
  CAST(positive_reviews AS DOUBLE) / nullif(CAST(scored_reviews AS DOUBLE), 0) AS positive_share
FROM {{catalog}}.gold.sentiment_summary
