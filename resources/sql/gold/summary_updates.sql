-- Gold step 2 (view gold_summary_updates): sentiment_summary recomputed from all Silver reviews for every
-- (UTC hour, product category) the batch's reviews touched; an unknown product counts as 'unknown'.
SELECT
  r.event_hour,
  r.product_category,
  to_date(r.event_hour) AS event_date,
  count(*) AS reviews,
  count(r.sentiment_score) AS scored_reviews,
  avg(r.sentiment_score) AS avg_sentiment,
  count(CASE WHEN r.sentiment_label = 'positive' THEN 1 END) AS positive_reviews,
  count(CASE WHEN r.sentiment_label = 'neutral' THEN 1 END) AS neutral_reviews,
  count(CASE WHEN r.sentiment_label = 'negative' THEN 1 END) AS negative_reviews,
  avg(r.rating) AS avg_rating
FROM (
  SELECT
    date_trunc('HOUR', s.event_ts) AS event_hour,
    coalesce(s.product_category, 'unknown') AS product_category,
    s.sentiment_score,
    s.sentiment_label,
    s.rating
  FROM {{catalog}}.silver.customer_events_cleaned AS s
  WHERE s.event_type = 'review'
) AS r
JOIN (
  SELECT DISTINCT
    date_trunc('HOUR', b.event_ts) AS event_hour,
    coalesce(b.product_category, 'unknown') AS product_category
  FROM silver_batch AS b
  WHERE b.event_type = 'review'
) AS k
  ON k.event_hour = r.event_hour AND k.product_category = r.product_category
GROUP BY r.event_hour, r.product_category
