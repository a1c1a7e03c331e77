-- Gold step 1 (view gold_daily_updates): customer_behavior_daily recomputed from all of Silver for
-- every (customer_id, event_date) the batch touched. Distinct sessions cannot be summed across batches,
-- so nothing is added incrementally.
SELECT
  s.customer_id,
  s.event_date,
  count(*) AS events,
  count(CASE WHEN s.event_type = 'view' THEN 1 END) AS views,
  count(CASE WHEN s.event_type = 'click' THEN 1 END) AS clicks,
  count(CASE WHEN s.event_type = 'add_to_cart' THEN 1 END) AS add_to_carts,
  count(CASE WHEN s.event_type = 'purchase' THEN 1 END) AS purchases,
  count(CASE WHEN s.event_type = 'review' THEN 1 END) AS reviews,
  count(DISTINCT s.session_id) AS sessions,
  CAST(coalesce(sum(CASE WHEN s.event_type = 'purchase' THEN s.amount END), 0) AS DECIMAL(18,2)) AS revenue,
  avg(CASE WHEN s.event_type = 'review' THEN s.sentiment_score END) AS avg_sentiment,
  avg(CASE WHEN s.event_type = 'review' THEN s.rating END) AS avg_rating,
  min(s.event_ts) AS first_event_ts,
  max(s.event_ts) AS last_event_ts
FROM {{catalog}}.silver.customer_events_cleaned AS s
JOIN (SELECT DISTINCT b.customer_id, b.event_date FROM silver_batch AS b) AS k
  ON k.customer_id = s.customer_id AND k.event_date = s.event_date
GROUP BY s.customer_id, s.event_date
