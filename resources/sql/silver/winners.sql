-- Silver step 2 (view silver_winners): the first valid copy of each event_id in the batch, typed and
-- scored. Within the batch the first copy in ingestion order wins: (ingest_ts, source_topic,
-- source_partition, source_offset), i.e. the earliest Bronze landing, then the lowest topic partition
-- and offset. Silver may hold some of these events already (replays, copies that come in later
-- batches): the write inserts only the absent ones (insert-if-absent) and the figures count them.
-- Like silver_parsed it reads nothing but the batch, so a runner may compute it before the batch's
-- transaction (see the manifest). Most event_ids come once: only those that come more than once are
-- ranked (a window over every valid record sorts all of them); a valid record's event_id is never
-- NULL, so NOT IN means NOT EXISTS here. Only reviews are scored.
SELECT
  e.event_id,
  e.customer_id,
  e.event_type,
  e.product_id,
  e.event_ts,
  to_date(e.event_ts) AS event_date,
  e.session_id,
  e.amount,
  e.rating,
  e.review_text,
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
    SELECT v.*, 1 AS copy_rank
    FROM silver_parsed AS v
    WHERE v.reasons = ''
      AND v.event_id NOT IN (
        SELECT d.event_id FROM silver_parsed AS d WHERE d.reasons = '' GROUP BY d.event_id HAVING count(*) > 1
      )
    UNION ALL
    SELECT
      v.*,
      row_number() OVER (
        PARTITION BY v.event_id
        ORDER BY v.ingest_ts, v.source_topic, v.source_partition, v.source_offset
      ) AS copy_rank
    FROM silver_parsed AS v
    WHERE v.reasons = ''
      AND v.event_id IN (
        SELECT d.event_id FROM silver_parsed AS d WHERE d.reasons = '' GROUP BY d.event_id HAVING count(*) > 1
      )
  ) AS w
  WHERE w.copy_rank = 1
) AS e
