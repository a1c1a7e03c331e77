-- Silver write 2: every rejected record, once per Bronze position (topic, partition, offset). A Bronze
-- position has one ingest date: the target is bound to the batch's ingest_date partitions by literals
-- (silver/bounds.sql), so the MERGE reads and conflicts with concurrent writers only there.
MERGE INTO {{catalog}}.silver.customer_events_quarantine AS t
USING (SELECT * FROM silver_parsed AS p WHERE p.reasons <> '') AS q
ON t.source_topic = q.source_topic
  AND t.source_partition = q.source_partition
  AND t.source_offset = q.source_offset
  AND t.ingest_date BETWEEN CAST({{first_ingest_date}} AS DATE) AND CAST({{last_ingest_date}} AS DATE)
WHEN NOT MATCHED THEN INSERT (
  value, reasons, event_id, source_topic, source_partition, source_offset, kafka_timestamp, ingest_ts,
  ingest_date, silver_batch_id, quarantined_at
) VALUES (
  q.value, q.reasons, q.event_id, q.source_topic, q.source_partition, q.source_offset, q.kafka_timestamp,
  q.ingest_ts, q.ingest_date, CAST({{batch_id}} AS BIGINT), CAST({{recorded_at}} AS TIMESTAMP)
)
