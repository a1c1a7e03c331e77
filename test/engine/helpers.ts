/**
 * A bootstrapped local workspace in-process for the streaming tests: lakectl's own bootstrap (the same
 * code path as `lakectl bootstrap --yes`) creates the catalog, tables, reference data and jobs; the
 * expectations come from src/pipeline/expected.ts, which is independent of the SQL.
 */
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {resolveSettings} from '../../src/config/targets.js'
import {DatabricksClient} from '../../src/databricks/client.js'
import {applyBootstrap, planBootstrap} from '../../src/lakehouse/bootstrap.js'
import {ExpectedLakehouse, loadReferenceData, type BronzeRecord, type ReferenceData} from '../../src/pipeline/index.js'
import type {LocalLimits} from '../../src/local/limits.js'
import {TestServer} from '../local/harness.js'

export const CATALOG = 'lakehouse'
export const TOPIC = 'customer-events'
export const LAYERS = ['bronze', 'silver', 'gold'] as const

/** Fast life cycles, small batches (so a few thousand events make several), whole tables per result chunk. */
export const ENGINE_LIMITS: Partial<LocalLimits> = {
  runSetupMs: 20,
  continuousRestartBaseMs: 100,
  continuousRestartMaxMs: 1000,
  streamMaxBatchRows: 1500,
  streamHeartbeatMs: 1000,
  resultChunkRows: 1_000_000,
  resultChunkBytes: 256 * 1024 * 1024,
}

export function clientFor(server: TestServer): DatabricksClient {
  return new DatabricksClient({
    host: server.url,
    auth: {headers: async () => ({authorization: `Bearer ${server.token}`}), secrets: () => [server.token]},
    userAgent: 'lakectl-test',
  })
}

/** Runs lakectl's bootstrap against the server (default config: catalog lakehouse, project lakectl). */
export async function bootstrap(server: TestServer): Promise<void> {
  const projectDir = mkdtempSync(path.join(tmpdir(), 'lakectl-engine-project-'))
  const settings = await resolveSettings({}, {}, projectDir)
  const client = clientFor(server)
  try {
    const applied = await applyBootstrap(client, await planBootstrap(client, settings))
    const failed = applied.filter((a) => a.outcome === 'failed')
    if (failed.length > 0) throw new Error(`bootstrap failed: ${JSON.stringify(failed.map((a) => [a.full_name, a.error]))}`)
  } finally {
    client.close()
  }
}

/** The project's jobs by layer tag. */
export async function layerJobs(server: TestServer): Promise<Record<string, {job_id: number; settings: any}>> {
  const {jobs} = await server.ok('GET', '/api/2.2/jobs/list?limit=100&expand_tasks=true')
  return Object.fromEntries(jobs.map((job: any) => [job.settings.tags.lakectl_layer, job]))
}

/** Shorter triggers than the config's minimum of 1 s keep the tests quick. */
export async function setTrigger(server: TestServer, jobId: number, seconds: number): Promise<void> {
  const {settings} = await server.ok('GET', `/api/2.2/jobs/get?job_id=${jobId}`)
  const task = settings.tasks[0]
  const args: string[] = [...task.spark_python_task.parameters]
  args[args.indexOf('--trigger-seconds') + 1] = String(seconds)
  await server.ok('POST', '/api/2.2/jobs/update', {job_id: jobId, new_settings: {tasks: [{...task, spark_python_task: {...task.spark_python_task, parameters: args}}]}})
}

export async function setPause(server: TestServer, jobId: number, pause: 'PAUSED' | 'UNPAUSED'): Promise<void> {
  await server.ok('POST', '/api/2.2/jobs/update', {job_id: jobId, new_settings: {continuous: {pause_status: pause}}})
}

export async function produce(server: TestServer, values: string[], batch = 5000): Promise<void> {
  for (let i = 0; i < values.length; i += batch) {
    await server.ok('POST', `/api/2.0/lakectl/topics/${TOPIC}/records`, {records: values.slice(i, i + batch).map((value) => ({value}))})
  }
}

/**
 * Polls until check() returns a value (not undefined), or fails after timeoutMs. The pause between
 * checks doubles from 20 ms up to maxDelayMs (raise it where a check is costly and the wait is long).
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, maxDelayMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let delay = 20
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, delay))
    delay = Math.min(maxDelayMs, delay * 2)
  }
}

/**
 * Every layer has processed all `produced` records: Silver's batches read them all, and Gold's batches
 * read every row Silver wrote.
 */
export async function caughtUp(rows: RowReader, produced: number): Promise<boolean> {
  const [[silverIn, goldIn, silverRows]] = await rows(`
    SELECT (SELECT coalesce(sum(rows_in), 0) FROM ${CATALOG}.ops.quality_metrics WHERE stream = 'silver'),
           (SELECT coalesce(sum(rows_in), 0) FROM ${CATALOG}.ops.quality_metrics WHERE stream = 'gold' AND table_name = 'gold.customer_behavior_daily'),
           (SELECT count(*) FROM ${CATALOG}.silver.customer_events_cleaned)`)
  return Number(silverIn) === produced && Number(goldIn) === Number(silverRows)
}

/** The lakehouse the independent model expects from these record values (one batch: final state). */
export function expectedFor(values: string[], reference: ReferenceData = loadReferenceData()): ExpectedLakehouse {
  const expected = new ExpectedLakehouse(reference, null)
  const ingestTs = new Date('2026-11-26T12:00:00Z')
  const records: BronzeRecord[] = values.map((value, offset) => ({topic: TOPIC, partition: 0, offset, value, ingestTs}))
  const {inserted} = expected.runSilver(records, 0)
  expected.runGold(inserted)
  return expected
}

/** A table's content and the model's, as sorted rows of normalised values (numbers compare as numbers). */
export interface Comparison {
  actual: unknown[][]
  expected: unknown[][]
}

/** Runs SQL and returns every row (all result chunks). */
export type RowReader = (sql: string) => Promise<unknown[][]>

/** A RowReader over any authenticated request function (in-process server or the e2e harness). */
export function rowReader(call: (method: string, pathname: string, body?: unknown) => Promise<any>): RowReader {
  return async (statement) => {
    let response = await call('POST', '/api/2.0/sql/statements', {statement, warehouse_id: 'local00000000001', wait_timeout: '30s'})
    while (['PENDING', 'RUNNING'].includes(response.status.state)) response = await call('GET', `/api/2.0/sql/statements/${response.statement_id}`)
    if (response.status.state !== 'SUCCEEDED') throw new Error(`${statement}: ${JSON.stringify(response.status)}`)
    const rows: unknown[][] = [...(response.result?.data_array ?? [])]
    let link: string | undefined = response.result?.next_chunk_internal_link
    while (link) {
      const chunk = await call('GET', link)
      rows.push(...(chunk.data_array ?? []))
      link = chunk.next_chunk_internal_link
    }
    return rows
  }
}

export async function compareTables(rows: RowReader, expected: ExpectedLakehouse): Promise<Record<string, Comparison>> {
  const tables: Record<string, [string, unknown[][]]> = {
    silver: [
      `SELECT event_id, customer_id, event_type, product_id, epoch_us(event_ts), CAST(event_date AS VARCHAR), session_id, amount, rating,
         review_text, customer_segment, country, product_category, sentiment_score, sentiment_label, model_version
       FROM ${CATALOG}.silver.customer_events_cleaned`,
      [...expected.silver.values()].map((r) => [
        r.event_id, r.customer_id, r.event_type, r.product_id, r.event_ts, r.event_date, r.session_id, r.amount, r.rating, r.review_text,
        r.customer_segment, r.country, r.product_category, r.sentiment_score, r.sentiment_label, r.model_version,
      ]),
    ],
    quarantine: [`SELECT reasons, value FROM ${CATALOG}.silver.customer_events_quarantine`, [...expected.quarantine.values()].map((q) => [q.reasons, q.value])],
    daily: [
      `SELECT customer_id, CAST(event_date AS VARCHAR), events, views, clicks, add_to_carts, purchases, reviews, sessions, revenue, avg_sentiment, avg_rating
       FROM ${CATALOG}.gold.customer_behavior_daily`,
      [...expected.daily.values()].map((r) => [
        r.customer_id, r.event_date, r.events, r.views, r.clicks, r.add_to_carts, r.purchases, r.reviews, r.sessions, r.revenue, r.avg_sentiment, r.avg_rating,
      ]),
    ],
    summary: [
      `SELECT epoch_us(event_hour), product_category, reviews, scored_reviews, positive_reviews, neutral_reviews, negative_reviews, avg_rating
       FROM ${CATALOG}.gold.sentiment_summary`,
      [...expected.summary.values()].map((r) => [
        r.event_hour, r.product_category, r.reviews, r.scored_reviews, r.positive_reviews, r.neutral_reviews, r.negative_reviews, r.avg_rating,
      ]),
    ],
    // Each customer's newest feature row: rows of earlier as-of dates stay from earlier batches by design.
    features: [
      `SELECT customer_id, CAST(as_of_date AS VARCHAR), recency_days, frequency_30d, monetary_30d, events_30d, sessions_30d, active_days_30d,
         reviews_30d, tenure_days, lifetime_events, lifetime_revenue
       FROM ${CATALOG}.gold.customer_features AS f
       WHERE f.as_of_date = (SELECT max(g.as_of_date) FROM ${CATALOG}.gold.customer_features AS g WHERE g.customer_id = f.customer_id)`,
      [...expected.features.values()].map((r) => [
        r.customer_id, r.as_of_date, r.recency_days, r.frequency_30d, r.monetary_30d, r.events_30d, r.sessions_30d, r.active_days_30d,
        r.reviews_30d, r.tenure_days, r.lifetime_events, r.lifetime_revenue,
      ]),
    ],
  }
  const result: Record<string, Comparison> = {}
  for (const [name, [sql, expectedRows]] of Object.entries(tables)) {
    result[name] = {actual: sortRows(await rows(sql)), expected: sortRows(expectedRows)}
  }
  return result
}

/** Numbers as numbers ('12.50', '4.0' and 12.5, 4 compare equal), everything else as text. */
function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return null
  const text = String(value)
  return /^-?\d+(\.\d+)?(E-?\d+)?$/.test(text) ? Number(text) : text
}

function sortRows(rows: unknown[][]): unknown[][] {
  return rows.map((row) => row.map(normalise)).sort((a, b) => {
    const x = JSON.stringify(a)
    const y = JSON.stringify(b)
    return x < y ? -1 : x > y ? 1 : 0
  })
}
