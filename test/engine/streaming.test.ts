/**
 * The streaming executors over generated input: after the three layers catch up, Silver holds exactly
 * the distinct valid events, quarantine exactly the rejects with their reasons, and Gold the figures the
 * independent model computes; a restart of the workspace mid-stream changes none of it.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateEvents} from '../../src/pipeline/index.js'
import {TestServer} from '../local/harness.js'
import {bootstrap, caughtUp, CATALOG, compareTables, ENGINE_LIMITS, expectedFor, layerJobs, LAYERS, produce, setPause, setTrigger, waitFor} from './helpers.js'

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
    await waitFor('every layer to catch up', async () => ((await caughtUp(server, COUNT)) ? true : undefined), 60_000)

    const comparison = await compareTables(server, expectedFor(values))
    for (const [table, {actual, expected}] of Object.entries(comparison)) {
      expect(actual.length, table).toBe(expected.length)
      expect(actual, table).toEqual(expected)
    }
    const [[bronze]] = await server.rows(`SELECT count(*) FROM ${CATALOG}.bronze.customer_events_raw`)
    expect(Number(bronze)).toBe(COUNT)
  }, 120_000)
})
