/**
 * The same events through both engines and the independent model, table by table:
 *   spark:    a Kafka topic -> the shipped runners on local Spark + Delta (bronze.py, silver.py, gold.py)
 *   duckdb:   the local workspace's streaming jobs (its DuckDB engine), fed through its topic API
 *   expected: src/pipeline/expected.ts (DESIGN section 1 in plain TypeScript)
 * Tables are compared on what does not depend on how an engine cut the stream into batches: Silver's
 * event columns (not ingest times, Kafka positions or batch ids), the quarantine's values and reasons,
 * every cell of the Gold tables (each customer's newest feature row: older as-of rows are snapshots of
 * whichever batch wrote them) and the sums of Silver's and Gold's ops.quality_metrics.
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {loadReferenceData, loadTableSpecs, type ColumnSpec, type ReferenceData} from '../../../src/pipeline/index.js'
import {ExpectedLakehouse, REJECT_REASONS, type BronzeRecord} from '../../../src/pipeline/expected.js'
import {TestServer} from '../../local/harness.js'
import {bootstrap, ENGINE_LIMITS, layerJobs, LAYERS, produce, rowReader, setPause, setTrigger, waitFor} from '../../engine/helpers.js'
import {CATALOG, dumpTables, TOPIC} from './lakehouse.js'
import {SparkPipeline} from './pipeline.js'

export type Row = Record<string, unknown>
/** Per compared table: its rows, normalised and sorted. */
export type Tables = Record<string, Row[]>

const SILVER_COLUMNS = [
  'event_id', 'customer_id', 'event_type', 'product_id', 'event_ts', 'event_date', 'session_id', 'amount', 'rating', 'review_text',
  'customer_segment', 'country', 'product_category', 'sentiment_score', 'sentiment_label', 'model_version',
]
const REASON_COLUMNS = REJECT_REASONS.map((r) => r.toLowerCase())
const SILVER_SUMS = ['rows_in', 'rows_valid', 'rows_quarantined', 'duplicates_dropped', 'rows_written', 'scored_rows', ...REASON_COLUMNS]
const GOLD_TABLES = ['gold.customer_behavior_daily', 'gold.sentiment_summary', 'gold.customer_features']

/** The tables read from each engine, and the compared projection of each. */
const SOURCES: Record<string, {table: string; columns?: string[]}> = {
  'silver.customer_events_cleaned': {table: 'silver.customer_events_cleaned', columns: SILVER_COLUMNS},
  'silver.customer_events_quarantine': {table: 'silver.customer_events_quarantine', columns: ['value', 'reasons', 'event_id']},
  'gold.customer_behavior_daily': {table: 'gold.customer_behavior_daily'},
  'gold.sentiment_summary': {table: 'gold.sentiment_summary'},
  'gold.customer_features': {table: 'gold.customer_features'},
  'ops.quality_metrics': {table: 'ops.quality_metrics', columns: ['stream', 'table_name', ...SILVER_SUMS]},
}
export const COMPARED = [...Object.keys(SOURCES).filter((t) => t !== 'ops.quality_metrics'), 'ops.quality_metrics (sums)']

/** One line per record value; an empty line is an empty value (see python/kafka_io.py). */
export function readEvents(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

export function writeEvents(file: string, values: string[]): void {
  writeFileSync(file, values.map((v) => `${v}\n`).join(''))
}

function columnTypes(table: string): Map<string, ColumnSpec> {
  const spec = loadTableSpecs().find((s) => s.id === table)
  if (!spec) throw new Error(`no table ${table}`)
  return new Map(spec.columns.map((c) => [c.name, c]))
}

/** Epoch microseconds of a Statement Execution API timestamp ('2026-11-26T08:00:00.123[456]Z'). */
function isoMicros(text: string): number {
  const m = /^(.*?)(?:\.(\d{1,6}))?Z$/.exec(text)
  if (!m) throw new Error(`not a timestamp: ${text}`)
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0'))
}

/** A cell in one representation whatever the engine: micros, 'YYYY-MM-DD', decimals with their scale, numbers. */
function normalise(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null
  if (type === 'timestamp') return typeof value === 'number' ? value : isoMicros(String(value))
  const decimal = /^decimal\(\d+,(\d+)\)$/.exec(type)
  if (decimal) return Number(value).toFixed(Number(decimal[1]))
  if (['bigint', 'int', 'double'].includes(type)) return Number(value)
  return String(value)
}

function project(table: string, rows: Row[]): Row[] {
  const types = columnTypes(SOURCES[table].table)
  const columns = SOURCES[table].columns ?? [...types.keys()]
  return rows.map((row) => Object.fromEntries(columns.map((c) => [c, normalise(row[c], types.get(c)!.type)])))
}

function sortRows(rows: Row[]): Row[] {
  return rows.map((row) => [JSON.stringify(row), row] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row)
}

/** From the raw rows of each source table to the compared tables. */
export function comparedTables(raw: Record<string, Row[]>): Tables {
  const tables: Tables = {}
  for (const table of Object.keys(SOURCES)) {
    let rows = project(table, raw[table] ?? [])
    if (table === 'gold.customer_features') {
      const newest = new Map<string, string>()
      for (const row of rows) if (String(row.as_of_date) > (newest.get(String(row.customer_id)) ?? '')) newest.set(String(row.customer_id), String(row.as_of_date))
      rows = rows.filter((row) => row.as_of_date === newest.get(String(row.customer_id)))
    }
    if (table === 'ops.quality_metrics') {
      tables['ops.quality_metrics (sums)'] = [qualitySums(rows)]
      continue
    }
    tables[table] = sortRows(rows)
  }
  return tables
}

/** Silver's figures summed over its batches; Gold's input per table. */
function qualitySums(rows: Row[]): Row {
  const silver = rows.filter((r) => r.stream === 'silver' && r.table_name === 'silver.customer_events_cleaned')
  const sums: Row = Object.fromEntries(SILVER_SUMS.map((c) => [`silver.${c}`, silver.reduce((s, r) => s + Number(r[c]), 0)]))
  for (const table of GOLD_TABLES) sums[`${table}.rows_in`] = rows.filter((r) => r.stream === 'gold' && r.table_name === table).reduce((s, r) => s + Number(r.rows_in), 0)
  return sums
}

/** What the independent model expects from these record values (one topic, in order: the final state). */
export function expectedTables(values: string[], reference: ReferenceData = loadReferenceData()): Tables {
  const expected = new ExpectedLakehouse(reference, null)
  const ingestTs = new Date('2026-11-26T12:00:00Z')
  const records: BronzeRecord[] = values.map((value, offset) => ({topic: TOPIC, partition: 0, offset, value, ingestTs}))
  const {figures, inserted} = expected.runSilver(records, 0)
  expected.runGold(inserted)
  const reasons = Object.fromEntries(REJECT_REASONS.map((r) => [r.toLowerCase(), figures.reason_counts[r]]))
  const silverFigures = {stream: 'silver', table_name: 'silver.customer_events_cleaned', ...figures, ...reasons}
  const goldFigures = GOLD_TABLES.map((table) => ({stream: 'gold', table_name: table, rows_in: inserted.length, ...Object.fromEntries(SILVER_SUMS.slice(1).map((c) => [c, 0]))}))
  return comparedTables({
    'silver.customer_events_cleaned': [...expected.silver.values()] as unknown as Row[],
    'silver.customer_events_quarantine': [...expected.quarantine.values()] as unknown as Row[],
    'gold.customer_behavior_daily': [...expected.daily.values()] as unknown as Row[],
    'gold.sentiment_summary': [...expected.summary.values()] as unknown as Row[],
    'gold.customer_features': [...expected.features.values()] as unknown as Row[],
    'ops.quality_metrics': [silverFigures, ...goldFigures] as unknown as Row[],
  })
}

/** The values through Kafka and the runners on local Spark; the tables as Spark reads them. */
export async function sparkTables(values: string[], dir: string, options: {maxOffsetsPerTrigger?: number; timeoutMs?: number} = {}): Promise<Tables> {
  const pipeline = await SparkPipeline.create(dir, {maxOffsetsPerTrigger: options.maxOffsetsPerTrigger})
  try {
    const file = path.join(dir, 'events.jsonl')
    writeEvents(file, values)
    await pipeline.kafka.produceFile(TOPIC, file)
    pipeline.startAll()
    await pipeline.waitCaughtUp(values.length, options.timeoutMs)
    await pipeline.stopStreams()
    return await sparkLakehouseTables(pipeline)
  } finally {
    await pipeline.close()
  }
}

/** A Spark lakehouse's compared tables, read through a Spark driver (python/dump_tables.py). */
export async function sparkLakehouseTables(pipeline: SparkPipeline): Promise<Tables> {
  const out = path.join(pipeline.dir, 'dump')
  await dumpTables(pipeline.lakehouse, out, Object.keys(SOURCES))
  return comparedTables(Object.fromEntries(Object.keys(SOURCES).map((t) => [t, JSON.parse(readFileSync(path.join(out, `${t}.json`), 'utf8')) as Row[]])))
}

/** The values through the local workspace's topic and streaming jobs (DuckDB); the raw tables over its SQL API. */
export async function duckdbTables(values: string[], timeoutMs = 300_000): Promise<Tables> {
  const server = await TestServer.start({limits: ENGINE_LIMITS})
  try {
    await bootstrap(server)
    const jobs = await layerJobs(server)
    for (const layer of LAYERS) await setTrigger(server, jobs[layer].job_id, 0.2)
    for (const layer of LAYERS) await setPause(server, jobs[layer].job_id, 'UNPAUSED')
    await produce(server, values)
    const rows = rowReader((m, p, b) => server.ok(m, p, b))
    await waitFor(
      'the local streams to process every record',
      async () => {
        const [[silverIn, goldIn, silverRows]] = await rows(`SELECT
          (SELECT coalesce(sum(rows_in), 0) FROM ${CATALOG}.ops.quality_metrics WHERE stream = 'silver'),
          (SELECT coalesce(sum(rows_in), 0) FROM ${CATALOG}.ops.quality_metrics WHERE stream = 'gold' AND table_name = 'gold.customer_behavior_daily'),
          (SELECT count(*) FROM ${CATALOG}.silver.customer_events_cleaned)`)
        return Number(silverIn) === values.length && Number(goldIn) === Number(silverRows) ? true : undefined
      },
      timeoutMs,
    )
    for (const layer of LAYERS) await setPause(server, jobs[layer].job_id, 'PAUSED')
    const raw: Record<string, Row[]> = {}
    for (const table of Object.keys(SOURCES)) {
      const names = [...columnTypes(table).keys()]
      const data = await rows(`SELECT ${names.map((n) => `t.${n}`).join(", ")} FROM ${CATALOG}.${table} AS t`)
      raw[table] = data.map((cells) => Object.fromEntries(names.map((n, i) => [n, cells[i]])))
    }
    return comparedTables(raw)
  } finally {
    await server.stop()
  }
}

export interface TableDifference {
  table: string
  /** Rows (as JSON) in `left` and not in `right`, and the reverse, with multiplicity. */
  onlyLeft: string[]
  onlyRight: string[]
}

export function differences(left: Tables, right: Tables): TableDifference[] {
  const result: TableDifference[] = []
  for (const table of COMPARED) {
    const count = new Map<string, number>()
    for (const row of left[table] ?? []) count.set(JSON.stringify(row), (count.get(JSON.stringify(row)) ?? 0) + 1)
    const onlyRight: string[] = []
    for (const row of right[table] ?? []) {
      const key = JSON.stringify(row)
      const n = count.get(key) ?? 0
      if (n > 0) count.set(key, n - 1)
      else onlyRight.push(key)
    }
    const onlyLeft = [...count.entries()].flatMap(([key, n]) => Array<string>(n).fill(key))
    if (onlyLeft.length > 0 || onlyRight.length > 0) result.push({table, onlyLeft, onlyRight})
  }
  return result
}

/** Each engine's tables as out/<table>.<engine>.json. */
export function writeTables(out: string, engine: string, tables: Tables): void {
  mkdirSync(out, {recursive: true})
  for (const [table, rows] of Object.entries(tables)) writeFileSync(path.join(out, `${table}.${engine}.json`), JSON.stringify(rows, null, 1))
}
