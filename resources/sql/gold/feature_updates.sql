-- Gold step 3 (view gold_feature_updates): customer_features for every customer the batch touched, as
-- of the latest event date Silver holds for the customer. The 30-day windows end on as_of_date
-- (inclusive); recency counts days from the last purchase ever.
SELECT
  h.customer_id,
  h.as_of_date,
  CAST(datediff(h.as_of_date, max(CASE WHEN h.event_type = 'purchase' THEN h.event_date END)) AS INT) AS recency_days,
  count(CASE WHEN h.in_window AND h.event_type = 'purchase' THEN 1 END) AS frequency_30d,
  CAST(coalesce(sum(CASE WHEN h.in_window AND h.event_type = 'purchase' THEN h.amount END), 0) AS DECIMAL(18,2)) AS monetary_30d,
  count(CASE WHEN h.in_window THEN 1 END) AS events_30d,
  count(DISTINCT CASE WHEN h.in_window THEN h.session_id END) AS sessions_30d,
  count(DISTINCT CASE WHEN h.in_window THEN h.event_date END) AS active_days_30d,
  count(CASE WHEN h.in_window AND h.event_type = 'review' THEN 1 END) AS reviews_30d,
  avg(CASE WHEN h.in_window AND h.event_type = 'review' THEN h.sentiment_score END) AS avg_sentiment_30d,
  avg(CASE WHEN h.in_window AND h.event_type = 'review' THEN h.rating END) AS avg_rating_30d,
  CAST(datediff(h.as_of_date, min(h.event_date)) AS INT) AS tenure_days,
  count(*) AS lifetime_events,
  CAST(coalesce(sum(CASE WHEN h.event_type = 'purchase' THEN h.amount END), 0) AS DECIMAL(18,2)) AS lifetime_revenue
FROM (
  SELECT
    s.customer_id,
    a.as_of_date,
    s.event_type,
    s.event_date,
    s.session_id,
    s.amount,
    s.rating,
    s.sentiment_score,
    datediff(a.as_of_date, s.event_date) < 30 AS in_window
  FROM {{catalog}}.silver.customer_events_cleaned AS s
  JOIN (
    SELECT t.customer_id, max(t.event_date) AS as_of_date
    FROM {{catalog}}.silver.customer_events_cleaned AS t
    WHERE t.customer_id IN (SELECT b.customer_id FROM silver_batch AS b)
    GROUP BY t.customer_id
  ) AS a ON a.customer_id = s.customer_id
) AS h
GROUP BY h.customer_id, h.as_of_date
