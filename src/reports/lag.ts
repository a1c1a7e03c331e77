/**
 * The lag report: per layer over a window, from ops.stream_progress: batches, rows, throughput, and the
 * distribution of seconds behind, against the lag SLO of lakectl.yaml (the current lag decides).
 */
import type {Layer, LakectlConfig} from '../config/schema.js'
import {LAYERS} from '../config/schema.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {runStatement} from '../databricks/sql.js'
import {currentLag} from '../streams/status.js'
import {threshold, type Threshold} from './quality.js'

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
}

export interface LagReport {
  catalog: string
  since: string
  layers: LayerLag[]
  checks: Threshold[]
}

interface Row {
  stream: string
  num_input_rows: number | null
  processed_rows_per_second: number | null
  ingest_lag_seconds: number | null
  offsets_behind_latest: number | null
  recorded_at: string
}

export async function lagReport(client: DatabricksClient, options: {config: LakectlConfig; catalog: string; warehouseId: string; sinceHours: number; now?: number}): Promise<LagReport> {
  const now = options.now ?? Date.now()
  const since = new Date(now - options.sinceHours * 3600_000)
  const {rows} = await runStatement<Row>(client, {
    statement: `SELECT stream, num_input_rows, processed_rows_per_second, ingest_lag_seconds, offsets_behind_latest, recorded_at
FROM ${quoteName(`${options.catalog}.ops.stream_progress`)} WHERE recorded_at >= :since ORDER BY recorded_at, batch_id`,
    warehouseId: options.warehouseId,
    parameters: {since: {value: since.toISOString().replace('T', ' ').replace('Z', ''), type: 'TIMESTAMP'}},
  })
  const layers = LAYERS.map((layer): LayerLag => {
    const mine = rows.filter((r) => r.stream === layer)
    const lags = mine.map((r) => r.ingest_lag_seconds).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b)
    const rates = mine.map((r) => r.processed_rows_per_second).filter((v): v is number => typeof v === 'number')
    const last = mine.at(-1)
    return {
      layer,
      batches: mine.length,
      rows: mine.reduce((t, r) => t + Number(r.num_input_rows ?? 0), 0),
      avg_rows_per_second: rates.length ? round(rates.reduce((a, b) => a + b, 0) / rates.length) : null,
      lag_p50_seconds: percentile(lags, 0.5),
      lag_p95_seconds: percentile(lags, 0.95),
      lag_max_seconds: lags.length ? round(lags[lags.length - 1]) : null,
      current_lag_seconds: last ? currentLag(last, now) : null,
      offsets_behind: last?.offsets_behind_latest ?? null,
      slo_seconds: options.config.slo.lag_seconds[layer],
    }
  })
  const checks = layers.filter((l) => l.current_lag_seconds !== null).map((l) => threshold(`${l.layer} seconds behind`, l.current_lag_seconds!, l.slo_seconds))
  return {catalog: options.catalog, since: since.toISOString(), layers, checks}
}

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))])
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
