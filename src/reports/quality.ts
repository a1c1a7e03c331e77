/**
 * The data-quality report. Two kinds of judgement over the ops tables:
 *   - fixed limits (quality: in lakectl.yaml) on the ratios of the window: hard limits, as always;
 *   - anomaly baselines (baseline.ts) for every metric, hour by hour over the history: rows per hour of
 *     each table, quarantine ratio per reason, null rate per column, duplicate ratio, and freshness (time
 *     since the stream last committed a batch with data).
 * The history is read as hourly rollups (a few thousand rows however busy the streams are), in SQL that
 * Databricks SQL and the local warehouse both run.
 */
import type {LakectlConfig} from '../config/schema.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {runStatement} from '../databricks/sql.js'
import {anomalySince, HOUR_MS, judgeSeries, type HourPoint, type JudgedPoint, type MetricKind, type SeriesSpec} from './baseline.js'
import {type Finding, limitFinding} from './findings.js'

export const REASONS = ['MALFORMED_JSON', 'MISSING_FIELD', 'INVALID_EVENT_TYPE', 'INVALID_TIMESTAMP', 'INVALID_AMOUNT', 'INVALID_RATING', 'MISSING_REVIEW_TEXT'] as const
/** Silver columns whose NULL count ops.quality_metrics.null_counts holds. */
export const NULL_COLUMNS = ['session_id', 'customer_segment', 'country', 'product_category', 'sentiment_score'] as const
/** Reviews Silver could not score (no model served) are shown, not held against the null limit. */
const NOT_A_NULL_CHECK = new Set<string>(['sentiment_score'])

const BRONZE_TABLE = 'bronze.customer_events_raw'
const SILVER_TABLE = 'silver.customer_events_cleaned'
/** The table each table reads from (for the likely cause of a quiet table). */
const UPSTREAM: Record<string, string> = {
  [SILVER_TABLE]: BRONZE_TABLE,
  'gold.customer_behavior_daily': SILVER_TABLE,
  'gold.sentiment_summary': SILVER_TABLE,
  'gold.customer_features': SILVER_TABLE,
}
const STREAM_OF_TABLE: Record<string, string> = {[BRONZE_TABLE]: 'bronze', [SILVER_TABLE]: 'silver'}

/** One table's figures over one hour. */
export interface QualityHour {
  table: string
  hour: number
  rows_in: number
  rows_quarantined: number
  duplicates_dropped: number
  rows_written: number
  reasons: Record<string, number>
  nulls: Record<string, number>
}

/** One stream's progress over one hour. */
export interface StreamHour {
  stream: string
  hour: number
  rows_in: number
  /** Newest progress row with data that hour (epoch ms), null when it had none. */
  last_data_at: number | null
}

export interface QualityHistory {
  tables: QualityHour[]
  streams: StreamHour[]
}

export interface SeriesPoint {
  hour: string
  value: number | null
  median: number | null
  low: number | null
  high: number | null
  status: JudgedPoint['status']
}

/** A metric's judged hours within the report window (what the HTML charts draw). */
export interface MetricSeries {
  metric: string
  kind: MetricKind
  points: SeriesPoint[]
}

export interface QualityReport {
  catalog: string
  since: string
  checked_at: string
  batches: number
  rows_in: number
  rows_valid: number
  rows_quarantined: number
  duplicates_dropped: number
  rows_written: number
  reject_reasons: Record<string, number>
  null_counts: Record<string, number>
  findings: Finding[]
  series: MetricSeries[]
}

export interface QualityOptions {
  config: LakectlConfig
  catalog: string
  warehouseId: string
  sinceHours: number
  now?: number
}

export async function qualityReport(client: DatabricksClient, options: QualityOptions): Promise<QualityReport> {
  const now = options.now ?? Date.now()
  const since = now - options.sinceHours * HOUR_MS
  const from = floorHour(now) - options.config.monitoring.anomaly.history_days * 24 * HOUR_MS
  const [history, window] = await Promise.all([
    readHistory(client, options.catalog, options.warehouseId, from, now),
    readWindow(client, options.catalog, options.warehouseId, since, now),
  ])
  const q = options.config.quality
  const ratio = (part: number, whole: number) => (whole ? round(part / whole) : null)
  const limits: Finding[] = [
    limitFinding('quarantine ratio (window)', ratio(window.rows_quarantined, window.rows_in), {max: q.max_quarantine_ratio}),
    limitFinding('duplicate ratio (window)', ratio(window.duplicates_dropped, window.rows_in), {max: q.max_duplicate_ratio}),
    ...Object.entries(window.null_counts)
      .filter(([column]) => !NOT_A_NULL_CHECK.has(column))
      .map(([column, count]) => limitFinding(`null ratio of ${column} (window)`, ratio(count, window.rows_written), {max: q.max_null_ratio})),
  ]
  const anomalies = qualityFindings(history, {config: options.config, now, sinceHours: options.sinceHours})
  return {
    catalog: options.catalog,
    since: new Date(since).toISOString(),
    checked_at: new Date(now).toISOString(),
    ...window,
    findings: [...limits, ...anomalies.findings],
    series: anomalies.series,
  }
}

interface Metric {
  name: string
  spec: SeriesSpec
  points: HourPoint[]
  cause: (judged: JudgedPoint) => string | null
}

/**
 * The anomaly findings of a history, one per metric: the status of the last complete hour (freshness:
 * of now), with since when and the likely cause; and each metric's judged hours within the window.
 */
export function qualityFindings(history: QualityHistory, options: {config: LakectlConfig; now: number; sinceHours: number}): {findings: Finding[]; series: MetricSeries[]} {
  const {now} = options
  const current = floorHour(now)
  const lastComplete = current - HOUR_MS
  const a = options.config.monitoring.anomaly
  const baseline = {k: a.k, minHistoryDays: a.min_history_days, historyDays: a.history_days, weeklyAfterWeeks: a.weekly_after_weeks}
  const metrics = buildMetrics(history, lastComplete, now)
  const judgedByName = new Map<string, JudgedPoint[]>()
  for (const metric of metrics) judgedByName.set(metric.name, judgeSeries(metric.points, metric.spec, baseline))
  const windowStart = now - options.sinceHours * HOUR_MS
  const findings: Finding[] = []
  const series: MetricSeries[] = []
  for (const metric of metrics) {
    const judged = judgedByName.get(metric.name)!
    const last = judged.at(-1)
    if (!last) continue
    const anomalous = last.status === 'ANOMALY'
    const since = anomalous ? anomalySince(judged) : undefined
    findings.push({
      metric: metric.name,
      observed: last.value === null ? null : round(last.value),
      expected: last.median === null ? null : {low: round(last.low!), high: round(last.high!)},
      status: last.status,
      since: since === undefined ? null : new Date(since).toISOString(),
      cause: anomalous ? metric.cause(last) : null,
    })
    series.push({
      metric: metric.name,
      kind: metric.spec.kind,
      points: judged
        .filter((p) => p.hour + HOUR_MS > windowStart)
        .map((p) => ({hour: new Date(p.hour).toISOString(), value: nullableRound(p.value), median: nullableRound(p.median), low: nullableRound(p.low), high: nullableRound(p.high), status: p.status})),
    })
  }
  // Causes that need another metric's verdict: a quiet table whose upstream is quiet too, or whose stream stopped.
  for (const finding of findings) {
    const table = /^rows per hour of (.+)$/.exec(finding.metric)?.[1]
    if (!table || finding.status !== 'ANOMALY' || finding.observed === null || finding.expected?.low === null) continue
    if (finding.observed >= finding.expected!.low!) {
      finding.cause = 'more rows than usual (a burst or a replay)'
      continue
    }
    const upstream = UPSTREAM[table] && findings.find((f) => f.metric === `rows per hour of ${UPSTREAM[table]}`)
    const stream = STREAM_OF_TABLE[table] ?? (table.startsWith('gold.') ? 'gold' : undefined)
    const stale = stream && findings.find((f) => f.metric === `freshness of ${stream}` && f.status === 'ANOMALY')
    if (upstream && upstream.status === 'ANOMALY' && upstream.observed !== null && upstream.observed < (upstream.expected?.low ?? 0)) {
      finding.cause = `its upstream ${UPSTREAM[table]} is quiet too: the source sends less`
    } else if (stale) {
      finding.cause = `the ${stream} stream committed no batch with data for ${Math.round(stale.observed ?? 0)}s`
    } else {
      finding.cause = 'fewer rows than usual'
    }
  }
  return {findings, series}
}

function buildMetrics(history: QualityHistory, lastComplete: number, now: number): Metric[] {
  const metrics: Metric[] = []
  const byTable = groupBy(history.tables, (h) => h.table)
  const byStream = groupBy(history.streams, (h) => h.stream)
  const count: SeriesSpec = {kind: 'count', direction: 'both'}
  const ratioUp: SeriesSpec = {kind: 'ratio', direction: 'up'}
  const noCause = () => null

  const bronze = byStream.get('bronze')
  if (bronze) metrics.push({name: `rows per hour of ${BRONZE_TABLE}`, spec: count, points: hourly(bronze, lastComplete, (h) => h?.rows_in ?? 0), cause: noCause})
  for (const [table, hours] of [...byTable].sort(([a], [b]) => a.localeCompare(b))) {
    const silver = table === SILVER_TABLE
    metrics.push({name: `rows per hour of ${table}`, spec: count, points: hourly(hours, lastComplete, (h) => (h ? (silver ? h.rows_in : h.rows_written) : 0)), cause: noCause})
    if (!silver) continue
    const share = (part: (h: QualityHour) => number, whole: (h: QualityHour) => number) =>
      hourlyRatio(hours, lastComplete, part, whole)
    for (const reason of REASONS) {
      metrics.push({
        name: `quarantine ratio ${reason}`,
        spec: ratioUp,
        points: share((h) => h.reasons[reason] ?? 0, (h) => h.rows_in),
        cause: (p) => (p.median === 0 ? `a new quarantine reason: ${reason} (not in the baseline)` : `${reason} rejections up from ${pct(p.median)} to ${pct(p.value)}`),
      })
    }
    metrics.push({name: 'duplicate ratio', spec: ratioUp, points: share((h) => h.duplicates_dropped, (h) => h.rows_in), cause: noCause})
    for (const column of NULL_COLUMNS) {
      metrics.push({
        name: `null rate of ${column}`,
        spec: ratioUp,
        points: share((h) => h.nulls[column] ?? 0, (h) => h.rows_written),
        cause: (p) =>
          (p.value ?? 0) >= 0.95 ? `${column} gone null` : p.median !== null && p.median < 0.01 ? `${column} started arriving null` : `more rows with ${column} null (from ${pct(p.median)} to ${pct(p.value)})`,
      })
    }
  }
  for (const [stream, hours] of [...byStream].sort(([a], [b]) => a.localeCompare(b))) {
    const points = freshness(hours, lastComplete, now)
    if (points.length) {
      const lastData = Math.max(...hours.map((h) => h.last_data_at ?? 0))
      metrics.push({
        name: `freshness of ${stream}`,
        spec: {kind: 'seconds', direction: 'up'},
        points,
        cause: () => `no batch with data committed since ${new Date(lastData).toISOString()}`,
      })
    }
  }
  return metrics
}

/** Every hour from the first with data to lastComplete, valued by `value` (undefined where the hour had no rows). */
function hourly<T extends {hour: number}>(hours: readonly T[], lastComplete: number, value: (h: T | undefined) => number | null, weight?: (h: T | undefined) => number): HourPoint[] {
  if (!hours.length) return []
  const byHour = new Map(hours.map((h) => [h.hour, h]))
  const first = Math.min(...hours.map((h) => h.hour))
  const points: HourPoint[] = []
  for (let hour = first; hour <= lastComplete; hour += HOUR_MS) {
    const h = byHour.get(hour)
    points.push({hour, value: value(h), ...(weight ? {weight: weight(h)} : {})})
  }
  return points
}

function hourlyRatio(hours: readonly QualityHour[], lastComplete: number, part: (h: QualityHour) => number, whole: (h: QualityHour) => number): HourPoint[] {
  return hourly(
    hours,
    lastComplete,
    (h) => (h && whole(h) > 0 ? part(h) / whole(h) : null),
    (h) => (h ? whole(h) : 0),
  )
}

/**
 * Freshness at the end of each complete hour (seconds since the last batch with data up to then), and
 * now as the last point: what the report judges.
 */
function freshness(hours: readonly StreamHour[], lastComplete: number, now: number): HourPoint[] {
  const withData = hours.filter((h) => h.last_data_at !== null)
  if (!withData.length) return []
  const byHour = new Map(hours.map((h) => [h.hour, h]))
  const first = Math.min(...withData.map((h) => h.hour))
  const points: HourPoint[] = []
  let lastData: number | null = null
  for (let hour = first; hour <= lastComplete; hour += HOUR_MS) {
    const at = byHour.get(hour)?.last_data_at
    if (at !== null && at !== undefined) lastData = Math.max(lastData ?? 0, at)
    points.push({hour, value: lastData === null ? null : Math.max(0, (hour + HOUR_MS - lastData) / 1000)})
  }
  const current = byHour.get(lastComplete + HOUR_MS)?.last_data_at
  if (current) lastData = Math.max(lastData ?? 0, current)
  points.push({hour: lastComplete + HOUR_MS, value: lastData === null ? null : Math.max(0, (now - lastData) / 1000)})
  return points
}

// ---------------------------------------------------------------------------------------------
// Reading the ops tables

interface RollupRow {
  table_name: string
  hour: string
  rows_in: number | null
  rows_quarantined: number | null
  duplicates_dropped: number | null
  rows_written: number | null
  [column: string]: unknown
}

interface ProgressRollupRow {
  stream: string
  hour: string
  rows_in: number | null
  last_data_at: string | null
}

export const timestamp = (date: number) => ({value: new Date(date).toISOString().replace('T', ' ').replace('Z', ''), type: 'TIMESTAMP'})

export async function readHistory(client: DatabricksClient, catalog: string, warehouseId: string, from: number, until: number): Promise<QualityHistory> {
  const sums = REASONS.map((r) => `sum(${r.toLowerCase()}) AS ${r.toLowerCase()}`)
  const nulls = NULL_COLUMNS.map((c) => `sum(CAST(get_json_object(null_counts, '$.${c}') AS BIGINT)) AS null_${c}`)
  const [quality, progress] = await Promise.all([
    runStatement<RollupRow>(client, {
      statement: `SELECT table_name, date_trunc('HOUR', recorded_at) AS hour, sum(rows_in) AS rows_in, sum(rows_quarantined) AS rows_quarantined,
  sum(duplicates_dropped) AS duplicates_dropped, sum(rows_written) AS rows_written, ${[...sums, ...nulls].join(', ')}
FROM ${quoteName(`${catalog}.ops.quality_metrics`)}
WHERE recorded_at >= :from AND recorded_at < :until AND stream IN ('silver', 'gold')
GROUP BY table_name, date_trunc('HOUR', recorded_at)`,
      warehouseId,
      parameters: {from: timestamp(from), until: timestamp(until)},
    }),
    runStatement<ProgressRollupRow>(client, {
      statement: `SELECT stream, date_trunc('HOUR', recorded_at) AS hour, sum(num_input_rows) AS rows_in,
  max(CASE WHEN num_input_rows > 0 THEN recorded_at END) AS last_data_at
FROM ${quoteName(`${catalog}.ops.stream_progress`)}
WHERE recorded_at >= :from AND recorded_at < :until AND stream IN ('bronze', 'silver', 'gold')
GROUP BY stream, date_trunc('HOUR', recorded_at)`,
      warehouseId,
      parameters: {from: timestamp(from), until: timestamp(until)},
    }),
  ])
  return {
    tables: quality.rows.map((r) => ({
      table: r.table_name,
      hour: parseTime(r.hour),
      rows_in: Number(r.rows_in ?? 0),
      rows_quarantined: Number(r.rows_quarantined ?? 0),
      duplicates_dropped: Number(r.duplicates_dropped ?? 0),
      rows_written: Number(r.rows_written ?? 0),
      reasons: Object.fromEntries(REASONS.map((reason) => [reason, Number(r[reason.toLowerCase()] ?? 0)])),
      nulls: Object.fromEntries(NULL_COLUMNS.map((column) => [column, Number(r[`null_${column}`] ?? 0)])),
    })),
    streams: progress.rows.map((r) => ({stream: r.stream, hour: parseTime(r.hour), rows_in: Number(r.rows_in ?? 0), last_data_at: r.last_data_at ? parseTime(r.last_data_at) : null})),
  }
}

type WindowTotals = Pick<QualityReport, 'batches' | 'rows_in' | 'rows_valid' | 'rows_quarantined' | 'duplicates_dropped' | 'rows_written' | 'reject_reasons' | 'null_counts'>

/** What Silver received and did over the window (the fixed limits judge these). */
async function readWindow(client: DatabricksClient, catalog: string, warehouseId: string, since: number, until: number): Promise<WindowTotals> {
  const sums = REASONS.map((r) => `sum(${r.toLowerCase()}) AS ${r.toLowerCase()}`)
  const nulls = NULL_COLUMNS.map((c) => `sum(CAST(get_json_object(null_counts, '$.${c}') AS BIGINT)) AS null_${c}`)
  const {rows} = await runStatement<Record<string, number | null>>(client, {
    statement: `SELECT count(*) AS batches, sum(rows_in) AS rows_in, sum(rows_valid) AS rows_valid, sum(rows_quarantined) AS rows_quarantined,
  sum(duplicates_dropped) AS duplicates_dropped, sum(rows_written) AS rows_written, ${[...sums, ...nulls].join(', ')}
FROM ${quoteName(`${catalog}.ops.quality_metrics`)}
WHERE stream = 'silver' AND table_name = '${SILVER_TABLE}' AND recorded_at >= :since AND recorded_at < :until`,
    warehouseId,
    parameters: {since: timestamp(since), until: timestamp(until)},
  })
  const r = rows[0] ?? {}
  const n = (key: string) => Number(r[key] ?? 0)
  return {
    batches: n('batches'),
    rows_in: n('rows_in'),
    rows_valid: n('rows_valid'),
    rows_quarantined: n('rows_quarantined'),
    duplicates_dropped: n('duplicates_dropped'),
    rows_written: n('rows_written'),
    reject_reasons: Object.fromEntries(REASONS.map((reason) => [reason, n(reason.toLowerCase())])),
    null_counts: n('batches') ? Object.fromEntries(NULL_COLUMNS.map((column) => [column, n(`null_${column}`)])) : {},
  }
}

/** A timestamp from a statement result: ISO with an offset, or a UTC wall time without one. */
export function parseTime(text: string): number {
  const iso = text.includes('T') ? text : text.replace(' ', 'T')
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`)
}

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    let list = groups.get(k)
    if (!list) groups.set(k, (list = []))
    list.push(item)
  }
  return groups
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000
}

function nullableRound(value: number | null): number | null {
  return value === null ? null : round(value)
}

function pct(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`
}
