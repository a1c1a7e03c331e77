/**
 * Concurrency and crashes on Spark: the three streams run at once for at least 50 micro-batches each,
 * beside two Silver backfills (--mode replace, so each really commits: a replaceWhere swap of its date)
 * of two earlier dates that the streams wrote before. Every MERGE bounds its target to the partitions its
 * batch writes by literals (silver/bounds.sql, gold/bounds.sql) and the metrics tables are append-only,
 * so no writer loses a commit to another: the drivers' logs show no retried write conflict at all, and
 * no batch failed. In the middle, the Silver driver is killed with SIGKILL after part of a batch's writes
 * committed, and restarted from its checkpoint: no row is lost or duplicated, and no progress or quality
 * row is counted twice.
 */
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateEvents} from '../../src/pipeline/index.js'
import {waitFor} from '../engine/helpers.js'
import {differences, expectedTables, sparkLakehouseTables, writeEvents} from './harness/compare.js'
import {tableDir} from './harness/delta.js'
import {runJob, TOPIC} from './harness/lakehouse.js'
import {SparkPipeline} from './harness/pipeline.js'
import {removeScratch} from './harness/env.js'
import {stopAll} from './harness/processes.js'

const PER_BATCH = 150
/** Two earlier days (2026-11-20 and -21, no late events), produced first: the streams write them, the backfills replace them later. */
const BACKFILLED = ['2026-11-20', '2026-11-21']
const HISTORY = [
  ...generateEvents({count: 1_200, seed: 41, startTime: `${BACKFILLED[0]}T00:00:00.000Z`, eventsPerSecond: 1_200 / 172_800, duplicateFraction: 0.06, malformedFraction: 0.02, invalidFraction: 0.05, lateFraction: 0}),
]
/**
 * From 2026-11-26 on, late events up to three days back: never on the backfilled days. Bronze takes at
 * most PER_BATCH events a batch: 8 batches of history and at least 46 of these, over the floor of 50.
 */
const CURRENT = [...generateEvents({count: 46 * PER_BATCH, seed: 23, duplicateFraction: 0.06, malformedFraction: 0.02, invalidFraction: 0.05, lateFraction: 0.03, edgeCaseFraction: 0.02})]
const EVENTS = [...HISTORY, ...CURRENT]
const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-engines-concurrency-'))
let pipeline: SparkPipeline
const killed: {batch?: number; partial?: boolean} = {}
let backfills: string[] = []

function checkpointBatches(stream: 'bronze' | 'silver' | 'gold', kind: 'offsets' | 'commits'): number[] {
  return pipeline.checkpointBatches(stream, kind)
}

function deltaVersion(table: string): number {
  const log = path.join(tableDir(pipeline.warehouse, table), '_delta_log')
  return Math.max(-1, ...readdirSync(log).filter((f) => /^\d{20}\.json$/.test(f)).map((f) => Number(f.slice(0, 20))))
}

/**
 * Waits for a Silver batch that has planned its offsets and committed its Silver rows but not yet its
 * batch (so part of its writes are durable), and kills the driver's whole process group right there.
 */
async function killSilverMidBatch(): Promise<void> {
  const driver = pipeline.drivers.silver!
  await waitFor(
    'a Silver batch part-way through its writes',
    async () => {
      pipeline.assertRunning()
      const planned = Math.max(-1, ...checkpointBatches('silver', 'offsets'))
      const committed = Math.max(-1, ...checkpointBatches('silver', 'commits'))
      if (planned < 5 || planned === committed) return undefined
      const before = deltaVersion('silver.customer_events_cleaned')
      // Poll the table closely: the window between the Silver MERGE and the batch commit is short.
      for (let i = 0; i < 400; i++) {
        if (Math.max(-1, ...checkpointBatches('silver', 'commits')) >= planned) return undefined
        if (deltaVersion('silver.customer_events_cleaned') > before) {
          await driver.kill9()
          killed.batch = planned
          killed.partial = !checkpointBatches('silver', 'commits').includes(planned)
          return true
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      return undefined
    },
    300_000,
  )
}

/**
 * Silver has read every history record (Bronze keeps the topic's order and Silver takes one Bronze file a
 * batch), so the backfilled dates are in Silver. The figures are read only after a new Silver batch.
 */
async function waitSilverPastHistory(): Promise<void> {
  let seen = -1
  await waitFor(
    'Silver to read the history',
    async () => {
      pipeline.assertRunning()
      const committed = Math.max(-1, ...checkpointBatches('silver', 'commits'))
      if (committed === seen) return undefined
      seen = committed
      const progress = await pipeline.progress().catch(() => undefined)
      return progress && progress.silverIn >= HISTORY.length ? true : undefined
    },
    1_200_000,
    1_000,
  )
}

/** The lines of every driver's log (streams, restarted streams, backfills) that report a retried write conflict. */
function writeConflicts(): string[] {
  const logs = path.join(pipeline.lakehouse.site.dir, 'logs')
  return readdirSync(logs)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => readFileSync(path.join(logs, f), 'utf8').split('\n').filter((line) => line.includes('lakectl: write conflict')).map((line) => `${f}: ${line}`))
}

beforeAll(async () => {
  pipeline = await SparkPipeline.create(path.join(dir, 'pipeline'), {partitions: 1, maxOffsetsPerTrigger: PER_BATCH, maxFilesPerTrigger: {silver: 1, gold: 3}})
  const history = path.join(dir, 'history.jsonl')
  const current = path.join(dir, 'current.jsonl')
  writeEvents(history, HISTORY)
  writeEvents(current, CURRENT)
  await pipeline.kafka.produceFile(TOPIC, history)
  await pipeline.kafka.produceFile(TOPIC, current)
  pipeline.startAll()
  await waitSilverPastHistory()
  // Once Silver is under way on the current events: the two backfills beside the streams.
  const before = Math.max(-1, ...checkpointBatches('silver', 'commits'))
  await waitFor('Silver under way', async () => (pipeline.assertRunning(), Math.max(-1, ...checkpointBatches('silver', 'commits')) >= before + 3 ? true : undefined), 600_000)
  const running = BACKFILLED.map((date) =>
    runJob(pipeline.lakehouse, 'backfill', {jobParameters: {layer: 'silver', partition_date: date, mode: 'replace'}}, [], `backfill-${date}`).then(() => date),
  )
  await killSilverMidBatch()
  pipeline.start('silver')
  backfills = await Promise.all(running)
  await pipeline.waitCaughtUp(EVENTS.length, 2_400_000)
  await pipeline.stopStreams()
}, 3_600_000)

afterAll(async () => {
  await pipeline?.close()
  await stopAll()
  removeScratch(dir)
})

describe('three streams and two backfills at once, and a SIGKILL', () => {
  it('ran at least 50 micro-batches per stream and both backfills, with no failed batch', async () => {
    for (const stream of ['bronze', 'silver', 'gold'] as const) expect(Math.max(...checkpointBatches(stream, 'commits')), stream).toBeGreaterThanOrEqual(50)
    expect(backfills).toEqual(BACKFILLED)
    const rows = await pipeline.reader.rows(`SELECT stream, count(*) AS n FROM {ops.quality_metrics} WHERE stream = 'silver_backfill' GROUP BY stream`)
    expect(rows).toEqual([{stream: 'silver_backfill', n: 2}])
    // Each backfill swapped its date in while the streams wrote theirs.
    const [{replaced}] = await pipeline.reader.rows(`SELECT count(DISTINCT event_date) AS replaced FROM {silver.customer_events_cleaned} WHERE silver_batch_id < 0`)
    expect(replaced).toBe(BACKFILLED.length)
  })

  it('lost no commit to a concurrent writer: no write conflict was retried', () => {
    expect(writeConflicts()).toEqual([])
  })

  it('killed the Silver driver after part of a batch had landed', () => {
    expect(killed.batch).toBeGreaterThanOrEqual(5)
    expect(killed.partial).toBe(true)
  })

  it('lost and duplicated no row: Silver, quarantine and Gold are exactly what the model expects', async () => {
    const [{rows, ids}] = await pipeline.reader.rows('SELECT count(*) AS rows, count(DISTINCT event_id) AS ids FROM {silver.customer_events_cleaned}')
    expect(rows).toBe(ids)
    const actual = await sparkLakehouseTables(pipeline)
    const expected = expectedTables(EVENTS)
    for (const table of ['silver.customer_events_cleaned', 'silver.customer_events_quarantine', 'gold.customer_behavior_daily', 'gold.sentiment_summary', 'gold.customer_features']) {
      expect(differences(actual, expected).find((d) => d.table === table), table).toBeUndefined()
    }
  })

  it('counted every batch once in ops.quality_metrics and ops.stream_progress', async () => {
    const once = await pipeline.reader.rows(`SELECT stream, table_name, batch_id, count(*) AS n FROM {ops.quality_metrics} GROUP BY ALL HAVING count(*) > 1`)
    expect(once).toEqual([])
    const [silver] = await pipeline.reader.rows(`SELECT sum(rows_in) AS rows_in, sum(rows_quarantined) AS quarantined, count(*) AS batches
      FROM {ops.quality_metrics} WHERE stream = 'silver' AND table_name = 'silver.customer_events_cleaned'`)
    const [sums] = expectedTables(EVENTS)['ops.quality_metrics (sums)']
    expect(silver.rows_in).toBe(EVENTS.length)
    expect(silver.quarantined).toBe(sums['silver.rows_quarantined'])
    // The replayed batch kept the figures of its first run (computed before any of its rows landed).
    const [replayed] = await pipeline.reader.rows(`SELECT rows_written FROM {ops.quality_metrics} WHERE stream = 'silver' AND table_name = 'silver.customer_events_cleaned' AND batch_id = ${killed.batch}`)
    expect(replayed.rows_written).toBeGreaterThan(0)
    const progress = await pipeline.reader.rows(`SELECT stream, batch_id, count(*) AS n FROM {ops.stream_progress} WHERE num_input_rows > 0 GROUP BY ALL HAVING count(*) > 1`)
    expect(progress).toEqual([])
    const [ids] = await pipeline.reader.rows(`SELECT count(DISTINCT run_id) AS runs, count(DISTINCT query_id) AS queries,
      count(*) FILTER (WHERE start_offset = 'None' OR end_offset = 'None') AS none_text FROM {ops.stream_progress} WHERE stream = 'silver'`)
    expect(ids).toMatchObject({queries: 1, none_text: 0})
    expect(Number(ids.runs)).toBeGreaterThanOrEqual(2)
  })
})
