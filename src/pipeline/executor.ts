/**
 * Runs one micro-batch of a layer on DuckDB by interpreting resources/pipeline/manifest.yaml, the same
 * steps the PySpark runners execute on Databricks. The caller presents the batch first (the layer's
 * `input.view`, e.g. with the helpers in batches.ts) and owns checkpoints and ops.stream_progress.
 */
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {setUtc} from './duckdb.js'
import {readResource} from './resources.js'
import {bindParameters, loadManifest, renderSql, type ManifestStep, type PipelineLayer, type StepParameters} from './manifest.js'

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
  /** The layer's batch-only steps already ran on this connection (prepareLayerBatch), before the transaction. */
  prepared?: boolean
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

/**
 * The layer's leading view steps that read nothing but the presented batch and the views before them:
 * their SQL names no catalog table (no {{catalog}}). What they compute depends on the batch alone, so a
 * runner may compute them before the batch's transaction begins (manifest.yaml says so). On DuckDB that
 * matters: a table created inside a transaction lives in transaction-local storage, which DuckDB scans
 * with ONE thread (its parallelism is sized from committed rows), so every step reading it would run
 * single-threaded (measured on 1M events: the step after parsing 36% slower, parsing itself 77% slower
 * when bronze_batch was created inside the transaction).
 */
export function batchOnlySteps(layer: PipelineLayer): Array<Extract<ManifestStep, {view: string}>> {
  const steps: Array<Extract<ManifestStep, {view: string}>> = []
  for (const step of loadManifest().layers[layer].steps) {
    if (!('view' in step) || readsCatalog(step)) break
    steps.push(step)
  }
  return steps
}

function readsCatalog(step: ManifestStep): boolean {
  return readResource('sql', step.sql).includes('{{catalog}}')
}

/**
 * Runs the layer's batch-only steps (batchOnlySteps) over the presented batch, outside any transaction;
 * then run the batch with `prepared: true` in the transaction that writes it. Nothing here is durable:
 * a batch that fails or never commits leaves temp tables the next batch replaces.
 */
export async function prepareLayerBatch(connection: DuckDBConnection, layer: PipelineLayer, options: BatchOptions): Promise<void> {
  const spec = loadManifest().layers[layer]
  await setUtc(connection)
  await assertInputPresented(connection, spec.input.view)
  await runSteps(connection, batchOnlySteps(layer), options.catalog, stepParameters(layer, options))
}

export async function runLayerBatch(connection: DuckDBConnection, layer: PipelineLayer, options: BatchOptions): Promise<Record<string, unknown>> {
  const spec = loadManifest().layers[layer]
  const parameters = stepParameters(layer, options)
  await setUtc(connection)
  await assertInputPresented(connection, spec.input.view)
  const ownTransaction = options.ownTransaction ?? true
  // In its own transaction the batch computes its batch-only steps first, outside the transaction.
  const early = options.prepared ? [] : ownTransaction ? batchOnlySteps(layer) : []
  const skipped = new Set(options.prepared || early.length > 0 ? batchOnlySteps(layer).map((step) => step.view) : [])
  const views = spec.steps.flatMap((step) => ('view' in step ? [step.view] : []))
  try {
    await runSteps(connection, early, options.catalog, parameters)
  } catch (error) {
    await dropViews(connection, views)
    throw error
  }
  if (ownTransaction) await connection.run('BEGIN TRANSACTION')
  try {
    await runSteps(
      connection,
      spec.steps.filter((step) => !('view' in step && skipped.has(step.view))),
      options.catalog,
      parameters,
    )
    const figures = (await connection.runAndReadAll(`SELECT * FROM ${spec.figures}`)).getRowObjectsJS()[0]
    await dropViews(connection, views)
    if (ownTransaction) await connection.run('COMMIT')
    return Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value]))
  } catch (error) {
    if (ownTransaction) {
      await connection.run('ROLLBACK')
      await dropViews(connection, views).catch(() => undefined)
    }
    throw error
  }
}

function stepParameters(layer: PipelineLayer, options: BatchOptions): StepParameters {
  if (!Number.isSafeInteger(options.batchId)) throw new Error(`batch id ${options.batchId} is not an integer`)
  return {
    batch_id: options.batchId,
    stream: options.stream ?? layer,
    recorded_at: utcWallTime(options.recordedAt ?? new Date()),
  }
}

async function runSteps(connection: DuckDBConnection, steps: ManifestStep[], catalog: string, parameters: StepParameters): Promise<void> {
  for (const step of steps) {
    const {sql, names} = bindParameters(renderSql(step.sql, {catalog}), '$')
    const bind = (used: Array<keyof StepParameters>) => (used.length > 0 ? Object.fromEntries(used.map((name) => [name, toDuckDbValue(parameters[name])])) : undefined)
    if ('view' in step) await connection.run(`CREATE OR REPLACE TEMP TABLE ${step.view} AS\n${sql}`, bind(names))
    else if ('write' in step) await connection.run(sql, bind(names))
    else await connection.run(appendOnce(`${catalog}.${step.append}`, sql), bind([...new Set([...names, 'stream', 'batch_id'] as const)]))
  }
}

/** An append step on DuckDB: the rows, unless the table already holds rows of this stream and batch. */
function appendOnce(table: string, select: string): string {
  return `INSERT INTO ${table} BY NAME
SELECT n.* FROM (${select}) AS n
WHERE NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE t.stream = $stream AND t.batch_id = CAST($batch_id AS BIGINT))`
}

async function dropViews(connection: DuckDBConnection, views: string[]): Promise<void> {
  for (const view of views) await connection.run(`DROP TABLE IF EXISTS temp.main.${view}`)
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
