-- Silver backfill, replace mode (view silver_partition): the partition's rows under the current rules,
-- reference data and served model: every winner, enriched as merge_cleaned.sql enriches new events.
-- The runner swaps it in for the partition atomically (replaceWhere event_date on Delta; one
-- transaction on DuckDB).
SELECT w.*, c.customer_segment, c.country, p.product_category
FROM silver_winners AS w
LEFT JOIN (
  SELECT r.customer_id, min(r.customer_segment) AS customer_segment, min(r.country) AS country
  FROM {{catalog}}.silver.customers AS r
  GROUP BY r.customer_id
) AS c ON c.customer_id = w.customer_id
LEFT JOIN (
  SELECT r.product_id, min(r.product_category) AS product_category
  FROM {{catalog}}.silver.products AS r
  GROUP BY r.product_id
) AS p ON p.product_id = w.product_id
