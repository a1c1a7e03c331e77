-- Analyst view: one row per customer, lifetime behaviour from Gold with the latest ML features.
SELECT
  d.customer_id,
  d.first_event_date,
  d.last_event_date,
  d.active_days,
  d.events,
  d.sessions,
  d.purchases,
  d.revenue,
  d.reviews,
  d.avg_sentiment,
  f.as_of_date AS features_as_of,
  f.recency_days,
  f.frequency_30d,
  f.monetary_30d,
  f.avg_sentiment_30d
FROM (
  SELECT
    customer_id,
    min(event_date) AS first_event_date,
    max(event_date) AS last_event_date,
    CAST(count(*) AS BIGINT) AS active_days,
    CAST(sum(events) AS BIGINT) AS events,
    CAST(sum(sessions) AS BIGINT) AS sessions,
    CAST(sum(purchases) AS BIGINT) AS purchases,
    CAST(sum(revenue) AS DECIMAL(18,2)) AS revenue,
    CAST(sum(reviews) AS BIGINT) AS reviews,
    CAST(sum(avg_sentiment * reviews) / nullif(sum(CASE WHEN avg_sentiment IS NULL THEN 0 ELSE reviews END), 0) AS DOUBLE) AS avg_sentiment
  FROM {{catalog}}.gold.customer_behavior_daily
  GROUP BY customer_id
) d
LEFT JOIN (
  SELECT customer_id, as_of_date, recency_days, frequency_30d, monetary_30d, avg_sentiment_30d
  FROM (
    SELECT cf.*, row_number() OVER (PARTITION BY cf.customer_id ORDER BY cf.as_of_date DESC) AS latest
    FROM {{catalog}}.gold.customer_features cf
  ) ranked
  WHERE latest = 1
) f ON f.customer_id = d.customer_id
