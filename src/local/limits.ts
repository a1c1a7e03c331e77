/**
 * The local workspace's tunables and their defaults, apart from the services they tune so that a
 * command (`lakectl local up`) can name a default without loading the workspace.
 */
import {availableParallelism} from 'node:os'

/** Tunables; the defaults suit real use, tests shrink them to exercise paging and chunking. */
export interface LocalLimits {
  /** Unity Catalog page size for `max_results=0`, and the most a page may hold. */
  ucPageSize: number
  ucMaxPageSize: number
  /** Statement result chunks: rows and (approximate JSON) bytes per chunk. */
  resultChunkRows: number
  resultChunkBytes: number
  /** Statements running at once (one DuckDB connection each); more wait in PENDING. */
  maxConcurrentStatements: number
  /** How long the warehouse stays STARTING or STOPPING. */
  warehouseTransitionMs: number
  /** How long a serving endpoint's config update stays IN_PROGRESS. */
  servingUpdateMs: number
  /** How long a job run stays PENDING before its tasks start (a cluster start on Databricks). */
  runSetupMs: number
  /** A continuous job restarts this long after its run ended; each failure in a row doubles it, up to the max. */
  continuousRestartBaseMs: number
  continuousRestartMaxMs: number
  /** Partitions of a topic created by its first record. */
  topicPartitions: number
  /** Rows a streaming micro-batch reads at most (when behind). */
  streamMaxBatchRows: number
  /** An idle stream writes a progress row at most this often. */
  streamHeartbeatMs: number
  /** DuckDB's memory limit (MB; `lakectl local up --memory-limit`) and worker threads: see EngineOptions. */
  engineMemoryLimitMb: number
  engineThreads: number
}

export const DEFAULT_LIMITS: LocalLimits = {
  ucPageSize: 50,
  ucMaxPageSize: 1000,
  resultChunkRows: 10_000,
  resultChunkBytes: 1024 * 1024,
  maxConcurrentStatements: 4,
  warehouseTransitionMs: 200,
  servingUpdateMs: 300,
  runSetupMs: 300,
  continuousRestartBaseMs: 1000,
  continuousRestartMaxMs: 30_000,
  topicPartitions: 4,
  streamMaxBatchRows: 250_000,
  streamHeartbeatMs: 30_000,
  engineMemoryLimitMb: 1024,
  // One per core, at most four: the workspace shares the machine with the CLI and the producers. On two
  // cores one thread drained 1M events at 155k/s, two at 212k/s (bench/engine.mjs).
  engineThreads: Math.min(4, availableParallelism()),
}
