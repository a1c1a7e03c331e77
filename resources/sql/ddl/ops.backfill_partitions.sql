-- One row per backfill, layer, partition and attempt: the durable record `lakectl backfill resume` and
-- `retry` continue from. A partition's state is the state of its latest attempt.
CREATE TABLE IF NOT EXISTS {{catalog}}.ops.backfill_partitions (
  backfill_id STRING NOT NULL,
  layer STRING NOT NULL COMMENT 'silver or gold',
  partition_date DATE NOT NULL COMMENT 'the event_date partition (UTC)',
  attempt INT NOT NULL COMMENT '1 for the first run of the partition',
  state STRING NOT NULL COMMENT 'pending, running, succeeded, failed, skipped or cancelled',
  run_id BIGINT COMMENT 'the backfill job run of this attempt',
  rows_before BIGINT COMMENT 'rows of the partition when the attempt started',
  rows_after BIGINT COMMENT 'rows of the partition when the attempt succeeded',
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  error STRING COMMENT 'why the attempt failed or was skipped',
  updated_at TIMESTAMP NOT NULL
)
USING DELTA
COMMENT 'Backfill partitions: one row per partition and attempt'
TBLPROPERTIES (
  'delta.enableDeletionVectors' = 'true',
  'lakectl.layer' = 'ops'
)
