/**
 * The shipped backfill.py on real Spark + Delta, in both modes, from the job template's arguments: a
 * Silver partition reads every Bronze record whose event falls on its date, whenever Bronze ingested it
 * (days later, or hours before across midnight), and Gold recomputes the date; `missing` builds the
 * partitions from nothing and changes nothing when run again; `replace` re-enriches every partition
 * after a product's category changed (and restores a day whose Silver rows were deleted) with one
 * replaceWhere commit per partition. Tables are compared with the independent model.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {generateEvents, loadReferenceData} from '../../src/pipeline/index.js'
import {parseTimestamp, utcDate, validateRecord} from '../../src/pipeline/expected.js'
import {Ledger, type BackfillRecord} from '../../src/backfill/ledger.js'
import {recordingWarehouse, type SentStatement} from '../helpers/recording-warehouse.js'
import {comparedTables, expectedTables, type Row, type Tables} from './harness/compare.js'
import {bootstrapTables, CATALOG, createLakehouse, jobTask, type Lakehouse} from './harness/lakehouse.js'
import {stopAll} from './harness/processes.js'
import {sparkRun} from './harness/spark.js'

const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-engines-backfill-'))
const DAY_MS = 86_400_000
const COMPARED = ['silver.customer_events_cleaned', 'gold.customer_behavior_daily', 'gold.sentiment_summary', 'gold.customer_features']

afterAll(async () => {
  await stopAll()
  rmSync(dir, {recursive: true, force: true})
})

/** Every event's Bronze ingest time: 0, 1 or 2 days after it, or 2 hours before it (a clock ahead). */
function ingestTime(value: string, index: number): Date {
  const ts = eventMs(value)
  if (ts === null) return new Date('2026-11-30T00:00:00Z')
  return new Date(index % 7 === 0 ? ts - 2 * 3_600_000 : ts + (index % 3) * DAY_MS)
}

function eventMs(value: string): number | null {
  try {
    const record = JSON.parse(value)
    const micros = typeof record?.timestamp === 'string' ? parseTimestamp(record.timestamp) : null
    return micros === null ? null : micros / 1000
  } catch {
    return null
  }
}

/**
 * One driver: the Bronze load and statements, then backfill.py with each run's job task arguments, then
 * the dump, then the warehouse statements (with their typed parameters) and the rows they returned.
 */
async function backfills(
  lakehouse: Lakehouse,
  phase: string,
  options: {bronze?: string; sql?: string[]; runs: string[]; history?: string[]; statements?: SentStatement[]},
): Promise<{tables: Tables; history: Record<string, Array<{operation: string; predicate: string | null}>>; answers: Row[][]}> {
  const out = path.join(dir, phase)
  const runs = path.join(dir, `${phase}-runs.json`)
  const statements = path.join(dir, `${phase}-statements.json`)
  const tasks = options.runs.map((run) => {
    const [layer, partition_date, mode] = run.split(',')
    return jobTask(lakehouse, 'backfill', {jobParameters: {layer, partition_date, mode}}).args
  })
  writeFileSync(runs, JSON.stringify(tasks))
  writeFileSync(statements, JSON.stringify(options.statements ?? []))
  const script = new URL('./python/backfill_runs.py', import.meta.url).pathname
  await sparkRun(
    lakehouse.site,
    `backfill-${phase}`,
    script,
    [
      '--catalog', CATALOG, '--out', out, '--runs', runs, '--statements', statements,
      ...(options.bronze ? ['--bronze', options.bronze] : []),
      ...(options.sql ?? []).flatMap((statement) => ['--sql', statement]),
      ...(options.history ?? []).flatMap((table) => ['--history', table]),
    ],
    {conf: jobTask(lakehouse, 'backfill').conf, env: {LAKECTL_PYSPARK_DIR: lakehouse.pysparkDir}},
  )
  const read = (file: string) => JSON.parse(readFileSync(path.join(out, file), 'utf8'))
  const raw = Object.fromEntries(COMPARED.map((table) => [table, read(`${table}.json`) as Row[]]))
  return {tables: comparedTables(raw), history: read('history.json'), answers: read('statements.json')}
}

function pick(tables: Tables): Tables {
  return Object.fromEntries(COMPARED.map((table) => [table, tables[table]]))
}

describe('backfill.py on Spark + Delta', () => {
  // Two event dates (each backfill run costs seconds of Spark): the ingest times make them late or early.
  const values = [...generateEvents({count: 3000, seed: 17, eventsPerSecond: 0.05, startTime: '2026-11-26T16:00:00Z', lateFraction: 0})]
  const valid = values.map((value) => validateRecord(value).event).filter((event) => event !== null)
  const dates = [...new Set(valid.map((event) => utcDate(event.event_ts)))].sort()
  const lakehouse = createLakehouse(path.join(dir, 'spark'))

  it('builds every partition with --mode missing from Bronze records ingested on other days, and Gold follows', async () => {
    expect(dates).toEqual(['2026-11-26', '2026-11-27'])
    const bronze = path.join(dir, 'bronze.jsonl')
    writeFileSync(bronze, values.map((value, i) => JSON.stringify({value, ingest_ts: ingestTime(value, i).toISOString()})).join('\n') + '\n')
    // The ingest dates are not the event dates: a backfill by ingest date would miss most events.
    expect(values.filter((value, i) => eventMs(value) !== null && utcDate(ingestTime(value, i).getTime() * 1000) !== utcDate(eventMs(value)! * 1000)).length).toBeGreaterThan(values.length / 2)
    await bootstrapTables(lakehouse)
    const {tables} = await backfills(lakehouse, 'missing', {bronze, runs: [...dates.map((d) => `silver,${d},missing`), ...dates.map((d) => `gold,${d},missing`)]})
    expect(pick(tables)).toEqual(pick(expectedTables(values)))
  })

  it("re-enriches every partition with --mode replace after a product's category changed, one replaceWhere commit each", async () => {
    // The product with events on the most dates.
    const daysOf = new Map<string, Set<string>>()
    for (const event of valid) daysOf.set(event.product_id, (daysOf.get(event.product_id) ?? new Set()).add(utcDate(event.event_ts)))
    const product = [...daysOf.entries()].filter(([id]) => loadReferenceData().products.has(id)).sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))[0][0]
    const reference = loadReferenceData()
    reference.products.set(product, {...reference.products.get(product)!, product_category: 'relabelled'})
    const deleted = dates[dates.length - 1]
    const {tables, history} = await backfills(lakehouse, 'replace', {
      sql: [
        `UPDATE {catalog}.silver.products SET product_category = 'relabelled' WHERE product_id = '${product}'`,
        `DELETE FROM {catalog}.silver.customer_events_cleaned WHERE event_date = DATE'${deleted}'`,
      ],
      // Then missing once more: the partition lacks nothing, nothing changes.
      runs: [...dates.map((d) => `silver,${d},replace`), ...dates.map((d) => `gold,${d},replace`), `silver,${dates[0]},missing`],
      history: ['silver.customer_events_cleaned', 'gold.customer_behavior_daily'],
    })
    expect(pick(tables)).toEqual(pick(expectedTables(values, reference)))
    expect(tables['gold.sentiment_summary'].some((row) => row.product_category === 'relabelled')).toBe(true)
    for (const table of ['silver.customer_events_cleaned', 'gold.customer_behavior_daily']) {
      const swaps = history[table].filter((commit) => commit.operation === 'WRITE' && commit.predicate !== null).map((commit) => commit.predicate)
      expect(swaps.sort(), table).toEqual(dates.map((d) => expect.stringContaining(`event_date = DATE'${d}'`)))
    }
  })

  it('keeps the durable record on Delta: the ledger\'s own statements with typed parameters, read back', async () => {
    // The statements lakectl sends the warehouse for one backfill's life, recorded, then run on Spark.
    const {client, sent} = recordingWarehouse()
    const ledger = new Ledger(client, {warehouseId: 'w', catalog: 'spark_catalog'})
    const at = (time: string) => Date.parse(`2026-12-03T${time}Z`)
    const id = 'bf-20261203-142455-a1b2c3'
    const record: BackfillRecord = {
      backfill_id: id, layer: 'silver', mode: 'replace', from_date: dates[0], to_date: dates[1], partition_order: 'oldest', concurrency: 2,
      max_attempts: 3, downstream: false, job_id: 1003, requested_by: "o'brien@example.com", state: 'running', partitions: 2,
      succeeded: 0, failed: 0, skipped: 0, cancelled: 0, created_at: at('14:24:55.250'), updated_at: at('14:24:55.250'), ended_at: null,
    }
    const first = {layer: 'silver' as const, partition_date: dates[0]}
    await ledger.create(record, [first, {layer: 'silver', partition_date: dates[1]}])
    await ledger.updateAttempt(id, {...first, attempt: 1}, {state: 'running', run_id: 77, rows_before: 10, started_at: at('14:25:00'), error: null})
    await ledger.updateAttempt(id, {...first, attempt: 1}, {state: 'failed', ended_at: at('14:25:30'), error: "run 77 ended FAILED: it's gone; DROP TABLE x --"})
    await ledger.addPending(id, [{...first, attempt: 2}])
    await ledger.updateAttempt(id, {...first, attempt: 2}, {state: 'succeeded', run_id: 78, rows_before: 10, rows_after: 12, started_at: at('14:25:31'), ended_at: at('14:26:01.5'), error: null})
    await ledger.updateAttempt(id, {layer: 'silver', partition_date: dates[1], attempt: 1}, {state: 'cancelled', ended_at: at('14:26:02'), error: 'cancelled before it started'})
    await ledger.updateBackfill(id, {state: 'cancelled', partitions: 2, succeeded: 1, failed: 0, skipped: 0, cancelled: 1, ended_at: at('14:26:03')})
    const writes = sent.length
    await ledger.load(id)
    await ledger.list(5)
    await ledger.countPartition('gold', dates[0])
    const {tables, answers} = await backfills(lakehouse, 'record', {runs: [], statements: sent})

    const [records, attempts, listed, [counted]] = answers.slice(writes)
    expect(records).toEqual([
      expect.objectContaining({
        backfill_id: id, layer: 'silver', mode: 'replace', from_date: dates[0], to_date: dates[1], concurrency: 2, max_attempts: 3, downstream: false,
        job_id: 1003, requested_by: "o'brien@example.com", state: 'cancelled', partitions: 2, succeeded: 1, failed: 0, skipped: 0, cancelled: 1,
        created_at: '2026-12-03T14:24:55.250000+00:00', ended_at: '2026-12-03T14:26:03+00:00',
      }),
    ])
    expect(attempts.map((a) => [a.partition_date, a.attempt, a.state, a.run_id, a.rows_before, a.rows_after, a.started_at, a.ended_at, a.error])).toEqual([
      [dates[0], 1, 'failed', 77, 10, null, '2026-12-03T14:25:00+00:00', '2026-12-03T14:25:30+00:00', "run 77 ended FAILED: it's gone; DROP TABLE x --"],
      [dates[0], 2, 'succeeded', 78, 10, 12, '2026-12-03T14:25:31+00:00', '2026-12-03T14:26:01.500000+00:00', null],
      [dates[1], 1, 'cancelled', null, null, null, null, '2026-12-03T14:26:02+00:00', 'cancelled before it started'],
    ])
    expect(listed).toEqual([records[0]])
    expect(Number(counted.n)).toBe(tables['gold.customer_behavior_daily'].filter((row) => row.event_date === dates[0]).length)
    expect(Number(counted.n)).toBeGreaterThan(0)
  })
})
