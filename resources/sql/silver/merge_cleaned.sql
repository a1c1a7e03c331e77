-- Silver write 3: the new events, insert-if-absent on event_id, so a replayed batch or a copy that
-- arrives in a later batch never adds a second row. Enrichment is a left join on deduplicated reference
-- data, so it never drops or multiplies an event (figures.sql counts the same join). The target is bound
-- to the event_date partitions of the batch by literals (silver/bounds.sql), so the MERGE reads and
-- conflicts with concurrent writers only there; a copy of an event is the same event (same event_id and
-- event time), so it lies in the same partition.
MERGE INTO {{catalog}}.silver.customer_events_cleaned AS t
USING (
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
) AS c
ON t.event_id = c.event_id
  AND t.event_date BETWEEN CAST({{first_event_date}} AS DATE) AND CAST({{last_event_date}} AS DATE)
WHEN NOT MATCHED THEN INSERT (
  event_id, customer_id, event_type, product_id, event_ts, event_date, session_id, amount, rating,
  review_text, customer_segment, country, product_category, sentiment_score, sentiment_label,
  model_version, ingest_ts, source_topic, source_partition, source_offset, silver_batch_id
) VALUES (
  c.event_id, c.customer_id, c.event_type, c.product_id, c.event_ts, c.event_date, c.session_id, c.amount,
  c.rating, c.review_text, c.customer_segment, c.country, c.product_category, c.sentiment_score,
  c.sentiment_label, c.model_version, c.ingest_ts, c.source_topic, c.source_partition, c.source_offset,
  c.silver_batch_id
)
