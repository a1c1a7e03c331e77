/**
 * Runs one micro-batch of a layer on DuckDB by interpreting resources/pipeline/manifest.yaml, the same
 * steps the PySpark runners execute on Databricks. The caller presents the batch first (the layer's
 * `input.view`, e.g. with the helpers in batches.ts) and owns checkpoints and ops.stream_progress.
 */
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {setUtc} from './duckdb.js'
import {readResource} from './resources.js'
import {bindParameters, loadManifest, renderSql, type BackfillMode, type ManifestStep, type PipelineLayer, type StepParameters} from './manifest.js'

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
  /** 'YYYY-MM-DD': the partition a backfill recomputes (runPartitionBatch). */
  partitionDate?: string
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
  /** Distinct customers, oldest and newest event time among the rows written. */
  distinct_customers: number
  min_event_ts: Date | null
  max_event_ts: Date | null
  /** Rows written with a sentiment score, their mean score and the served version that scored them. */
  scored_rows: number
  mean_score: number | null
  model_version: string | null
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

/** What one batch runs: the input view the caller presents, the steps in order, and the figures view. */
interface BatchPlan {
  input: string
  steps: ManifestStep[]
  figures: string
}

type ViewStep = Extract<ManifestStep, {view: string}>

function layerPlan(layer: PipelineLayer): BatchPlan {
  const spec = loadManifest().layers[layer]
  return {input: spec.input.view, steps: spec.steps, figures: spec.figures}
}

/** A backfill of one partition: the layer's input view, the mode's steps (resources/pipeline/manifest.yaml). */
function partitionPlan(layer: PipelineLayer, mode: BackfillMode): BatchPlan {
  const manifest = loadManifest()
  const spec = manifest.backfills[layer]
  return {input: manifest.layers[layer].input.view, steps: spec.modes[mode], figures: spec.figures}
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
export function batchOnlySteps(layer: PipelineLayer): ViewStep[] {
  return leadingBatchOnly(layerPlan(layer).steps)
}

function leadingBatchOnly(steps: ManifestStep[]): ViewStep[] {
  const early: ViewStep[] = []
  for (const step of steps) {
    if (!('view' in step) || readsCatalog(step)) break
    early.push(step)
  }
  return early
}

function readsCatalog(step: ViewStep): boolean {
  return readResource('sql', step.sql).includes('{{catalog}}')
}

/**
 * Runs the layer's batch-only steps (batchOnlySteps) over the presented batch, outside any transaction;
 * then run the batch with `prepared: true` in the transaction that writes it. Nothing here is durable:
 * a batch that fails or never commits leaves temp tables the next batch replaces.
 */
export async function prepareLayerBatch(connection: DuckDBConnection, layer: PipelineLayer, options: BatchOptions): Promise<void> {
  await preparePlan(connection, layerPlan(layer), stepParameters(layer, options), options.catalog)
}

export async function runLayerBatch(connection: DuckDBConnection, layer: PipelineLayer, options: BatchOptions): Promise<Record<string, unknown>> {
  return runPlan(connection, layerPlan(layer), stepParameters(layer, options), options)
}

/**
 * A backfill of one partition (options.partitionDate) in the given mode, after presentPartitionBatch.
 * The same contract as runLayerBatch; preparePartitionBatch is prepareLayerBatch's counterpart.
 */
export async function preparePartitionBatch(connection: DuckDBConnection, layer: PipelineLayer, mode: BackfillMode, options: BatchOptions): Promise<void> {
  await preparePlan(connection, partitionPlan(layer, mode), stepParameters(layer, options), options.catalog)
}

export async function runPartitionBatch(connection: DuckDBConnection, layer: PipelineLayer, mode: BackfillMode, options: BatchOptions): Promise<Record<string, unknown>> {
  return runPlan(connection, partitionPlan(layer, mode), stepParameters(layer, options), options)
}

async function preparePlan(connection: DuckDBConnection, plan: BatchPlan, parameters: StepParameters, catalog: string): Promise<void> {
  await setUtc(connection)
  await assertInputPresented(connection, plan.input)
  await runSteps(connection, leadingBatchOnly(plan.steps), catalog, parameters)
}

async function runPlan(connection: DuckDBConnection, plan: BatchPlan, parameters: StepParameters, options: BatchOptions): Promise<Record<string, unknown>> {
  await setUtc(connection)
  await assertInputPresented(connection, plan.input)
  const ownTransaction = options.ownTransaction ?? true
  const batchOnly = leadingBatchOnly(plan.steps)
  // In its own transaction the batch computes its batch-only steps first, outside the transaction.
  const early = options.prepared ? [] : ownTransaction ? batchOnly : []
  const skipped = new Set(options.prepared || early.length > 0 ? batchOnly.map((step) => step.view) : [])
  const views = plan.steps.flatMap((step) => ('view' in step ? [step.view] : []))
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
      plan.steps.filter((step) => !('view' in step && skipped.has(step.view))),
      options.catalog,
      parameters,
    )
    const figures = (await connection.runAndReadAll(`SELECT * FROM ${plan.figures}`)).getRowObjectsJS()[0]
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
    ...(options.partitionDate === undefined ? {} : {partition_date: partitionDate(options.partitionDate)}),
  }
}

/** A 'YYYY-MM-DD' that is a real calendar date. */
export function partitionDate(text: string): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : undefined
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) throw new Error(`partition date '${text}' is not a date YYYY-MM-DD`)
  return text
}

async function runSteps(connection: DuckDBConnection, steps: ManifestStep[], catalog: string, batchParameters: StepParameters): Promise<void> {
  let parameters = batchParameters
  for (const step of steps) {
    if ('replace' in step) {
      await replacePartition(connection, step, catalog, parameters)
      continue
    }
    const {sql, values} = boundStatement(step.sql, catalog, parameters)
    if ('bind' in step) parameters = {...parameters, ...boundValues(step.sql, (await connection.runAndReadAll(sql, values)).getRowObjectsJS())}
    else if ('view' in step) await connection.run(`CREATE OR REPLACE TEMP TABLE ${step.view} AS\n${sql}`, values)
    else if ('write' in step) await connection.run(sql, values)
    else await connection.run(appendOnce(`${catalog}.${step.append}`, sql), {...values, stream: parameters.stream, batch_id: BigInt(parameters.batch_id)})
  }
}

/**
 * A bind step's one row: each column is the manifest parameter of that name (a date as 'YYYY-MM-DD' or
 * NULL) for the steps after it. The Spark runner reads the same row (lakectl_pipeline.py).
 */
export function boundValues(file: string, rows: Array<Record<string, unknown>>): Partial<StepParameters> {
  if (rows.length !== 1) throw new Error(`${file} must return one row, not ${rows.length}`)
  const manifest = loadManifest()
  return Object.fromEntries(
    Object.entries(rows[0]).map(([name, value]) => {
      if (manifest.parameters[name]?.type !== 'date') throw new Error(`${file} returns ${name}, which is not a date parameter of the manifest`)
      if (value !== null && !(typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value))) throw new Error(`${file} returns ${name} = ${String(value)}, not a date 'YYYY-MM-DD' or NULL`)
      return [name, value]
    }),
  )
}

/** An append step on DuckDB: the rows, unless the table already holds rows of this stream and batch. */
function appendOnce(table: string, select: string): string {
  return `INSERT INTO ${table} BY NAME
SELECT n.* FROM (${select}) AS n
WHERE NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE t.stream = $stream AND t.batch_id = CAST($batch_id AS BIGINT))`
}

/** A manifest SQL file rendered for DuckDB, with the values of the parameters it uses. */
export function boundStatement(file: string, catalog: string, parameters: StepParameters): {sql: string; values?: Record<string, DuckDBValue>} {
  const {sql, names} = bindParameters(renderSql(file, {catalog}), '$')
  if (names.length === 0) return {sql}
  return {
    sql,
    values: Object.fromEntries(
      names.map((name) => {
        const value = parameters[name]
        if (value === undefined) throw new Error(`${file} uses {{${name}}}, which this batch does not set`)
        return [name, toDuckDbValue(value)]
      }),
    ),
  }
}

/**
 * Delta's replaceWhere on DuckDB, inside the batch's transaction: the rows of the partition give way to
 * the rows of the view. Like Delta, it refuses a view row outside the partition.
 */
async function replacePartition(connection: DuckDBConnection, step: Extract<ManifestStep, {replace: string}>, catalog: string, parameters: StepParameters): Promise<void> {
  const day = parameters.partition_date
  if (day === undefined) throw new Error(`replace ${step.replace} needs a partition date`)
  const table = `${catalog}.${step.replace}`
  const inPartition = `${step.where} = CAST($day AS DATE)`
  const [{outside}] = (await connection.runAndReadAll(`SELECT count(*) AS outside FROM ${step.from} WHERE ${step.where} IS NULL OR NOT (${inPartition})`, {day})).getRowObjectsJS()
  if (Number(outside) > 0) {
    throw new Error(`[DELTA_REPLACE_WHERE_MISMATCH] ${outside} rows of ${step.from} do not conform to the partial table overwrite condition '${step.where} = ${day}' of ${step.replace}`)
  }
  await connection.run(`DELETE FROM ${table} WHERE ${inPartition}`, {day})
  await connection.run(`INSERT INTO ${table} BY NAME SELECT * FROM ${step.from}`)
}

async function dropViews(connection: DuckDBConnection, views: string[]): Promise<void> {
  for (const view of views) await connection.run(`DROP TABLE IF EXISTS temp.main.${view}`)
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC: a timestamp literal both engines read the same way. */
export function utcWallTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '')
}

function toDuckDbValue(value: string | number | null): DuckDBValue {
  return typeof value === 'number' ? BigInt(value) : value
}

async function assertInputPresented(connection: DuckDBConnection, view: string): Promise<void> {
  try {
    await connection.run(`SELECT 1 FROM ${view} LIMIT 0`)
  } catch (error) {
    throw new Error(`present the batch as '${view}' on this connection before running the layer (see src/pipeline/batches.ts)`, {cause: error})
  }
}
