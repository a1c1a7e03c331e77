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

async function backfills(lakehouse: Lakehouse, phase: string, options: {bronze?: string; sql?: string[]; runs: string[]; history?: string[]}): Promise<{tables: Tables; history: Record<string, Array<{operation: string; predicate: string | null}>>}> {
  const out = path.join(dir, phase)
  const {args, conf} = jobTask(lakehouse, 'backfill')
  const script = new URL('./python/backfill_runs.py', import.meta.url).pathname
  await sparkRun(
    lakehouse.site,
    `backfill-${phase}`,
    script,
    [
      '--catalog', CATALOG, '--out', out,
      ...(options.bronze ? ['--bronze', options.bronze] : []),
      ...(options.sql ?? []).flatMap((statement) => ['--sql', statement]),
      ...options.runs.flatMap((run) => ['--run', run]),
      ...(options.history ?? []).flatMap((table) => ['--history', table]),
      '--', ...args,
    ],
    {conf, env: {LAKECTL_PYSPARK_DIR: lakehouse.pysparkDir}},
  )
  const raw = Object.fromEntries(COMPARED.map((table) => [table, JSON.parse(readFileSync(path.join(out, `${table}.json`), 'utf8')) as Row[]]))
  return {tables: comparedTables(raw), history: JSON.parse(readFileSync(path.join(out, 'history.json'), 'utf8'))}
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
})
