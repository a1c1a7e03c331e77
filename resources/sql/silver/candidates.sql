-- Silver step 2 (view silver_candidates): the valid events of the batch that Silver does not hold yet,
-- typed, enriched and scored. Within the batch the first copy of an event_id in ingestion order wins:
-- (ingest_ts, source_topic, source_partition, source_offset), i.e. the earliest Bronze landing, then the
-- lowest topic partition and offset. Copies already in Silver lose to it (insert-if-absent).
-- Enrichment is a left join on deduplicated reference data, so it never drops or multiplies an event.
SELECT
  e.event_id,
  e.customer_id,
  e.event_type,
  e.product_id,
  e.event_ts,
  to_date(e.event_ts) AS event_date,
  e.session_id,
  try_cast(e.amount_text AS DECIMAL(12,2)) AS amount,
  try_cast(e.rating_text AS INT) AS rating,
  e.review_text,
  c.customer_segment,
  c.country,
  p.product_category,
  e.sentiment_score,
  CASE
    WHEN e.sentiment_score >= 0.6 THEN 'positive'
    WHEN e.sentiment_score <= 0.4 THEN 'negative'
    WHEN e.sentiment_score IS NOT NULL THEN 'neutral'
  END AS sentiment_label,
  CASE WHEN e.sentiment_score IS NOT NULL THEN sentiment_model_version() END AS model_version,
  e.ingest_ts,
  e.source_topic,
  e.source_partition,
  e.source_offset,
  CAST({{batch_id}} AS BIGINT) AS silver_batch_id
FROM (
  SELECT
    w.*,
    CASE WHEN w.event_type = 'review' THEN sentiment_score(w.review_text) END AS sentiment_score
  FROM (
    SELECT
      v.*,
      row_number() OVER (
        PARTITION BY v.event_id
        ORDER BY v.ingest_ts, v.source_topic, v.source_partition, v.source_offset
      ) AS copy_rank
    FROM silver_parsed AS v
    WHERE v.reasons = ''
  ) AS w
  WHERE w.copy_rank = 1
    AND NOT EXISTS (
      SELECT 1 FROM {{catalog}}.silver.customer_events_cleaned AS s WHERE s.event_id = w.event_id
    )
) AS e
LEFT JOIN (
  SELECT customer_id, min(customer_segment) AS customer_segment, min(country) AS country
  FROM {{catalog}}.silver.customers
  GROUP BY customer_id
) AS c ON c.customer_id = e.customer_id
LEFT JOIN (
  SELECT product_id, min(product_category) AS product_category
  FROM {{catalog}}.silver.products
  GROUP BY product_id
) AS p ON p.product_id = e.product_id
