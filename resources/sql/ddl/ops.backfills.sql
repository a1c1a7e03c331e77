-- One row per `lakectl backfill`: what was asked for and how it stands. lakectl writes it with statement
-- parameters and reads it back for `backfill status`, `list`, `resume`, `retry` and `cancel`.
CREATE TABLE IF NOT EXISTS {{catalog}}.ops.backfills (
  backfill_id STRING NOT NULL COMMENT 'bf-yyyymmdd-hhmmss-xxxxxx',
  layer STRING NOT NULL COMMENT 'silver or gold: the layer asked for (Gold follows Silver with downstream)',
  mode STRING NOT NULL COMMENT 'missing or replace',
  from_date DATE NOT NULL COMMENT 'first partition (event_date, UTC), inclusive',
  to_date DATE NOT NULL COMMENT 'last partition, inclusive',
  partition_order STRING NOT NULL COMMENT 'oldest or newest first',
  concurrency INT NOT NULL COMMENT 'partitions run at once',
  max_attempts INT NOT NULL COMMENT 'runs per partition before it counts as failed',
  downstream BOOLEAN NOT NULL COMMENT 'a Silver partition that changed is followed by Gold for the date',
  job_id BIGINT COMMENT 'the backfill job each partition runs as',
  requested_by STRING,
  state STRING NOT NULL COMMENT 'running, succeeded, failed, interrupted or cancelled',
  partitions BIGINT COMMENT 'partitions of the backfill (Gold ones included)',
  succeeded BIGINT,
  failed BIGINT,
  skipped BIGINT,
  cancelled BIGINT,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  ended_at TIMESTAMP
)
USING DELTA
COMMENT 'Backfills: one row per lakectl backfill'
TBLPROPERTIES (
  'delta.enableDeletionVectors' = 'true',
  'lakectl.layer' = 'ops'
)
