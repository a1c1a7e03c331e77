-- Silver step 4 (view silver_figures, after the bind step): one row of batch figures, for
-- ops.quality_metrics and for the runner. duplicates_dropped counts the valid records that were not
-- written: later copies within the batch and copies of events Silver already held. The rows written are
-- the winners Silver does not hold yet, enriched as merge_cleaned.sql enriches them (it runs after this
-- step, in the same batch).
SELECT
  a.rows_in,
  a.rows_valid,
  a.rows_quarantined,
  a.rows_valid - w.rows_written AS duplicates_dropped,
  w.rows_written,
  a.malformed_json,
  a.missing_field,
  a.invalid_event_type,
  a.invalid_timestamp,
  a.invalid_amount,
  a.invalid_rating,
  a.missing_review_text,
  concat(
    '{"session_id":', CAST(w.null_session_id AS STRING),
    ',"customer_segment":', CAST(w.null_customer_segment AS STRING),
    ',"country":', CAST(w.null_country AS STRING),
    ',"product_category":', CAST(w.null_product_category AS STRING),
    ',"sentiment_score":', CAST(w.unscored_reviews AS STRING),
    '}'
  ) AS null_counts,
  concat(
    '{"event_id":', CAST(a.bad_event_id AS STRING),
    ',"customer_id":', CAST(a.bad_customer_id AS STRING),
    ',"event_type":', CAST(a.bad_event_type AS STRING),
    ',"product_id":', CAST(a.bad_product_id AS STRING),
    ',"timestamp":', CAST(a.bad_timestamp AS STRING),
    ',"amount":', CAST(a.invalid_amount AS STRING),
    ',"rating":', CAST(a.invalid_rating AS STRING),
    ',"review_text":', CAST(a.missing_review_text AS STRING),
    '}'
  ) AS rule_violations,
  a.max_ingest_ts,
  w.distinct_customers,
  w.min_event_ts,
  w.max_event_ts,
  w.scored_rows,
  w.mean_score,
  w.model_version
FROM (
  SELECT
    t.rows_in,
    t.rows_valid,
    t.rows_in - t.rows_valid AS rows_quarantined,
    q.malformed_json,
    q.missing_field,
    q.invalid_event_type,
    q.invalid_timestamp,
    q.invalid_amount,
    q.invalid_rating,
    q.missing_review_text,
    q.bad_event_id,
    q.bad_customer_id,
    q.bad_event_type,
    q.bad_product_id,
    q.bad_timestamp,
    t.max_ingest_ts
  FROM (
    SELECT count(*) AS rows_in, count(CASE WHEN p.reasons = '' THEN 1 END) AS rows_valid, max(p.ingest_ts) AS max_ingest_ts
    FROM silver_parsed AS p
  ) AS t
  CROSS JOIN (
    -- Every rule violation rejects the record: only the rejected records need a look.
    SELECT
      count(CASE WHEN instr(p.reasons, 'MALFORMED_JSON') > 0 THEN 1 END) AS malformed_json,
      count(CASE WHEN instr(p.reasons, 'MISSING_FIELD') > 0 THEN 1 END) AS missing_field,
      count(CASE WHEN instr(p.reasons, 'INVALID_EVENT_TYPE') > 0 THEN 1 END) AS invalid_event_type,
      count(CASE WHEN instr(p.reasons, 'INVALID_TIMESTAMP') > 0 THEN 1 END) AS invalid_timestamp,
      count(CASE WHEN instr(p.reasons, 'INVALID_AMOUNT') > 0 THEN 1 END) AS invalid_amount,
      count(CASE WHEN instr(p.reasons, 'INVALID_RATING') > 0 THEN 1 END) AS invalid_rating,
      count(CASE WHEN instr(p.reasons, 'MISSING_REVIEW_TEXT') > 0 THEN 1 END) AS missing_review_text,
      count(CASE WHEN p.is_object AND (p.event_id IS NULL OR p.event_id = '') THEN 1 END) AS bad_event_id,
      count(CASE WHEN p.is_object AND (p.customer_id IS NULL OR p.customer_id = '') THEN 1 END) AS bad_customer_id,
      count(CASE WHEN p.is_object AND (p.event_type IS NULL OR p.event_type = ''
        OR instr(p.reasons, 'INVALID_EVENT_TYPE') > 0) THEN 1 END) AS bad_event_type,
      count(CASE WHEN p.is_object AND (p.product_id IS NULL OR p.product_id = '') THEN 1 END) AS bad_product_id,
      count(CASE WHEN p.is_object AND (p.timestamp_text IS NULL OR p.timestamp_text = ''
        OR instr(p.reasons, 'INVALID_TIMESTAMP') > 0) THEN 1 END) AS bad_timestamp
    FROM silver_parsed AS p
    WHERE p.reasons <> ''
  ) AS q
) AS a
CROSS JOIN (
  SELECT
    count(*) AS rows_written,
    count(CASE WHEN n.session_id IS NULL THEN 1 END) AS null_session_id,
    count(CASE WHEN c.customer_segment IS NULL THEN 1 END) AS null_customer_segment,
    count(CASE WHEN c.country IS NULL THEN 1 END) AS null_country,
    count(CASE WHEN p.product_category IS NULL THEN 1 END) AS null_product_category,
    count(CASE WHEN n.event_type = 'review' AND n.sentiment_score IS NULL THEN 1 END) AS unscored_reviews,
    count(DISTINCT n.customer_id) AS distinct_customers,
    min(n.event_ts) AS min_event_ts,
    max(n.event_ts) AS max_event_ts,
    count(n.sentiment_score) AS scored_rows,
    avg(n.sentiment_score) AS mean_score,
    max(n.model_version) AS model_version
  FROM silver_winners AS n
  LEFT JOIN (
    SELECT r.customer_id, min(r.customer_segment) AS customer_segment, min(r.country) AS country
    FROM {{catalog}}.silver.customers AS r
    GROUP BY r.customer_id
  ) AS c ON c.customer_id = n.customer_id
  LEFT JOIN (
    SELECT r.product_id, min(r.product_category) AS product_category
    FROM {{catalog}}.silver.products AS r
    GROUP BY r.product_id
  ) AS p ON p.product_id = n.product_id
  -- The MERGE's own match (merge_cleaned.sql): the batch's event dates only, not all of Silver.
  WHERE NOT EXISTS (
    SELECT 1 FROM {{catalog}}.silver.customer_events_cleaned AS s
    WHERE s.event_id = n.event_id
      AND s.event_date BETWEEN CAST({{first_event_date}} AS DATE) AND CAST({{last_event_date}} AS DATE)
  )
) AS w
