/**
 * The data-quality report: what Silver received and did over a window (ops.quality_metrics), against the
 * thresholds of lakectl.yaml (ratios of the rows received).
 */
import type {LakectlConfig} from '../config/schema.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {runStatement} from '../databricks/sql.js'

export type Verdict = 'OK' | 'BREACH'

export interface Threshold {
  check: string
  value: number
  limit: number
  status: Verdict
}

export interface QualityReport {
  catalog: string
  since: string
  batches: number
  rows_in: number
  rows_valid: number
  rows_quarantined: number
  duplicates_dropped: number
  rows_written: number
  reject_reasons: Record<string, number>
  null_counts: Record<string, number>
  checks: Threshold[]
}

const REASONS = ['malformed_json', 'missing_field', 'invalid_event_type', 'invalid_timestamp', 'invalid_amount', 'invalid_rating', 'missing_review_text'] as const
/** Reviews Silver could not score (no model served) are shown, not held against the null threshold. */
const NOT_A_NULL_CHECK = new Set(['sentiment_score'])

interface Row {
  batch_id: number
  rows_in: number
  rows_valid: number
  rows_quarantined: number
  duplicates_dropped: number
  rows_written: number
  null_counts: string | null
  [reason: string]: unknown
}

export async function qualityReport(client: DatabricksClient, options: {config: LakectlConfig; catalog: string; warehouseId: string; sinceHours: number; now?: number}): Promise<QualityReport> {
  const since = new Date((options.now ?? Date.now()) - options.sinceHours * 3600_000)
  const {rows} = await runStatement<Row>(client, {
    statement: `SELECT batch_id, rows_in, rows_valid, rows_quarantined, duplicates_dropped, rows_written, null_counts, ${REASONS.join(', ')}
FROM ${quoteName(`${options.catalog}.ops.quality_metrics`)}
WHERE stream = 'silver' AND table_name = 'silver.customer_events_cleaned' AND recorded_at >= :since`,
    warehouseId: options.warehouseId,
    parameters: {since: {value: since.toISOString().replace('T', ' ').replace('Z', ''), type: 'TIMESTAMP'}},
  })
  const sum = (key: string) => rows.reduce((total, r) => total + Number(r[key] ?? 0), 0)
  const nullCounts: Record<string, number> = {}
  for (const row of rows) {
    for (const [column, count] of Object.entries(JSON.parse(row.null_counts ?? '{}') as Record<string, number>)) nullCounts[column] = (nullCounts[column] ?? 0) + Number(count)
  }
  const report = {
    catalog: options.catalog,
    since: since.toISOString(),
    batches: rows.length,
    rows_in: sum('rows_in'),
    rows_valid: sum('rows_valid'),
    rows_quarantined: sum('rows_quarantined'),
    duplicates_dropped: sum('duplicates_dropped'),
    rows_written: sum('rows_written'),
    reject_reasons: Object.fromEntries(REASONS.map((r) => [r.toUpperCase(), sum(r)])),
    null_counts: nullCounts,
  }
  const q = options.config.quality
  const ratio = (part: number, whole: number) => (whole ? round(part / whole) : 0)
  const checks: Threshold[] = [
    threshold('quarantine ratio', ratio(report.rows_quarantined, report.rows_in), q.max_quarantine_ratio),
    threshold('duplicate ratio', ratio(report.duplicates_dropped, report.rows_in), q.max_duplicate_ratio),
    ...Object.entries(nullCounts)
      .filter(([column]) => !NOT_A_NULL_CHECK.has(column))
      .map(([column, count]) => threshold(`null ratio of ${column}`, ratio(count, report.rows_written), q.max_null_ratio)),
  ]
  return {...report, checks}
}

export function threshold(check: string, value: number, limit: number): Threshold {
  return {check, value, limit, status: value > limit ? 'BREACH' : 'OK'}
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000
}
