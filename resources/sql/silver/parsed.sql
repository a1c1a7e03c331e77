-- Silver step 1 (view silver_parsed): every record of the batch, parsed once, with the rules it breaks.
-- reasons lists the reject codes in the order of DESIGN section 1, comma-separated; '' means valid.
-- A value that is not a JSON object gets MALFORMED_JSON alone: no other rule can be judged.
-- Field values are read as text. A JSON number's text is the engine's rendering of it (Spark writes
-- 12345678.5 as 1.23456785E7, DuckDB as 12345678.5, both write 1.000 as 1.0), so amount and rating are
-- judged by their numeric value, never by their spelling: text that looks like a number (a pattern,
-- before any cast, so no cast can fail) read as DOUBLE; an amount is valid when it is >= 0 and equals
-- its DECIMAL(12,2) value (at most two decimals, at most ten digits before the point), a rating when it
-- is one of 1..5 (4 and 4.0 alike).
-- The JSON is read only when it is an object (both engines parse it once more for the fields), and the
-- raw value is kept only for rejected records: the quarantine is its only reader.
SELECT
  p.source_topic,
  p.source_partition,
  p.source_offset,
  p.kafka_timestamp,
  p.ingest_ts,
  p.ingest_date,
  CASE WHEN p.reasons <> '' THEN p.value END AS value,
  p.is_object,
  p.event_id,
  p.customer_id,
  p.event_type,
  p.product_id,
  p.timestamp_text,
  p.event_ts,
  p.session_id,
  p.amount,
  p.rating,
  p.review_text,
  p.reasons
FROM (
  SELECT
    f.*,
    concat_ws(',',
      CASE WHEN NOT f.is_object THEN 'MALFORMED_JSON' END,
      CASE WHEN f.is_object AND (
        f.event_id IS NULL OR f.event_id = ''
        OR f.customer_id IS NULL OR f.customer_id = ''
        OR f.product_id IS NULL OR f.product_id = ''
        OR f.event_type IS NULL OR f.event_type = ''
        OR f.timestamp_text IS NULL OR f.timestamp_text = ''
      ) THEN 'MISSING_FIELD' END,
      CASE WHEN f.is_object AND f.event_type <> ''
        AND f.event_type NOT IN ('view', 'click', 'add_to_cart', 'purchase', 'review') THEN 'INVALID_EVENT_TYPE' END,
      CASE WHEN f.is_object AND f.timestamp_text <> '' AND f.event_ts IS NULL THEN 'INVALID_TIMESTAMP' END,
      CASE WHEN f.is_object AND (
        (f.event_type = 'purchase' AND f.amount_text IS NULL)
        OR (f.amount_text IS NOT NULL AND NOT coalesce(f.amount_value >= 0 AND CAST(f.amount AS DOUBLE) = f.amount_value, false))
      ) THEN 'INVALID_AMOUNT' END,
      CASE WHEN f.is_object AND (
        (f.event_type = 'review' AND f.rating_text IS NULL)
        OR (f.rating_text IS NOT NULL AND NOT coalesce(f.rating_value IN (1, 2, 3, 4, 5), false))
      ) THEN 'INVALID_RATING' END,
      CASE WHEN f.is_object AND f.event_type = 'review' AND (f.review_text IS NULL OR f.review_text = '')
        THEN 'MISSING_REVIEW_TEXT' END
    ) AS reasons
  FROM (
    SELECT
      n.*,
      try_cast(n.amount_value AS DECIMAL(12,2)) AS amount,
      CASE WHEN n.rating_value IN (1, 2, 3, 4, 5) THEN CAST(n.rating_value AS INT) END AS rating
    FROM (
    SELECT
      r.source_topic,
      r.source_partition,
      r.source_offset,
      r.kafka_timestamp,
      r.ingest_ts,
      r.ingest_date,
      r.value,
      r.is_object,
      r.j.event_id AS event_id,
      r.j.customer_id AS customer_id,
      r.j.event_type AS event_type,
      r.j.product_id AS product_id,
      r.j.timestamp AS timestamp_text,
      CASE
        WHEN regexp_like(r.j.timestamp, '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$')
        THEN try_to_timestamp(r.j.timestamp)
      END AS event_ts,
      r.j.session_id AS session_id,
      r.j.amount AS amount_text,
      CASE WHEN regexp_like(r.j.amount, '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$') THEN try_cast(r.j.amount AS DOUBLE) END AS amount_value,
      r.j.rating AS rating_text,
      CASE WHEN regexp_like(r.j.rating, '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$') THEN try_cast(r.j.rating AS DOUBLE) END AS rating_value,
      r.j.review_text AS review_text
    FROM (
      SELECT
        o.*,
        CASE WHEN o.is_object THEN
          from_json(o.value, 'event_id STRING, customer_id STRING, event_type STRING, product_id STRING, timestamp STRING, session_id STRING, amount STRING, rating STRING, review_text STRING')
        END AS j
      FROM (
        SELECT
          b.topic AS source_topic,
          b.partition AS source_partition,
          b.offset AS source_offset,
          b.kafka_timestamp,
          b.ingest_ts,
          b.ingest_date,
          b.value,
          json_object_keys(b.value) IS NOT NULL AS is_object
        FROM bronze_batch AS b
      ) AS o
    ) AS r
    ) AS n
  ) AS f
) AS p
