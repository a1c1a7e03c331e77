/**
 * The official Databricks SDK for Python runs its tour (python/tour.py) against a local workspace:
 * every step must pass, and the state the tour left is read back over REST.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {TestServer} from '../../local/harness.js'
import {failedSteps, installed, run, seededWorkspace, TOUR_ENDPOINT, TOUR_MODEL} from './harness.js'

describe('Databricks SDK for Python against the local workspace', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await seededWorkspace()
  }, 120_000)
  afterAll(async () => server?.stop())

  it('passes every step of the tour', async () => {
    const python = installed('sdk-venv/bin/python')
    const result = await run(python, [new URL('python/tour.py', import.meta.url).pathname, ...(process.env.TOUR_ONLY ? process.env.TOUR_ONLY.split(',') : [])], {
      env: {
        DATABRICKS_HOST: server.url,
        DATABRICKS_TOKEN: server.token,
        TOUR_MODEL,
        TOUR_ENDPOINT,
        TOUR_WAREHOUSE: 'local00000000001',
      },
      timeoutMs: 240_000,
    })
    let report: {sdk: string; steps: Array<{name: string; ok: boolean; error?: string}>}
    try {
      report = JSON.parse(result.stdout)
    } catch {
      throw new Error(`the tour printed no report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
    }
    expect(failedSteps(report)).toEqual([])
    expect(report.steps.length).toBeGreaterThanOrEqual(17)
    expect(result.code).toBe(0)
    // The tour's changes, read back independently.
    expect((await server.call('GET', '/api/2.1/unity-catalog/catalogs/sdk_tour')).status).toBe(404)
    const endpoint = await server.ok('GET', `/api/2.0/serving-endpoints/${TOUR_ENDPOINT}`)
    expect(endpoint.config.served_entities[0].entity_version).toBe('2')
  }, 300_000)
})
