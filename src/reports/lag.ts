/**
 * The lag report, per layer from ops.stream_progress: over the window, batches, rows, throughput and the
 * distribution of seconds behind (aggregated in SQL, however many batches ran); the Burrow-style status
 * of the last lag_window progress rows (burrow.ts); and seconds behind against the lag SLO.
 */
import type {Layer, LakectlConfig} from '../config/schema.js'
import {LAYERS} from '../config/names.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {runStatement} from '../databricks/sql.js'
import {HOUR_MS} from './baseline.js'
import {currentLag} from '../streams/status.js'
import {commitsOf, judgeLag, type LagStatus, type LagVerdict} from './burrow.js'
import type {Finding} from './findings.js'
import {parseTime, timestamp} from './quality.js'

export interface LayerLag {
  layer: Layer
  batches: number
  rows: number
  avg_rows_per_second: number | null
  lag_p50_seconds: number | null
  lag_p95_seconds: number | null
  lag_max_seconds: number | null
  current_lag_seconds: number | null
  offsets_behind: number | null
  slo_seconds: number
  lag_status: LagStatus
  lag_since: string | null
  lag_cause: string | null
}

export interface LagPoint {
  at: string
  lag_seconds: number | null
  offsets_behind: number | null
  rows: number
}

export interface LagReport {
  catalog: string
  since: string
  checked_at: string
  layers: LayerLag[]
  findings: Finding[]
  /** Per layer, the window in buckets (a minute, or an hour for windows over six hours): for the charts. */
  series: Record<string, LagPoint[]>
}

interface StatsRow {
  stream: string
  batches: number
  rows: number | null
  avg_rows_per_second: number | null
  lag_p50: number | null
  lag_p95: number | null
  lag_max: number | null
}

interface RecentRow {
  stream: string
  end_offset: string | null
  offsets_behind_latest: number | null
  ingest_lag_seconds: number | null
  recorded_at: string
}

interface BucketRow {
  stream: string
  bucket: string
  lag_seconds: number | null
  offsets_behind: number | null
  rows: number | null
}

export async function lagReport(client: DatabricksClient, options: {config: LakectlConfig; catalog: string; warehouseId: string; sinceHours: number; now?: number}): Promise<LagReport> {
  const now = options.now ?? Date.now()
  const since = now - options.sinceHours * HOUR_MS
  const table = quoteName(`${options.catalog}.ops.stream_progress`)
  const window = {from: timestamp(since), until: timestamp(now)}
  const unit = options.sinceHours > 6 ? 'HOUR' : 'MINUTE'
  const [stats, recent, buckets] = await Promise.all([
    runStatement<StatsRow>(client, {
      statement: `SELECT stream, count(*) AS batches, sum(num_input_rows) AS rows, avg(processed_rows_per_second) AS avg_rows_per_second,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY ingest_lag_seconds) AS lag_p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY ingest_lag_seconds) AS lag_p95, max(ingest_lag_seconds) AS lag_max
FROM ${table} WHERE recorded_at >= :from AND recorded_at < :until GROUP BY stream`,
      warehouseId: options.warehouseId,
      parameters: window,
    }),
    readRecentProgress(client, options.catalog, options.warehouseId, options.config.monitoring.lag_window, now),
    runStatement<BucketRow>(client, {
      statement: `SELECT stream, date_trunc('${unit}', recorded_at) AS bucket, max(ingest_lag_seconds) AS lag_seconds,
  max(offsets_behind_latest) AS offsets_behind, sum(num_input_rows) AS rows
FROM ${table} WHERE recorded_at >= :from AND recorded_at < :until GROUP BY stream, date_trunc('${unit}', recorded_at) ORDER BY stream, bucket`,
      warehouseId: options.warehouseId,
      parameters: window,
    }),
  ])
  const layers = LAYERS.map((layer): LayerLag => {
    const s = stats.rows.find((r) => r.stream === layer)
    const mine = recent.filter((r) => r.stream === layer)
    const last = mine.at(-1)
    const verdict = judgeLag(commitsOf(mine), now)
    return {
      layer,
      batches: Number(s?.batches ?? 0),
      rows: Number(s?.rows ?? 0),
      avg_rows_per_second: nullableRound(s?.avg_rows_per_second),
      lag_p50_seconds: nullableRound(s?.lag_p50),
      lag_p95_seconds: nullableRound(s?.lag_p95),
      lag_max_seconds: nullableRound(s?.lag_max),
      current_lag_seconds: last ? currentLag(last, now) : null,
      offsets_behind: last?.offsets_behind_latest ?? null,
      slo_seconds: options.config.slo.lag_seconds[layer],
      lag_status: verdict.status,
      lag_since: verdict.since,
      lag_cause: verdict.cause,
    }
  })
  const series = Object.fromEntries(
    LAYERS.map((layer) => [
      layer,
      buckets.rows
        .filter((b) => b.stream === layer)
        .map((b) => ({at: new Date(parseTime(b.bucket)).toISOString(), lag_seconds: nullableRound(b.lag_seconds), offsets_behind: b.offsets_behind ?? null, rows: Number(b.rows ?? 0)})),
    ]),
  )
  return {
    catalog: options.catalog,
    since: new Date(since).toISOString(),
    checked_at: new Date(now).toISOString(),
    layers,
    findings: layers.flatMap((l) => lagFindings(l.layer, {status: l.lag_status, since: l.lag_since, cause: l.lag_cause, window: 0}, l.offsets_behind, l.current_lag_seconds, l.slo_seconds, options.config.slo.warn_ratio)),
    series,
  }
}

/** The last `count` progress rows of each stream, oldest first. */
export async function readRecentProgress(client: DatabricksClient, catalog: string, warehouseId: string, count: number, until: number): Promise<RecentRow[]> {
  const {rows} = await runStatement<RecentRow & {n: number}>(client, {
    statement: `SELECT stream, end_offset, offsets_behind_latest, ingest_lag_seconds, recorded_at, n
FROM (SELECT *, row_number() OVER (PARTITION BY stream ORDER BY recorded_at DESC, batch_id DESC) AS n
  FROM ${quoteName(`${catalog}.ops.stream_progress`)} WHERE recorded_at < :until) AS latest
WHERE n <= :recent ORDER BY stream, n DESC`,
    warehouseId,
    parameters: {recent: {value: count, type: 'INT'}, until: timestamp(until)},
  })
  return rows
}

/** A layer's two findings: its Burrow status, and seconds behind against the SLO (WARN from warn_ratio of it). */
export function lagFindings(layer: string, verdict: LagVerdict, offsetsBehind: number | null, seconds: number | null, slo: number, warnRatio: number): Finding[] {
  const sloStatus = seconds === null ? 'UNKNOWN' : seconds > slo ? 'BREACH' : seconds > slo * warnRatio ? 'WARN' : 'OK'
  return [
    {metric: `lag status of ${layer}`, observed: offsetsBehind, expected: null, status: verdict.status, since: verdict.since, cause: verdict.cause},
    {metric: `seconds behind of ${layer}`, observed: seconds, expected: {low: null, high: slo}, status: sloStatus, since: null, cause: sloStatus === 'BREACH' ? `over the lag SLO of ${slo}s` : null},
  ]
}

function nullableRound(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value) * 10) / 10
}
