/**
 * Per-layer status: job and run state from the Jobs API, throughput and lag from ops.stream_progress,
 * health against the lag SLO of the config.
 */
import type {Layer, LakectlConfig} from '../config/schema.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {activeRuns, type Job, latestRuns, listProjectJobs, type Run, TAG_ROLE} from '../databricks/jobs.js'
import {ApiError} from '../databricks/errors.js'
import {runStatement, SqlError} from '../databricks/sql.js'
import {isFailing} from '../reports/findings.js'
import {commitsOf, judgeLag, type LagStatus} from '../reports/burrow.js'

export type LayerState = 'RUNNING' | 'STARTING' | 'STOPPING' | 'STOPPED' | 'FAILED' | 'NOT_DEPLOYED'
export type Health = 'OK' | 'WARN' | 'BREACH' | 'STOPPED'

export interface LayerStatus {
  layer: Layer
  job_id: number | null
  state: LayerState
  run_id: number | null
  uptime_seconds: number | null
  last_batch_at: string | null
  last_batch_id: number | null
  /**
   * A running layer's rates over its recent batches of this run (null when it does not run): rows that
   * arrived per second of wall time they span, and rows per second of processing time.
   */
  input_rows_per_second: number | null
  processed_rows_per_second: number | null
  /** How many batches the rates are over, and how old they are (seconds since the last one ended). */
  rate_batches: number
  rate_age_seconds: number | null
  /** Bronze: Kafka records not yet read; Silver/Gold: upstream rows not yet processed. */
  offsets_behind: number | null
  seconds_behind: number | null
  slo_seconds: number
  health: Health
  /** Burrow-style status of the last lag_window progress rows (reports/burrow.ts). */
  lag_status: LagStatus
  lag_since: string | null
  lag_cause: string | null
  failure: string | null
  /** Processed rows/s of the latest batches, oldest first (for a sparkline). */
  recent_rows_per_second: number[]
}

export interface StreamStatus {
  target: string
  catalog: string
  checked_at: string
  layers: LayerStatus[]
}

interface ProgressRow {
  stream: string
  batch_id: number
  trigger_ts: string
  num_input_rows: number | null
  batch_duration_ms: number | null
  input_rows_per_second: number | null
  processed_rows_per_second: number | null
  offsets_behind_latest: number | null
  ingest_lag_seconds: number | null
  end_offset: string | null
  recorded_at: string
  n: number
}

/** Rows read per layer: enough for the sparkline and for the lag window. */
const RECENT_BATCHES = 20

export async function streamStatus(
  client: DatabricksClient,
  /** A promise is awaited beside the job lookups: resolving the warehouse costs a round trip of its own. */
  options: {config: LakectlConfig; target: string; catalog: string; warehouseId: string | Promise<string>; layers: readonly Layer[]; now?: number},
): Promise<StreamStatus> {
  const now = options.now ?? Date.now()
  // Two round trips on the critical path, not four: the progress query does not wait on the jobs.
  const [progress, layers] = await Promise.all([
    Promise.resolve(options.warehouseId).then((id) => readProgress(client, options.catalog, id, Math.max(RECENT_BATCHES, options.config.monitoring.lag_window))),
    listProjectJobs(client, options.config.project).then((jobs) =>
      Promise.all(options.layers.map((layer) => jobState(client, layer, jobs.filter((j) => j.settings.tags?.[TAG_ROLE] === layer)[0], now))),
    ),
  ])
  return {
    target: options.target,
    catalog: options.catalog,
    checked_at: new Date(now).toISOString(),
    layers: layers.map((l) => withMetrics(l, progress.filter((p) => p.stream === l.layer), options.config, now)),
  }
}

type JobPart = Pick<LayerStatus, 'layer' | 'job_id' | 'state' | 'run_id' | 'uptime_seconds' | 'failure'> & {
  /** Start of the active run: batches before it belong to an earlier run. */
  run_started_at?: number
}

async function jobState(client: DatabricksClient, layer: Layer, job: Job | undefined, now: number): Promise<JobPart> {
  if (!job) return {layer, job_id: null, state: 'NOT_DEPLOYED', run_id: null, uptime_seconds: null, failure: null}
  // Both lists at once: the latest run is only needed without an active one, but asking after would
  // cost a round trip more.
  const [[active], [latest]] = await Promise.all([activeRuns(client, job.job_id), latestRuns(client, job.job_id)])
  const unpaused = job.settings.continuous?.pause_status === 'UNPAUSED'
  if (active) {
    const life = active.state.life_cycle_state
    const state: LayerState = life === 'RUNNING' ? 'RUNNING' : life === 'TERMINATING' ? 'STOPPING' : 'STARTING'
    return {layer, job_id: job.job_id, state, run_id: active.run_id, uptime_seconds: uptime(active, now), failure: null, run_started_at: active.start_time}
  }
  const failed = latest && isFailure(latest)
  const failure = failed ? latest.state.state_message || latest.status?.termination_details?.message || latest.state.result_state || null : null
  const state: LayerState = failed ? 'FAILED' : unpaused ? 'STARTING' : 'STOPPED'
  return {layer, job_id: job.job_id, state, run_id: latest?.run_id ?? null, uptime_seconds: null, failure}
}

function isFailure(run: Run): boolean {
  return ['FAILED', 'TIMEDOUT'].includes(run.state.result_state ?? '') || run.state.life_cycle_state === 'INTERNAL_ERROR'
}

function uptime(run: Run, now: number): number | null {
  return run.start_time ? Math.max(0, Math.round((now - run.start_time) / 1000)) : null
}

async function readProgress(client: DatabricksClient, catalog: string, warehouseId: string, recent: number): Promise<ProgressRow[]> {
  const table = quoteName(`${catalog}.ops.stream_progress`)
  try {
    const result = await runStatement<ProgressRow>(client, {
      statement: `SELECT stream, batch_id, trigger_ts, num_input_rows, batch_duration_ms, input_rows_per_second, processed_rows_per_second, offsets_behind_latest, ingest_lag_seconds, end_offset, recorded_at, n
FROM (SELECT *, row_number() OVER (PARTITION BY stream ORDER BY recorded_at DESC, batch_id DESC) AS n FROM ${table}) AS latest
WHERE n <= :recent ORDER BY stream, n`,
      warehouseId,
      parameters: {recent: {value: recent, type: 'INT'}},
    })
    return result.rows
  } catch (error) {
    // Before bootstrap there is no progress table: status still shows the jobs.
    if (error instanceof SqlError || (error instanceof ApiError && error.notFound)) return []
    throw error
  }
}

function withMetrics(part: JobPart, rows: ProgressRow[], config: LakectlConfig, now: number): LayerStatus {
  const slo = config.slo.lag_seconds[part.layer]
  const last = rows[0]
  const behind = last ? currentLag(last, now) : null
  const running = part.state === 'RUNNING'
  const health = running ? healthOf(behind, slo, config.slo.warn_ratio) : 'STOPPED'
  const {run_started_at: runStartedAt, ...job} = part
  // Clocks of the job and the metrics table may differ a little: a second of slack.
  const window = running ? rows.filter((r) => runStartedAt === undefined || Date.parse(r.recorded_at) >= runStartedAt - 1000) : []
  const rates = rowRates(window)
  const stopped = part.state === 'STOPPED' || part.state === 'STOPPING' || part.state === 'FAILED'
  const lagRows = rows.slice(0, config.monitoring.lag_window).reverse()
  const lag = part.state === 'NOT_DEPLOYED' ? {status: 'UNKNOWN' as const, since: null, cause: 'not deployed'} : judgeLag(commitsOf(lagRows), now, {jobStopped: stopped})
  return {
    ...job,
    last_batch_at: last ? new Date(Date.parse(last.recorded_at)).toISOString() : null,
    last_batch_id: last?.batch_id ?? null,
    input_rows_per_second: rates?.input ?? null,
    processed_rows_per_second: rates?.processed ?? null,
    rate_batches: rates ? window.length : 0,
    rate_age_seconds: rates ? round(Math.max(0, (now - Date.parse(window[0].recorded_at)) / 1000)) : null,
    offsets_behind: last?.offsets_behind_latest ?? null,
    seconds_behind: behind,
    slo_seconds: slo,
    health,
    lag_status: lag.status,
    lag_since: lag.since,
    lag_cause: lag.cause,
    recent_rows_per_second: rows.map((r) => round(r.processed_rows_per_second ?? 0)).reverse(),
  }
}

/**
 * Seconds behind now, from a layer's latest batch: its ingest lag, plus, while records wait upstream,
 * the time since that batch (the layer falls further behind until its next batch lands). `stream
 * status` and `report lag` both say this.
 */
export function currentLag(last: Pick<ProgressRow, 'ingest_lag_seconds' | 'offsets_behind_latest' | 'recorded_at'>, now: number): number {
  const backlog = (last.offsets_behind_latest ?? 0) > 0
  const sinceLast = Math.max(0, (now - Date.parse(last.recorded_at)) / 1000)
  return round((last.ingest_lag_seconds ?? 0) + (backlog ? sinceLast : 0))
}

/** OK up to warn_ratio of the SLO, WARN up to the SLO, BREACH above it. */
export function healthOf(secondsBehind: number | null, slo: number, warnRatio: number): Health {
  if (secondsBehind === null || secondsBehind <= slo * warnRatio) return 'OK'
  return secondsBehind <= slo ? 'WARN' : 'BREACH'
}

/**
 * Rates over batches (newest first): rows over the wall time from the oldest batch's start to the newest
 * one's end, and rows over the time spent processing them.
 */
export function rowRates(batches: ReadonlyArray<Pick<ProgressRow, 'trigger_ts' | 'recorded_at' | 'num_input_rows' | 'batch_duration_ms'>>): {input: number; processed: number} | undefined {
  if (batches.length === 0) return undefined
  const rows = batches.reduce((sum, b) => sum + Number(b.num_input_rows ?? 0), 0)
  const spanSeconds = (Date.parse(batches[0].recorded_at) - Date.parse(batches.at(-1)!.trigger_ts)) / 1000
  const busySeconds = batches.reduce((sum, b) => sum + Number(b.batch_duration_ms ?? 0), 0) / 1000
  return {input: spanSeconds > 0 ? round(rows / spanSeconds) : 0, processed: busySeconds > 0 ? round(rows / busySeconds) : 0}
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

/** --check: every layer running and within its SLO. */
export function statusProblems(status: StreamStatus): string[] {
  return status.layers.flatMap((l) => {
    if (l.state !== 'RUNNING') return [`${l.layer} is ${l.state}${l.failure ? `: ${l.failure}` : ''}`]
    if (l.health === 'BREACH') return [`${l.layer} is ${l.seconds_behind}s behind (SLO ${l.slo_seconds}s)`]
    if (isFailing({status: l.lag_status})) return [`${l.layer} lag is ${l.lag_status}${l.lag_cause ? `: ${l.lag_cause}` : ''}`]
    return []
  })
}
