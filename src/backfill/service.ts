/**
 * `lakectl backfill` and its subcommands as services: plan a range, start it, and resume, retry,
 * cancel or report a backfill from its durable record. They take the workspace client and return data;
 * the commands render it.
 */
import {UsageError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {getJob, getRun, isActive, listProjectJobs, roleJob, type Job} from '../databricks/jobs.js'
import {quoteName} from '../databricks/identifiers.js'
import {runStatement} from '../databricks/sql.js'
import {resolveWarehouse} from '../databricks/warehouses.js'
import {findDownstream, type Downstream, type DownstreamSource} from './downstream.js'
import {Ledger, type Attempt, type BackfillRecord, type BackfillState} from './ledger.js'
import {checkBackfillId, newBackfillId, partitionDates, type BackfillLayer, type BackfillMode, type PartitionOrder} from './partitions.js'
import {
  cancelAttempts,
  countsOf,
  latestAttempts,
  modeFor,
  nextLayer,
  partitionKey,
  results,
  runPartitions,
  stateAfter,
  type Counts,
  type Outcome,
  type PartitionEvent,
  type PartitionResult,
  type Task,
} from './run.js'

export interface BackfillContext {
  client: DatabricksClient
  ledger: Ledger
  project: string
  catalog: string
}

export interface BackfillRequest {
  layer: BackfillLayer
  mode: BackfillMode
  from: string
  to: string
  order: PartitionOrder
  concurrency: number
  maxAttempts: number
  downstream: boolean
}

export interface PlannedPartition {
  layer: BackfillLayer
  partition_date: string
  /** Rows the partition holds now. */
  rows: number
}

export interface BackfillPlan {
  layer: BackfillLayer
  mode: BackfillMode
  from: string
  to: string
  order: PartitionOrder
  job_id: number
  /** The concurrency used: the one asked for, at most the job's max_concurrent_runs. */
  concurrency: number
  max_concurrent_runs: number
  max_attempts: number
  /** Other layers follow the partitions that change. */
  downstream: boolean
  downstream_layers: BackfillLayer[]
  /** Where the downstream layers come from (null: --no-downstream). */
  downstream_source: DownstreamSource | null
  /** Why the manifest's layer order was used instead of lineage. */
  downstream_fallback?: string
  partitions: PlannedPartition[]
  warnings: string[]
}

export interface BackfillResult {
  backfill_id: string
  layer: BackfillLayer
  mode: BackfillMode
  from: string
  to: string
  state: BackfillState
  /** How this command stopped: finished, started (--no-wait), timed_out or interrupted (runs go on). */
  outcome: Outcome
  job_id: number | null
  concurrency: number
  counts: Counts
  /** Every partition ran and none holds a row: there was nothing to backfill. */
  empty: boolean
  elapsed_seconds: number
  partitions: PartitionResult[]
  /** The layers that followed (commands that drive the backfill; see BackfillPlan). */
  downstream_layers?: BackfillLayer[]
  downstream_source?: DownstreamSource | null
  downstream_fallback?: string
}

export interface CancelResult extends BackfillResult {
  /** Partitions this cancel recorded cancelled (0: nothing was running or waiting). */
  cancelled_now: number
}

export interface DriveOptions {
  wait: boolean
  timeoutSeconds?: number
  onEvent?: (event: PartitionEvent) => void
  /** Backoff between attempts (tests shorten it). */
  retryDelay?: {baseDelayMs: number; maxDelayMs: number}
}

export async function openBackfills(client: DatabricksClient, options: {project: string; catalog: string; warehouse: string}): Promise<BackfillContext> {
  const warehouse = await resolveWarehouse(client, options.warehouse)
  return {client, ledger: new Ledger(client, {warehouseId: warehouse.id, catalog: options.catalog}), project: options.project, catalog: options.catalog}
}

/** The partitions of the request (checked first: bad input fails before any request). */
export function requestedDates(request: Pick<BackfillRequest, 'from' | 'to' | 'order'>): string[] {
  return partitionDates(request.from, request.to, request.order)
}

/** What a backfill would run: the job, the concurrency it gets and the rows each partition holds now. */
export async function planBackfill(context: BackfillContext, request: BackfillRequest): Promise<BackfillPlan> {
  const dates = requestedDates(request)
  const [job, rows, downstream] = await Promise.all([
    backfillJob(context),
    partitionRows(context, request.layer, request.from, request.to),
    request.downstream ? findDownstream(context.client, context.catalog, request.layer) : undefined,
  ])
  const limit = job.settings.max_concurrent_runs ?? 1
  const warnings: string[] = []
  if (limit < 1) throw new UsageError(`The backfill job ${job.job_id} has max_concurrent_runs ${limit}: it runs nothing.`, {code: 'JOB_DISABLED', hint: 'lakectl bootstrap --yes'})
  if (request.concurrency > limit) warnings.push(`--concurrency ${request.concurrency} is above the backfill job's max_concurrent_runs (${limit}): running ${limit} at a time.`)
  return {
    layer: request.layer,
    mode: request.mode,
    from: request.from,
    to: request.to,
    order: request.order,
    job_id: job.job_id,
    concurrency: Math.min(request.concurrency, limit),
    max_concurrent_runs: limit,
    max_attempts: request.maxAttempts,
    downstream: (downstream?.layers.length ?? 0) > 0,
    ...downstreamFields(downstream),
    partitions: dates.map((day) => ({layer: request.layer, partition_date: day, rows: rows.get(day) ?? 0})),
    warnings,
  }
}

/** Records the backfill, then runs it. */
export async function startBackfill(context: BackfillContext, plan: BackfillPlan, options: DriveOptions): Promise<BackfillResult> {
  const now = Date.now()
  const record: BackfillRecord = {
    backfill_id: newBackfillId(new Date(now)),
    layer: plan.layer,
    mode: plan.mode,
    from_date: plan.from,
    to_date: plan.to,
    partition_order: plan.order,
    concurrency: plan.concurrency,
    max_attempts: plan.max_attempts,
    downstream: plan.downstream,
    job_id: plan.job_id,
    requested_by: await currentUser(context.client),
    state: 'running',
    partitions: plan.partitions.length,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    created_at: now,
    updated_at: now,
    ended_at: null,
  }
  const pending = plan.partitions.map((p) => blankAttempt(p.layer, p.partition_date, 1))
  await context.ledger.create(record, pending)
  const tasks = pending.map((attempt) => ({layer: attempt.layer, partition_date: attempt.partition_date, attempt: 1, last_attempt: plan.max_attempts}))
  const downstream = plan.downstream_source ? {layers: plan.downstream_layers, source: plan.downstream_source, fallback: plan.downstream_fallback} : undefined
  return drive(context, record, pending, tasks, plan.job_id, plan.concurrency, downstream, options, now)
}

/** Continues a backfill: every partition not succeeded yet, with the original parameters. */
export async function resumeBackfill(context: BackfillContext, backfillId: string, options: DriveOptions): Promise<BackfillResult> {
  const {record, attempts} = await loadBackfill(context, backfillId)
  const latest = latestAttempts(attempts)
  const tasks: Task[] = []
  const fresh: Attempt[] = []
  for (const attempt of latest.values()) {
    const last = Math.max(record.max_attempts, attempt.attempt)
    if (attempt.state === 'running') tasks.push({...taskOf(attempt, last), run_id: attempt.run_id, rows_before: attempt.rows_before, started_at: attempt.started_at})
    else if (attempt.state === 'pending') tasks.push(taskOf(attempt, last))
    else if ((attempt.state === 'failed' && attempt.attempt < record.max_attempts) || attempt.state === 'cancelled') {
      fresh.push(blankAttempt(attempt.layer, attempt.partition_date, attempt.attempt + 1))
    }
  }
  const downstream = await downstreamOf(context, record)
  fresh.push(...dueDownstream(record, downstream?.layers ?? [], latest))
  return continueWith(context, record, downstream, attempts, tasks, fresh, (attempt) => Math.max(record.max_attempts, attempt.attempt), options)
}

/** Runs a backfill's failed partitions again (up to max_attempts more runs each); the others stand. */
export async function retryBackfill(context: BackfillContext, backfillId: string, options: DriveOptions): Promise<BackfillResult> {
  const {record, attempts} = await loadBackfill(context, backfillId)
  const failed = [...latestAttempts(attempts).values()].filter((attempt) => attempt.state === 'failed')
  const fresh = failed.map((attempt) => blankAttempt(attempt.layer, attempt.partition_date, attempt.attempt + 1))
  return continueWith(context, record, await downstreamOf(context, record), attempts, [], fresh, (attempt) => attempt.attempt + record.max_attempts - 1, options)
}

/**
 * Cancels the backfill's active runs and records every partition not finished as cancelled. With
 * nothing running or waiting there is nothing to cancel: the record stays as it is (unless it still
 * says running or interrupted, when it gets the final state its partitions give).
 */
export async function cancelBackfill(context: BackfillContext, backfillId: string): Promise<CancelResult> {
  const started = Date.now()
  const {record, attempts} = await loadBackfill(context, backfillId)
  const all = attempts.map((a) => ({...a}))
  const changed = await cancelAttempts(context.client, context.ledger, record, all)
  if (changed.length === 0) return {...(await settle(context, record, all, started)), cancelled_now: 0}
  const counts = countsOf(latestAttempts(all).values())
  const state: BackfillState = counts.cancelled > 0 ? 'cancelled' : stateAfter('finished', counts)
  await context.ledger.updateBackfill(record.backfill_id, {state, ...countFields(counts), ended_at: Date.now()})
  return {...resultOf({...record, state}, all, 'finished', started), cancelled_now: changed.filter((a) => a.state === 'cancelled').length}
}

/** The backfill as its record holds it (the latest one without an id), with the live state of its runs. */
export async function backfillStatus(context: BackfillContext, backfillId?: string): Promise<BackfillResult | undefined> {
  const id = backfillId ?? (await context.ledger.list(1))[0]?.backfill_id
  if (!id) return undefined
  const {record, attempts} = await loadBackfill(context, id)
  const result = resultOf(record, attempts, 'recorded', record.created_at)
  result.elapsed_seconds = ((record.ended_at ?? Date.now()) - record.created_at) / 1000
  await Promise.all(
    result.partitions
      .filter((p) => p.state === 'running' && p.run_id !== null)
      .map(async (p) => {
        const run = await getRun(context.client, p.run_id!).catch(() => undefined)
        if (run) p.run_state = isActive(run) ? run.state.life_cycle_state : `ended ${run.state.result_state ?? run.state.life_cycle_state}`
      }),
  )
  return result
}

export function listBackfills(context: BackfillContext, limit: number): Promise<BackfillRecord[]> {
  return context.ledger.list(limit)
}

// -----------------------------------------------------------------------------------------------

async function continueWith(
  context: BackfillContext,
  record: BackfillRecord,
  downstream: Downstream | undefined,
  attempts: Attempt[],
  tasks: Task[],
  fresh: Attempt[],
  lastAttempt: (attempt: Attempt) => number,
  options: DriveOptions,
): Promise<BackfillResult> {
  const started = Date.now()
  const job = await backfillJob(context)
  const concurrency = Math.max(1, Math.min(record.concurrency, job.settings.max_concurrent_runs ?? 1))
  if (fresh.length > 0) await context.ledger.addPending(record.backfill_id, fresh.map((a) => ({layer: a.layer, partition_date: a.partition_date, attempt: a.attempt})))
  // Downstream layers first, the furthest first (they follow dates already done), then the rest in the backfill's order.
  const direction = record.partition_order === 'newest' ? -1 : 1
  const rank = (layer: BackfillLayer) => (downstream?.layers ?? []).indexOf(layer)
  const all = [...tasks, ...fresh.map((attempt) => taskOf(attempt, lastAttempt(attempt)))].sort(
    (a, b) => rank(b.layer) - rank(a.layer) || direction * a.partition_date.localeCompare(b.partition_date),
  )
  if (all.length === 0) return {...(await settle(context, record, attempts, started)), ...downstreamFields(downstream)}
  await context.ledger.updateBackfill(record.backfill_id, {state: 'running', ...countFields(countsOf(latestAttempts([...attempts, ...fresh]).values())), ended_at: null})
  return drive(context, {...record, job_id: job.job_id}, [...attempts, ...fresh], all, job.job_id, concurrency, downstream, options, started)
}

async function drive(
  context: BackfillContext,
  record: BackfillRecord,
  attempts: Attempt[],
  tasks: Task[],
  jobId: number,
  concurrency: number,
  downstream: Downstream | undefined,
  options: DriveOptions,
  started: number,
): Promise<BackfillResult> {
  let outcome: Exclude<Outcome, 'recorded'>
  let all: Attempt[]
  try {
    ;({outcome, attempts: all} = await runPartitions(context.client, context.ledger, record, attempts, tasks, {
      jobId,
      concurrency,
      downstream: downstream?.layers ?? [],
      wait: options.wait,
      deadline: options.timeoutSeconds === undefined ? undefined : started + options.timeoutSeconds * 1000,
      onEvent: options.onEvent,
      retryDelay: options.retryDelay,
    }))
  } catch (error) {
    // The backfill cannot go on (its runs do): record that it stopped, then report why.
    await context.ledger
      .detached()
      .updateBackfill(record.backfill_id, {state: 'interrupted', ...countFields(countsOf(latestAttempts(attempts).values())), ended_at: null})
      .catch(() => undefined)
    throw error
  }
  // After Ctrl-C the client's signal is aborted: the record is read and written without it. A write
  // cut off by Ctrl-C may have landed or not: the record says which.
  const ledger = outcome === 'interrupted' ? context.ledger.detached() : context.ledger
  if (outcome === 'interrupted') all = (await ledger.load(record.backfill_id))?.attempts ?? all
  const counts = countsOf(latestAttempts(all).values())
  const state = stateAfter(outcome, counts)
  await ledger.updateBackfill(record.backfill_id, {state, ...countFields(counts), ended_at: outcome === 'finished' ? Date.now() : null})
  return {...resultOf({...record, state}, all, outcome, started), ...downstreamFields(downstream)}
}

/** The layers a recorded backfill follows with (looked up again: none when it was started without). */
function downstreamOf(context: BackfillContext, record: BackfillRecord): Promise<Downstream | undefined> | undefined {
  return record.downstream ? findDownstream(context.client, context.catalog, record.layer) : undefined
}

function downstreamFields(downstream: Downstream | undefined): Pick<BackfillPlan, 'downstream_layers' | 'downstream_source' | 'downstream_fallback'> {
  return {downstream_layers: downstream?.layers ?? [], downstream_source: downstream?.source ?? null, ...(downstream?.fallback ? {downstream_fallback: downstream.fallback} : {})}
}

/**
 * A backfill with nothing left to run: a record that still says running or interrupted (lakectl
 * stopped while writing its end) gets the final state its partitions give; any other stays as it is.
 */
async function settle(context: BackfillContext, record: BackfillRecord, attempts: Attempt[], started: number): Promise<BackfillResult> {
  if (record.state !== 'running' && record.state !== 'interrupted') return resultOf(record, attempts, 'finished', started)
  const counts = countsOf(latestAttempts(attempts).values())
  const state = stateAfter('finished', counts)
  await context.ledger.updateBackfill(record.backfill_id, {state, ...countFields(counts), ended_at: Date.now()})
  return resultOf({...record, state}, attempts, 'finished', started)
}

function resultOf(record: BackfillRecord, attempts: Attempt[], outcome: Outcome, started: number): BackfillResult {
  const partitions = results(attempts)
  const counts = countsOf(latestAttempts(attempts).values())
  return {
    backfill_id: record.backfill_id,
    layer: record.layer,
    mode: record.mode,
    from: record.from_date,
    to: record.to_date,
    state: record.state,
    outcome,
    job_id: record.job_id,
    concurrency: record.concurrency,
    counts,
    empty: outcome === 'finished' && counts.succeeded > 0 && partitions.every((p) => p.state !== 'succeeded' || (!p.rows_before && !p.rows_after)),
    elapsed_seconds: (Date.now() - started) / 1000,
    partitions,
  }
}

async function loadBackfill(context: BackfillContext, backfillId: string): Promise<{record: BackfillRecord; attempts: Attempt[]}> {
  const loaded = await context.ledger.load(checkBackfillId(backfillId))
  if (!loaded) throw new UsageError(`No backfill ${backfillId} in ${context.catalog}.ops.backfills.`, {code: 'UNKNOWN_BACKFILL', hint: 'lakectl backfill list'})
  return loaded
}

async function backfillJob(context: BackfillContext): Promise<Job> {
  const job = roleJob(await listProjectJobs(context.client, context.project), context.project, 'backfill')
  // The list omits nothing lakectl needs, but max_concurrent_runs is read from the job itself.
  return job.settings.max_concurrent_runs === undefined ? getJob(context.client, job.job_id) : job
}

/** Rows per date of the layer's table in the range (one statement). */
async function partitionRows(context: BackfillContext, layer: BackfillLayer, from: string, to: string): Promise<Map<string, number>> {
  const table = layer === 'silver' ? 'silver.customer_events_cleaned' : 'gold.customer_behavior_daily'
  const {rows} = await runStatement<{day: string; n: number}>(context.client, {
    statement: `SELECT CAST(event_date AS STRING) AS day, count(*) AS n FROM ${quoteName(`${context.catalog}.${table}`)} WHERE event_date BETWEEN :from AND :to GROUP BY event_date`,
    parameters: {from: {value: from, type: 'DATE'}, to: {value: to, type: 'DATE'}},
    warehouseId: context.ledger.options.warehouseId,
    waitSeconds: 0,
  })
  return new Map(rows.map((row) => [String(row.day), Number(row.n)]))
}

/** Downstream partitions of dates that changed and have no attempt yet (lakectl stopped in between). */
function dueDownstream(record: BackfillRecord, downstream: BackfillLayer[], latest: Map<string, Attempt>): Attempt[] {
  const due: Attempt[] = []
  for (const a of latest.values()) {
    const layer = nextLayer(record.layer, downstream, a.layer)
    if (!layer || a.state !== 'succeeded' || !(modeFor(record, a.layer) === 'replace' || a.rows_after !== a.rows_before)) continue
    if (!latest.has(partitionKey(layer, a.partition_date))) due.push(blankAttempt(layer, a.partition_date, 1))
  }
  return due
}

async function currentUser(client: DatabricksClient): Promise<string | null> {
  const me = await client.get<{userName?: string}>('/api/2.0/preview/scim/v2/Me').catch(() => undefined)
  return me?.userName ?? null
}

function blankAttempt(layer: BackfillLayer, day: string, attempt: number): Attempt {
  return {layer, partition_date: day, attempt, state: 'pending', run_id: null, rows_before: null, rows_after: null, started_at: null, ended_at: null, error: null}
}

function taskOf(attempt: Attempt, lastAttempt: number): Task {
  return {layer: attempt.layer, partition_date: attempt.partition_date, attempt: attempt.attempt, last_attempt: lastAttempt}
}

function countFields(counts: Counts): Pick<BackfillRecord, 'partitions' | 'succeeded' | 'failed' | 'skipped' | 'cancelled'> {
  return {partitions: counts.partitions, succeeded: counts.succeeded, failed: counts.failed, skipped: counts.skipped, cancelled: counts.cancelled}
}
