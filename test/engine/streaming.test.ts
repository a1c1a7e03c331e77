/**
 * The streaming executors over generated input: after the three layers catch up, Silver holds exactly
 * the distinct valid events, quarantine exactly the rejects with their reasons, and Gold the figures the
 * independent model computes; a restart of the workspace mid-stream changes none of it.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateEvents} from '../../src/pipeline/index.js'
import {parseTimestamp} from '../../src/pipeline/expected.js'
import {TestServer} from '../local/harness.js'
import {bootstrap, caughtUp, CATALOG, compareTables, ENGINE_LIMITS, expectedFor, layerJobs, LAYERS, produce, rowReader, setPause, setTrigger, waitFor} from './helpers.js'

const COUNT = 12_000
const values = [...generateEvents({count: COUNT, seed: 7, duplicateFraction: 0.05, malformedFraction: 0.01, invalidFraction: 0.03, lateFraction: 0.02})]
let server: TestServer
let jobs: Record<string, {job_id: number; settings: any}>

beforeAll(async () => {
  server = await TestServer.start({limits: ENGINE_LIMITS})
  await bootstrap(server)
  jobs = await layerJobs(server)
  for (const layer of LAYERS) await setTrigger(server, jobs[layer].job_id, 0.2)
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

async function runningRun(jobId: number): Promise<any> {
  const {runs = []} = await server.ok('GET', `/api/2.2/jobs/runs/list?job_id=${jobId}&active_only=true`)
  return runs.find((run: any) => run.state.life_cycle_state === 'RUNNING')
}

describe('streaming layers', () => {
  it('runs Bronze, Silver and Gold to exactly what the model expects, across a restart', async () => {
    for (const layer of LAYERS) await setPause(server, jobs[layer].job_id, 'UNPAUSED')
    for (const layer of LAYERS) await waitFor(`${layer} running`, () => runningRun(jobs[layer].job_id))

    await produce(server, values.slice(0, COUNT / 2))
    // Mid-stream: some of the first half has reached Silver.
    await waitFor('silver progress', async () => {
      const [[rows]] = await server.rows(`SELECT count(*) FROM ${CATALOG}.silver.customer_events_cleaned`)
      return Number(rows) > 0 ? true : undefined
    })
    await server.restart()
    await produce(server, values.slice(COUNT / 2))
    await waitFor('every layer to catch up', async () => ((await caughtUp(rowReader((m, p, b) => server.ok(m, p, b)), COUNT)) ? true : undefined), 60_000)

    const comparison = await compareTables(rowReader((m, p, b) => server.ok(m, p, b)), expectedFor(values))
    for (const [table, {actual, expected}] of Object.entries(comparison)) {
      expect(actual.length, table).toBe(expected.length)
      expect(actual, table).toEqual(expected)
    }
    const [[bronze]] = await server.rows(`SELECT count(*) FROM ${CATALOG}.bronze.customer_events_raw`)
    expect(Number(bronze)).toBe(COUNT)
    // One progress row per batch: ids count up across the restart, rows add up, lag and offsets are set.
    const progress = await server.rows(`
      SELECT stream, count(*), count(DISTINCT batch_id), min(batch_id), max(batch_id), sum(num_input_rows),
             count(ingest_lag_seconds), count(end_offset)
      FROM ${CATALOG}.ops.stream_progress WHERE num_input_rows > 0 GROUP BY stream ORDER BY stream`)
    const [[silverRows]] = await server.rows(`SELECT count(*) FROM ${CATALOG}.silver.customer_events_cleaned`)
    const inputs: Record<string, number> = {bronze: COUNT, silver: COUNT, gold: Number(silverRows)}
    for (const [stream, batches, distinct, first, last, rows, lags, ends] of progress) {
      expect([Number(distinct), Number(first), Number(last)], String(stream)).toEqual([Number(batches), 0, Number(batches) - 1])
      expect(Number(rows), String(stream)).toBe(inputs[String(stream)])
      expect([Number(lags), Number(ends)], String(stream)).toEqual([Number(batches), Number(batches)])
    }
    expect(progress.map((row) => row[0])).toEqual(['bronze', 'gold', 'silver'])
    const [[bronzeEnd]] = await server.rows(`SELECT end_offset FROM ${CATALOG}.ops.stream_progress WHERE stream = 'bronze' ORDER BY batch_id DESC LIMIT 1`)
    expect(Object.values(JSON.parse(String(bronzeEnd))['customer-events']).reduce((a: number, b) => a + Number(b), 0)).toBe(COUNT)
    // The checkpoints' schema is the workspace's own: Unity Catalog does not list it.
    const {schemas} = await server.ok('GET', `/api/2.1/unity-catalog/schemas?catalog_name=${CATALOG}`)
    expect(schemas.map((schema: any) => schema.name)).not.toContain('__lakectl')
    expect((await server.call('GET', `/api/2.1/unity-catalog/schemas/${CATALOG}.__lakectl`)).status).toBe(404)
  }, 120_000)

  it('backfills every partition of Silver and of Gold in both modes without changing a row, and refuses Bronze', async () => {
    const rows = rowReader((m, p, b) => server.ok(m, p, b))
    const before = await compareTables(rows, expectedFor(values))
    const dates = (await server.rows(`SELECT DISTINCT CAST(event_date AS VARCHAR) FROM ${CATALOG}.silver.customer_events_cleaned ORDER BY 1`)).map(([d]) => String(d))
    expect(dates.length).toBeGreaterThan(1)
    const backfill = async (layer: string, date: string, mode = 'missing') => {
      const {run_id: runId} = await server.ok('POST', '/api/2.2/jobs/run-now', {job_id: jobs.backfill.job_id, job_parameters: {layer, partition_date: date, mode}})
      return waitFor(`backfill ${layer} ${date}`, async () => {
        const run = await server.ok('GET', `/api/2.2/jobs/runs/get?run_id=${runId}`)
        return run.end_time > 0 ? run : undefined
      })
    }
    for (const mode of ['missing', 'replace']) {
      for (const date of dates) {
        for (const layer of ['silver', 'gold']) expect((await backfill(layer, date, mode)).state.result_state, `${layer} ${date} ${mode}`).toBe('SUCCESS')
      }
      expect(await compareTables(rows, expectedFor(values)), mode).toEqual(before)
    }
    // A Silver partition reads every Bronze record whose event falls on its date, whenever it was ingested.
    const dated = values.filter((value) => {
      try {
        const record = JSON.parse(value)
        return typeof record?.timestamp === 'string' && !Array.isArray(record) && parseTimestamp(record.timestamp) !== null
      } catch {
        return false
      }
    })
    const [[silverIn]] = await server.rows(`SELECT sum(rows_in) FROM ${CATALOG}.ops.quality_metrics WHERE stream = 'silver_backfill'`)
    expect(Number(silverIn)).toBe(dated.length)
    const refused = await backfill('bronze', dates[0])
    expect(refused.state.state_message).toMatch(/Task backfill failed with message: --layer must be silver or gold, got 'bronze'/)

    // Meanwhile the idle streams wrote heartbeats (no input, nothing behind), at most one a second each.
    await waitFor('heartbeats', async () => ((await server.rows(`SELECT count(DISTINCT stream) FROM ${CATALOG}.ops.stream_progress WHERE num_input_rows = 0`))[0][0] === '3' ? true : undefined))
    const [[closest, behind]] = await server.rows(`
      SELECT min(gap), max(offsets_behind_latest) FROM (
        SELECT offsets_behind_latest, epoch_ms(recorded_at) - lag(epoch_ms(recorded_at)) OVER (PARTITION BY stream ORDER BY recorded_at) AS gap
        FROM ${CATALOG}.ops.stream_progress WHERE num_input_rows = 0)`)
    expect(Number(behind)).toBe(0)
    if (closest !== null) expect(Number(closest)).toBeGreaterThanOrEqual(1000)
  }, 120_000)
})
