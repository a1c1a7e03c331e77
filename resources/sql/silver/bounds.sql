-- Silver bind step (silver_bounds): the partitions the batch's MERGEs write, bound as parameters into
-- figures.sql and merge_cleaned.sql (event_date of the winners) and merge_quarantine.sql (ingest_date
-- of the rejected records). Each MERGE bounds its target to them with literals in its ON clause, so Delta reads, and
-- checks for conflicts, only those partitions: a stream and a backfill writing other dates never
-- conflict. A join term (t.event_date = s.event_date) would not do: Delta cannot prune the target by
-- it and reads the whole table. NULL when there is nothing to write (the MERGE then reads nothing).
SELECT
  CAST((SELECT min(w.event_date) FROM silver_winners AS w) AS STRING) AS first_event_date,
  CAST((SELECT max(w.event_date) FROM silver_winners AS w) AS STRING) AS last_event_date,
  CAST((SELECT min(p.ingest_date) FROM silver_parsed AS p WHERE p.reasons <> '') AS STRING) AS first_ingest_date,
  CAST((SELECT max(p.ingest_date) FROM silver_parsed AS p WHERE p.reasons <> '') AS STRING) AS last_ingest_date
