/**
 * The model report, per model version over a window:
 *   - serving latency (p50/p95/p99) and error rate from the endpoint's inference table (AI Gateway:
 *     `<prefix>_payload`, joined to system.serving.served_entities for the version); when the endpoint
 *     has no inference table configured the report says so instead of guessing;
 *   - score drift: the population stability index of the scores Silver wrote against the training
 *     distribution stored with the version (tag lakectl.score_bins);
 *   - accuracy against the labels reviews carry (rating >= 4 positive, <= 2 negative, 3 left out, as in
 *     training) of the score's class (>= 0.5 positive).
 * Limits in monitoring.model of lakectl.yaml; too few samples is UNKNOWN, never a breach.
 */
import type {LakectlConfig} from '../config/schema.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {runStatement} from '../databricks/sql.js'
import type {LiveCheck} from '../models/promotion.js'
import {getModel, listVersions, versionTags} from '../models/registry.js'
import {getEndpoint} from '../models/serving.js'
import {HOUR_MS} from './baseline.js'
import {type Finding, limitFinding} from './findings.js'
import {binOf, parseScoreBins, psi, SCORE_BINS_TAG} from './model-metrics.js'
import {parseTime, timestamp} from './quality.js'

export interface VersionMetrics {
  version: string
  aliases: string[]
  requests: number | null
  errors: number | null
  error_rate: number | null
  latency_p50_ms: number | null
  latency_p95_ms: number | null
  latency_p99_ms: number | null
  scored: number
  psi: number | null
  /** Training shares and live counts per score bin (null when the version has no stored bins). */
  bins: {edges: number[]; expected: number[]; actual: number[]} | null
  labelled: number
  accuracy: number | null
}

export interface ModelReport {
  model: string
  endpoint: string
  since: string
  checked_at: string
  /** The inference table read, or null with a note saying why none was. */
  inference_table: string | null
  inference_note: string | null
  versions: VersionMetrics[]
  findings: Finding[]
  /** Hourly latency p95 and requests per version (for the charts). */
  latency: Array<{version: string; hour: string; p95_ms: number | null; requests: number}>
}

export interface ModelReportOptions {
  config: LakectlConfig
  catalog: string
  warehouseId: string
  model: string
  endpoint: string
  sinceHours: number
  /** Only these versions (model promote checks its candidate). */
  versions?: string[]
  now?: number
}

interface ScoreRow {
  model_version: string | null
  bin: number
  label: number | null
  n: number
}

interface ServingRow {
  version: string | null
  requests: number
  errors: number
  p50: number | null
  p95: number | null
  p99: number | null
}

const FINE_BINS = 1000

export async function modelReport(client: DatabricksClient, options: ModelReportOptions): Promise<ModelReport> {
  const now = options.now ?? Date.now()
  const since = now - options.sinceHours * HOUR_MS
  const window = {from: timestamp(since), until: timestamp(now)}
  const [info, registered, endpoint, scores] = await Promise.all([
    getModel(client, options.model),
    listVersions(client, options.model),
    getEndpoint(client, options.endpoint),
    // Scores at a resolution of 1/1000, so any bins with edges on that grid are counted exactly.
    runStatement<ScoreRow>(client, {
      statement: `SELECT model_version, CAST(floor(sentiment_score * ${FINE_BINS}) AS INT) AS bin,
  CASE WHEN rating >= 4 THEN 1 WHEN rating <= 2 THEN 0 END AS label, count(*) AS n
FROM ${quoteName(`${options.catalog}.silver.customer_events_cleaned`)}
WHERE event_type = 'review' AND sentiment_score IS NOT NULL AND ingest_ts >= :from AND ingest_ts < :until
GROUP BY model_version, CAST(floor(sentiment_score * ${FINE_BINS}) AS INT), CASE WHEN rating >= 4 THEN 1 WHEN rating <= 2 THEN 0 END`,
      warehouseId: options.warehouseId,
      parameters: window,
    }),
  ])
  const table = inferenceTable(endpoint)
  const serving = table.name ? await readServing(client, table.name, options.warehouseId, window) : undefined
  if (table.name && !serving) table.note = `the inference table ${table.name} holds no requests yet`
  const aliases = info.aliases ?? []
  const seen = new Set<string>([...scores.rows.map((r) => r.model_version ?? ''), ...(serving?.totals.map((r) => r.version ?? '') ?? [])].filter(Boolean))
  const wanted = options.versions ?? [...seen].sort((a, b) => Number(b) - Number(a))
  const known = new Set(registered.map((v) => String(v.version)))
  const m = options.config.monitoring.model
  const versions: VersionMetrics[] = []
  const findings: Finding[] = []
  for (const version of wanted) {
    const bins = known.has(version) ? parseScoreBins((await versionTags(client, options.model, Number(version))).find((t) => t.key === SCORE_BINS_TAG)?.value) : undefined
    const mine = scores.rows.filter((r) => r.model_version === version)
    const scored = mine.reduce((total, r) => total + Number(r.n), 0)
    const actual = bins ? new Array<number>(bins.expected.length).fill(0) : null
    let labelled = 0
    let correct = 0
    for (const row of mine) {
      const n = Number(row.n)
      if (actual && bins) actual[binOf((Math.min(row.bin, FINE_BINS - 1) + 0.5) / FINE_BINS, bins.edges)] += n
      if (row.label !== null) {
        labelled += n
        if ((row.bin >= FINE_BINS / 2 ? 1 : 0) === Number(row.label)) correct += n
      }
    }
    const s = serving?.totals.find((r) => r.version === version)
    const metrics: VersionMetrics = {
      version,
      aliases: aliases.filter((a) => String(a.version_num) === version).map((a) => a.alias_name).sort(),
      requests: s ? Number(s.requests) : table.name ? 0 : null,
      errors: s ? Number(s.errors) : table.name ? 0 : null,
      error_rate: s && Number(s.requests) ? round(Number(s.errors) / Number(s.requests)) : null,
      latency_p50_ms: nullable(s?.p50),
      latency_p95_ms: nullable(s?.p95),
      latency_p99_ms: nullable(s?.p99),
      scored,
      psi: bins && scored >= m.min_samples ? psi(bins.expected, actual!) : null,
      bins: bins && actual ? {edges: bins.edges, expected: bins.expected, actual} : null,
      labelled,
      accuracy: labelled ? round(correct / labelled) : null,
    }
    versions.push(metrics)
    findings.push(...versionFindings(metrics, options.config, Boolean(bins), table.note))
  }
  return {
    model: options.model,
    endpoint: options.endpoint,
    since: new Date(since).toISOString(),
    checked_at: new Date(now).toISOString(),
    inference_table: table.name,
    inference_note: table.note,
    versions,
    findings,
    latency: (serving?.hourly ?? []).map((h) => ({version: h.version ?? '?', hour: new Date(parseTime(h.hour)).toISOString(), p95_ms: nullable(h.p95), requests: Number(h.requests)})),
  }
}

function versionFindings(v: VersionMetrics, config: LakectlConfig, hasBins: boolean, servingNote: string | null): Finding[] {
  const m = config.monitoring.model
  const few = (n: number | null, what: string) => (n !== null && n < m.min_samples ? `only ${n} ${what} (at least ${m.min_samples} are needed to judge)` : null)
  const judged = (metric: string, observed: number | null, limit: {min?: number; max?: number}, samples: number | null, what: string, missing: string | null): Finding => {
    const tooFew = few(samples, what)
    if (tooFew || observed === null) return {metric, observed, expected: {low: limit.min ?? null, high: limit.max ?? null}, status: 'UNKNOWN', since: null, cause: tooFew ?? missing}
    return limitFinding(metric, observed, limit)
  }
  const at = `of version ${v.version}`
  return [
    judged(`latency p95 ${at} (ms)`, v.latency_p95_ms, {max: m.max_latency_p95_ms}, v.requests, 'requests', servingNote),
    judged(`error rate ${at}`, v.error_rate, {max: m.max_error_rate}, v.requests, 'requests', servingNote),
    judged(`score PSI ${at}`, v.psi, {max: m.max_psi}, v.scored, 'scored reviews', hasBins ? null : `version ${v.version} has no training score bins (tag ${SCORE_BINS_TAG}): trained before they were stored`),
    judged(`accuracy ${at}`, v.accuracy, {min: m.min_accuracy}, v.labelled, 'labelled reviews', null),
  ]
}

/** model promote's check of a re-promotion candidate: its live metrics over the window, judged by the limits. */
export async function liveMetricsCheck(client: DatabricksClient, options: Omit<ModelReportOptions, 'versions'>, version: number): Promise<LiveCheck> {
  const report = await modelReport(client, {...options, versions: [String(version)]})
  return {
    judged: report.findings.some((f) => f.status === 'OK' || f.status === 'BREACH'),
    breaches: report.findings.filter((f) => f.status === 'BREACH').map((f) => ({metric: f.metric, observed: f.observed, limit: f.expected?.high ?? f.expected?.low ?? null})),
  }
}

/** Where lakectl has an endpoint log its requests: `<catalog>.ml.<endpoint>_payload` (AI Gateway inference table). */
export function inferenceTableFor(config: LakectlConfig, catalog: string): {catalog_name: string; schema_name: string; table_name_prefix: string} | undefined {
  if (!config.monitoring.model.inference_table) return undefined
  return {catalog_name: catalog, schema_name: 'ml', table_name_prefix: config.model.serving_endpoint.toLowerCase().replace(/[^a-z0-9_]/g, '_')}
}

/** The endpoint's AI Gateway inference table, or why there is none. */
function inferenceTable(endpoint: Awaited<ReturnType<typeof getEndpoint>>): {name: string | null; note: string | null} {
  if (!endpoint) return {name: null, note: 'the serving endpoint does not exist (yet): no latency or error rate'}
  const config = endpoint.ai_gateway?.inference_table_config
  if (!config?.enabled || !config.catalog_name || !config.schema_name || !config.table_name_prefix) {
    return {name: null, note: `endpoint ${endpoint.name} has no inference table configured (ai_gateway.inference_table_config): no latency or error rate`}
  }
  return {name: `${config.catalog_name}.${config.schema_name}.${config.table_name_prefix}_payload`, note: null}
}

async function readServing(client: DatabricksClient, table: string, warehouseId: string, window: Record<'from' | 'until', {value: string; type: string}>) {
  const source = `${quoteName(table)} AS p LEFT JOIN system.serving.served_entities AS e ON e.served_entity_id = p.served_entity_id`
  const latency = (q: number) => `percentile_cont(${q}) WITHIN GROUP (ORDER BY p.execution_duration_ms)`
  if (!(await tablesExist(client, [table, 'system.serving.served_entities']))) return undefined
  const [totals, hourly] = await Promise.all([
    runStatement<ServingRow>(client, {
      statement: `SELECT e.entity_version AS version, count(*) AS requests, sum(CASE WHEN p.status_code >= 400 THEN 1 ELSE 0 END) AS errors,
  ${latency(0.5)} AS p50, ${latency(0.95)} AS p95, ${latency(0.99)} AS p99
FROM ${source} WHERE p.request_time >= :from AND p.request_time < :until GROUP BY e.entity_version`,
      warehouseId,
      parameters: window,
    }),
    runStatement<{version: string | null; hour: string; requests: number; p95: number | null}>(client, {
      statement: `SELECT e.entity_version AS version, date_trunc('HOUR', p.request_time) AS hour, count(*) AS requests, ${latency(0.95)} AS p95
FROM ${source} WHERE p.request_time >= :from AND p.request_time < :until GROUP BY e.entity_version, date_trunc('HOUR', p.request_time) ORDER BY hour`,
      warehouseId,
      parameters: window,
    }),
  ])
  return {totals: totals.rows, hourly: hourly.rows}
}

/** Endpoints log their first request a while after serving starts: until then the tables are missing. */
async function tablesExist(client: DatabricksClient, tables: string[]): Promise<boolean> {
  const answers = await Promise.all(tables.map((t) => client.get<{table_exists?: boolean}>(`/api/2.1/unity-catalog/tables/${encodeURIComponent(t)}/exists`).catch(() => ({table_exists: false}))))
  return answers.every((a) => a.table_exists)
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000
}

function nullable(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value) * 10) / 10
}
