/**
 * Runs one micro-batch of a layer on DuckDB by interpreting resources/pipeline/manifest.yaml, the same
 * steps the PySpark runners execute on Databricks. The caller presents the batch first (the layer's
 * `input.view`, e.g. with the helpers in batches.ts) and owns checkpoints and ops.stream_progress.
 */
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {setUtc} from './duckdb.js'
import {bindParameters, loadManifest, renderSql, type PipelineLayer, type StepParameters} from './manifest.js'

export interface BatchOptions {
  catalog: string
  batchId: number
  /** The stream name recorded in ops.quality_metrics; defaults to the layer (silver, gold). */
  stream?: string
  /** When the batch runs; defaults to now. */
  recordedAt?: Date
  /**
   * true (default): run the batch in its own transaction, all or nothing. false: the caller has begun
   * a transaction, e.g. to commit its checkpoint together with the batch.
   */
  ownTransaction?: boolean
}

/** The silver_figures row (resources/sql/silver/figures.sql). */
export interface SilverBatchFigures {
  rows_in: number
  rows_valid: number
  rows_quarantined: number
  duplicates_dropped: number
  rows_written: number
  malformed_json: number
  missing_field: number
  invalid_event_type: number
  invalid_timestamp: number
  invalid_amount: number
  invalid_rating: number
  missing_review_text: number
  /** JSON object: column -> NULL count among the rows written. */
  null_counts: string
  /** JSON object: column -> records that broke a rule on it. */
  rule_violations: string
  /** Newest Bronze ingest time in the batch (NULL for an empty batch). */
  max_ingest_ts: Date | null
  /** Newest event time among the rows written. */
  max_event_ts: Date | null
}

/** The gold_figures row (resources/sql/gold/figures.sql); each *_written counts the keys touched. */
export interface GoldBatchFigures {
  rows_in: number
  daily_rows_written: number
  summary_rows_written: number
  feature_rows_written: number
  max_ingest_ts: Date | null
  max_event_ts: Date | null
}

export async function runSilverBatch(connection: DuckDBConnection, options: BatchOptions): Promise<SilverBatchFigures> {
  return (await runLayerBatch(connection, 'silver', options)) as unknown as SilverBatchFigures
}

export async function runGoldBatch(connection: DuckDBConnection, options: BatchOptions): Promise<GoldBatchFigures> {
  return (await runLayerBatch(connection, 'gold', options)) as unknown as GoldBatchFigures
}

export async function runLayerBatch(connection: DuckDBConnection, layer: PipelineLayer, options: BatchOptions): Promise<Record<string, unknown>> {
  const spec = loadManifest().layers[layer]
  if (!Number.isSafeInteger(options.batchId)) throw new Error(`batch id ${options.batchId} is not an integer`)
  const parameters: StepParameters = {
    batch_id: options.batchId,
    stream: options.stream ?? layer,
    recorded_at: utcWallTime(options.recordedAt ?? new Date()),
  }
  await setUtc(connection)
  await assertInputPresented(connection, spec.input.view)
  const ownTransaction = options.ownTransaction ?? true
  if (ownTransaction) await connection.run('BEGIN TRANSACTION')
  try {
    for (const step of spec.steps) {
      const {sql, names} = bindParameters(renderSql(step.sql, {catalog: options.catalog}), '$')
      const values = names.length > 0 ? Object.fromEntries(names.map((name) => [name, toDuckDbValue(parameters[name])])) : undefined
      if ('view' in step) await connection.run(`CREATE OR REPLACE TEMP TABLE ${step.view} AS\n${sql}`, values)
      else await connection.run(sql, values)
    }
    const figures = (await connection.runAndReadAll(`SELECT * FROM ${spec.figures}`)).getRowObjectsJS()[0]
    for (const step of spec.steps) if ('view' in step) await connection.run(`DROP TABLE IF EXISTS temp.main.${step.view}`)
    if (ownTransaction) await connection.run('COMMIT')
    return Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value]))
  } catch (error) {
    if (ownTransaction) await connection.run('ROLLBACK')
    throw error
  }
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC: a timestamp literal both engines read the same way. */
export function utcWallTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '')
}

function toDuckDbValue(value: StepParameters[keyof StepParameters]): DuckDBValue {
  return typeof value === 'number' ? BigInt(value) : value
}

async function assertInputPresented(connection: DuckDBConnection, view: string): Promise<void> {
  try {
    await connection.run(`SELECT 1 FROM ${view} LIMIT 0`)
  } catch (error) {
    throw new Error(`present the batch as '${view}' on this connection before running the layer (see src/pipeline/batches.ts)`, {cause: error})
  }
}
