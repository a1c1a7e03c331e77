/**
 * One micro-batch's progress in the two shapes lakectl keeps: Spark's StreamingQueryProgress JSON
 * (reference/databricks-rest.md section 9) and the ops.stream_progress row derived from it, built in
 * one place so the local streaming runner reports exactly what the Databricks runners record.
 */
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {assertIdentifier} from '../databricks/identifiers.js'
import {loadTableSpecs} from './ddl.js'
import {utcWallTime} from './executor.js'

/** Kafka offsets as Spark writes them: {"topic": {"partition": offset}}. */
export type KafkaOffsets = Record<string, Record<string, number>>

export interface BatchProgressInput {
  stream: string
  /** Stable across restarts of the stream. */
  queryId: string
  /** One per start of the stream. */
  runId: string
  batchId: number
  triggerStart: Date
  /** Wall time of the whole trigger (durationMs.triggerExecution). */
  durationMs: number
  /** More durationMs entries (addBatch, getBatch, latestOffset, walCommit, ...). */
  durations?: Record<string, number>
  /** Start of the previous trigger: Spark's inputRowsPerSecond divides by the time since then. */
  previousTriggerStart?: Date | null
  numInputRows: number
  /** Rows the sink wrote; -1 when unknown, as in Spark. */
  numOutputRows?: number
  source: {description: string; startOffset: unknown; endOffset: unknown; latestOffset?: unknown}
  sinkDescription: string
  /** Records behind the latest offset; computed from Kafka-shaped offsets when omitted. */
  offsetsBehindLatest?: number | null
  /** Newest event time processed (eventTime.max). */
  maxEventTime?: Date | null
  /** Newest event or ingest time processed: ingest_lag_seconds is measured from it. */
  newestInputTime?: Date | null
  /** When the row is recorded; defaults to now. */
  recordedAt?: Date
  name?: string | null
}

export interface StreamingQueryProgress {
  id: string
  runId: string
  name: string | null
  timestamp: string
  batchId: number
  numInputRows: number
  inputRowsPerSecond: number
  processedRowsPerSecond: number
  durationMs: Record<string, number>
  eventTime?: {max: string}
  stateOperators: never[]
  sources: Array<{
    description: string
    startOffset: unknown
    endOffset: unknown
    latestOffset: unknown
    numInputRows: number
    inputRowsPerSecond: number
    processedRowsPerSecond: number
    metrics?: Record<string, string>
  }>
  sink: {description: string; numOutputRows: number}
}

/** A row of ops.stream_progress (resources/sql/ddl/ops.stream_progress.sql). */
export interface StreamProgressRow {
  stream: string
  query_id: string
  run_id: string
  batch_id: number
  trigger_ts: Date
  num_input_rows: number
  num_output_rows: number | null
  input_rows_per_second: number
  processed_rows_per_second: number
  batch_duration_ms: number
  start_offset: string | null
  end_offset: string | null
  latest_offset: string | null
  offsets_behind_latest: number | null
  max_event_time: Date | null
  ingest_lag_seconds: number | null
  progress_json: string
  recorded_at: Date
  /** YYYY-MM-DD (UTC date of trigger_ts). */
  progress_date: string
}

export function buildStreamProgress(input: BatchProgressInput): {progress: StreamingQueryProgress; row: StreamProgressRow} {
  const recordedAt = input.recordedAt ?? new Date()
  // As Spark: rows over the time since the previous trigger started (0 for the first batch), and rows
  // over the trigger's own duration (at least 1 ms).
  const sinceLastTrigger = input.previousTriggerStart ? (input.triggerStart.getTime() - input.previousTriggerStart.getTime()) / 1000 : Infinity
  const inputRowsPerSecond = sinceLastTrigger > 0 ? input.numInputRows / sinceLastTrigger : 0
  const processedRowsPerSecond = input.numInputRows / (Math.max(1, input.durationMs) / 1000)
  const behind = kafkaLag(input.source.endOffset, input.source.latestOffset)
  const offsetsBehindLatest = input.offsetsBehindLatest ?? (behind ? behind.total : null)
  const progress: StreamingQueryProgress = {
    id: input.queryId,
    runId: input.runId,
    name: input.name ?? null,
    timestamp: input.triggerStart.toISOString(),
    batchId: input.batchId,
    numInputRows: input.numInputRows,
    inputRowsPerSecond,
    processedRowsPerSecond,
    durationMs: {...input.durations, triggerExecution: input.durationMs},
    ...(input.maxEventTime ? {eventTime: {max: input.maxEventTime.toISOString()}} : {}),
    stateOperators: [],
    sources: [
      {
        description: input.source.description,
        startOffset: input.source.startOffset ?? null,
        endOffset: input.source.endOffset ?? null,
        latestOffset: input.source.latestOffset ?? null,
        numInputRows: input.numInputRows,
        inputRowsPerSecond,
        processedRowsPerSecond,
        ...(behind ? {metrics: behind.metrics} : {}),
      },
    ],
    sink: {description: input.sinkDescription, numOutputRows: input.numOutputRows ?? -1},
  }
  const row: StreamProgressRow = {
    stream: input.stream,
    query_id: input.queryId,
    run_id: input.runId,
    batch_id: input.batchId,
    trigger_ts: input.triggerStart,
    num_input_rows: input.numInputRows,
    num_output_rows: input.numOutputRows ?? null,
    input_rows_per_second: inputRowsPerSecond,
    processed_rows_per_second: processedRowsPerSecond,
    batch_duration_ms: input.durationMs,
    start_offset: offsetJson(input.source.startOffset),
    end_offset: offsetJson(input.source.endOffset),
    latest_offset: offsetJson(input.source.latestOffset),
    offsets_behind_latest: offsetsBehindLatest,
    max_event_time: input.maxEventTime ?? null,
    ingest_lag_seconds: input.newestInputTime ? Math.max(0, (recordedAt.getTime() - input.newestInputTime.getTime()) / 1000) : null,
    progress_json: JSON.stringify(progress),
    recorded_at: recordedAt,
    progress_date: input.triggerStart.toISOString().slice(0, 10),
  }
  return {progress, row}
}

/** Appends the row to <catalog>.ops.stream_progress with every value bound as a parameter. */
export async function insertStreamProgress(connection: DuckDBConnection, catalog: string, row: StreamProgressRow): Promise<void> {
  assertIdentifier(catalog, 'catalog name')
  const spec = loadTableSpecs().find((table) => table.id === 'ops.stream_progress')
  if (!spec) throw new Error('resources/sql/ddl has no ops.stream_progress')
  const values: Record<string, DuckDBValue> = {}
  const expressions = spec.columns.map(({name, type}) => {
    const value = row[name as keyof StreamProgressRow]
    values[name] = value instanceof Date ? utcWallTime(value) : value
    return `CAST($${name} AS ${type.toUpperCase()})`
  })
  await connection.run(
    `INSERT INTO ${catalog}.ops.stream_progress (${spec.columns.map((c) => c.name).join(', ')}) VALUES (${expressions.join(', ')})`,
    values,
  )
}

function offsetJson(offset: unknown): string | null {
  if (offset === undefined || offset === null) return null
  return typeof offset === 'string' ? offset : JSON.stringify(offset)
}

/** Per-partition lag between two Kafka offset maps, with Spark's Kafka source metrics. */
function kafkaLag(end: unknown, latest: unknown): {total: number; metrics: Record<string, string>} | null {
  if (!isKafkaOffsets(end) || !isKafkaOffsets(latest)) return null
  const lags: number[] = []
  for (const [topic, partitions] of Object.entries(latest)) {
    for (const [partition, latestOffset] of Object.entries(partitions)) {
      lags.push(Math.max(0, latestOffset - (end[topic]?.[partition] ?? 0)))
    }
  }
  if (lags.length === 0) return null
  const total = lags.reduce((a, b) => a + b, 0)
  return {
    total,
    metrics: {
      minOffsetsBehindLatest: String(Math.min(...lags)),
      maxOffsetsBehindLatest: String(Math.max(...lags)),
      avgOffsetsBehindLatest: (total / lags.length).toFixed(1),
    },
  }
}

function isKafkaOffsets(value: unknown): value is KafkaOffsets {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return Object.values(value).every(
    (partitions) => typeof partitions === 'object' && partitions !== null && Object.values(partitions).every((o) => typeof o === 'number'),
  )
}
