-- Analyst view: one row per UTC event date, the business figures of the day from Gold.
SELECT
  event_date,
  CAST(count(*) AS BIGINT) AS active_customers,
  CAST(sum(events) AS BIGINT) AS events,
  CAST(sum(views) AS BIGINT) AS views,
  CAST(sum(purchases) AS BIGINT) AS purchases,
  CAST(sum(revenue) AS DECIMAL(18,2)) AS revenue,
  CAST(sum(reviews) AS BIGINT) AS reviews,
  CAST(sum(purchases) AS DOUBLE) / nullif(CAST(sum(views) AS DOUBLE), 0) AS purchases_per_view,
  CAST(sum(revenue) AS DOUBLE) / nullif(CAST(sum(purchases) AS DOUBLE), 0) AS revenue_per_purchase
FROM {{catalog}}.gold.customer_behavior_daily
GROUP BY event_date
