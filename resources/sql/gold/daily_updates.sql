-- Gold step 1 (view gold_daily_updates): customer_behavior_daily recomputed from all of Silver for
-- every (customer_id, event_date) the batch touched. Distinct sessions cannot be summed across batches,
-- so nothing is added incrementally.
SELECT
  s.customer_id,
  s.event_date,
  CAST(count(*) AS BIGINT) AS events,
  CAST(count_if(s.event_type = 'view') AS BIGINT) AS views,
  CAST(count_if(s.event_type = 'click') AS BIGINT) AS clicks,
  CAST(count_if(s.event_type = 'add_to_cart') AS BIGINT) AS add_to_carts,
  CAST(count_if(s.event_type = 'purchase') AS BIGINT) AS purchases,
  CAST(count_if(s.event_type = 'review') AS BIGINT) AS reviews,
  CAST(count(DISTINCT s.session_id) AS BIGINT) AS sessions,
  CAST(coalesce(sum(CASE WHEN s.event_type = 'purchase' THEN s.amount END), 0) AS DECIMAL(18,2)) AS revenue,
  avg(CASE WHEN s.event_type = 'review' THEN s.sentiment_score END) AS avg_sentiment,
  avg(CASE WHEN s.event_type = 'review' THEN s.rating END) AS avg_rating,
  min(s.event_ts) AS first_event_ts,
  max(s.event_ts) AS last_event_ts
FROM {{catalog}}.silver.customer_events_cleaned AS s
JOIN (SELECT DISTINCT b.customer_id, b.event_date FROM silver_batch AS b) AS k
  ON k.customer_id = s.customer_id AND k.event_date = s.event_date
GROUP BY s.customer_id, s.event_date
