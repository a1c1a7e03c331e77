-- Silver step 3 (view silver_figures): one row of batch figures, for ops.quality_metrics and for the
-- runner. duplicates_dropped counts the valid records that were not written: later copies within the
-- batch and copies of events Silver already held.
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
  w.max_event_ts
FROM (
  SELECT
    count(*) AS rows_in,
    count(CASE WHEN p.reasons = '' THEN 1 END) AS rows_valid,
    count(CASE WHEN p.reasons <> '' THEN 1 END) AS rows_quarantined,
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
      OR instr(p.reasons, 'INVALID_TIMESTAMP') > 0) THEN 1 END) AS bad_timestamp,
    max(p.ingest_ts) AS max_ingest_ts
  FROM silver_parsed AS p
) AS a
CROSS JOIN (
  SELECT
    count(*) AS rows_written,
    count(CASE WHEN c.session_id IS NULL THEN 1 END) AS null_session_id,
    count(CASE WHEN c.customer_segment IS NULL THEN 1 END) AS null_customer_segment,
    count(CASE WHEN c.country IS NULL THEN 1 END) AS null_country,
    count(CASE WHEN c.product_category IS NULL THEN 1 END) AS null_product_category,
    count(CASE WHEN c.event_type = 'review' AND c.sentiment_score IS NULL THEN 1 END) AS unscored_reviews,
    max(c.event_ts) AS max_event_ts
  FROM silver_candidates AS c
) AS w
