/**
 * The streams end to end, with the BUILT CLI against the local workspace over real sockets:
 * bootstrap, stream start / status / stop, local produce from a JSONL file, exact Silver / quarantine /
 * Gold contents against the independent model (src/pipeline/expected.ts), a kill -9 of the workspace
 * process mid-stream, timeouts (exit 8), --check (exit 3) and bad input (exit 2, nothing changed).
 */
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateEvents} from '../../src/pipeline/index.js'
import {caughtUp, CATALOG, compareTables, expectedFor, rowReader, waitFor, type RowReader} from '../engine/helpers.js'
import {runCli, TestWorkspace} from '../helpers/workspace.js'

const JOBS = '/api/2.2/jobs'
const TOPIC = '/api/2.0/lakectl/topics/customer-events'

/** A JSONL file of generated events, and the record values `local produce --from-file` sends from it. */
function eventFile(dir: string, count: number, seed: number): {file: string; values: string[]} {
  const file = path.join(dir, `events-${seed}.jsonl`)
  writeFileSync(file, [...generateEvents({count, seed, duplicateFraction: 0.05, malformedFraction: 0.01, invalidFraction: 0.03})].join('\n') + '\n')
  // Empty lines are skipped by design (the generator's malformed values include the empty string).
  return {file, values: readFileSync(file, 'utf8').split('\n').filter((line) => line !== '')}
}

async function expectExact(rows: RowReader, values: string[]): Promise<void> {
  const comparison = await compareTables(rows, expectedFor(values))
  for (const [table, {actual, expected}] of Object.entries(comparison)) {
    expect(actual.length, table).toBe(expected.length)
    expect(actual, table).toEqual(expected)
  }
}

describe('streams against an in-process workspace', () => {
  let ws: TestWorkspace
  let rows: RowReader
  let jobs: Record<string, number>

  async function activeRuns(layer: string): Promise<any[]> {
    return (await ws.api('GET', `${JOBS}/runs/list?job_id=${jobs[layer]}&active_only=true`)).runs ?? []
  }

  beforeAll(async () => {
    ws = await TestWorkspace.start()
    rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
    const bootstrap = await ws.run(['bootstrap', '--yes', '--json'])
    expect(bootstrap.code, bootstrap.stderr).toBe(0)
    const {jobs: list} = await ws.api('GET', `${JOBS}/list?limit=100`)
    jobs = Object.fromEntries(list.map((job: any) => [job.settings.tags.lakectl_layer, job.job_id]))
  }, 120_000)

  afterAll(async () => {
    await ws?.stop()
  })

  it('refuses bad input with exit 2 and changes nothing', async () => {
    const missing = path.join(ws.projectDir, 'missing.jsonl')
    const unreadable = ws.projectDir // a directory cannot be read as a file
    const cases: Array<[string[], RegExp]> = [
      [['stream', 'start', 'platinum'], /Unknown layer 'platinum'/],
      [['local', 'produce', '--from-file', missing], /does not exist/],
      [['local', 'produce', '--from-file', unreadable], /cannot be read/],
      [['local', 'produce', '--rate', '-5'], /--rate must be a number greater than 0/],
      [['local', 'produce', '--count=-1'], /--count must be an integer/],
      [['local', 'produce', '--duplicates', '1.5'], /--duplicates must be a number between 0 and 1/],
      [['local', 'produce', '--from-file', missing, '--count', '3'], /drop --count/],
    ]
    for (const [args, message] of cases) {
      const result = await ws.run(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2)
      expect(result.stderr).toMatch(message)
    }
    expect((await fetch(`${ws.url}${TOPIC}`, {headers: {authorization: `Bearer ${ws.token}`}})).status).toBe(404)
    for (const layer of ['bronze', 'silver', 'gold']) {
      expect((await ws.api('GET', `${JOBS}/runs/list?job_id=${jobs[layer]}`)).runs ?? []).toEqual([])
      expect((await ws.api('GET', `${JOBS}/get?job_id=${jobs[layer]}`)).settings.continuous.pause_status).toBe('PAUSED')
    }
  })

  it('starts the streams, and a second start is a no-op', async () => {
    const started = await ws.run(['stream', 'start', '--json'])
    expect(started.code, started.stderr).toBe(0)
    expect(started.json().layers.map((l: any) => [l.layer, l.action])).toEqual([['bronze', 'started'], ['silver', 'started'], ['gold', 'started']])
    for (const layer of ['bronze', 'silver', 'gold']) expect((await activeRuns(layer)).map((r) => r.state.life_cycle_state)).toEqual(['RUNNING'])
    const again = await ws.run(['stream', 'start', 'bronze'])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/bronze\s+already running/)
  })

  it('produces a JSONL file and lands exactly the distinct valid events, the rejects and the Gold figures', async () => {
    const {file, values} = eventFile(ws.projectDir, 10_000, 11)
    const produced = await ws.run(['local', 'produce', '--from-file', file, '--json'])
    expect(produced.code, produced.stderr).toBe(0)
    const result = produced.json()
    expect(result).toMatchObject({topic: 'customer-events', source: 'file', produced: values.length})
    expect(Object.values(result.partitions).reduce((a: number, b) => a + (b as number), 0)).toBe(values.length)
    await waitFor('every layer to catch up', async () => ((await caughtUp(rows, values.length)) ? true : undefined), 60_000)
    await expectExact(rows, values)
  }, 90_000)

  it('reports status per layer, and --check passes while every layer runs within its SLO', async () => {
    const status = await ws.run(['stream', 'status', '--json'])
    expect(status.code, status.stderr).toBe(0)
    const layers = status.json().layers
    expect(layers.map((l: any) => [l.layer, l.state, l.health])).toEqual([['bronze', 'RUNNING', 'OK'], ['silver', 'RUNNING', 'OK'], ['gold', 'RUNNING', 'OK']])
    for (const layer of layers) {
      expect(layer).toMatchObject({job_id: expect.any(Number), run_id: expect.any(Number), last_batch_id: expect.any(Number), offsets_behind: 0})
      expect(layer.processed_rows_per_second).toBeGreaterThan(0)
    }
    expect((await ws.run(['stream', 'status', '--check'])).code).toBe(0)
  })

  it('exits 8 when a start does not finish within --timeout, and the layer still starts', async () => {
    expect((await ws.run(['stream', 'stop', 'gold'])).code).toBe(0)
    // Every poll answers the state of the moment it was asked, then takes longer than the timeout.
    await ws.fault({method: 'GET', path: `${JOBS}/runs/list`, delay_ms: 1500, when: 'after', count: 3})
    const start = await ws.run(['stream', 'start', 'gold', '--timeout', '1'])
    await ws.clearFaults()
    expect(start.code, start.stderr).toBe(8)
    expect(start.stderr).toMatch(/Timed out after 1s waiting for gold to run/)
    await waitFor('gold to run', async () => ((await activeRuns('gold')).some((r) => r.state.life_cycle_state === 'RUNNING') ? true : undefined))
  })

  it('stops every layer: no active run is left, and --check then exits 3', async () => {
    const stopped = await ws.run(['stream', 'stop', '--json'])
    expect(stopped.code, stopped.stderr).toBe(0)
    for (const layer of ['bronze', 'silver', 'gold']) expect(await activeRuns(layer)).toEqual([])
    const check = await ws.run(['stream', 'status', '--check'])
    expect(check.code).toBe(3)
    expect(check.stderr).toMatch(/bronze is STOPPED/)
  })

  it('produces generated events at a rate to any topic', async () => {
    const result = await ws.run(['local', 'produce', '--topic', 'scratch', '--count', '600', '--rate', '2000', '--seed', '3', '--duplicates', '0.1', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const produced = result.json()
    expect(produced).toMatchObject({topic: 'scratch', source: 'generator', produced: 600, partitions: {'0': 150, '1': 150, '2': 150, '3': 150}})
    // Paced in batches of a tenth of a second (200 events): the third and last is due at 0.2 s.
    expect(produced.duration_seconds).toBeGreaterThanOrEqual(0.2)
    const human = await ws.run(['local', 'produce', '--topic', 'scratch', '--count', '10'])
    expect(human.stdout).toMatch(/^Produced 10 events to scratch in .* s \(.* events\/s; latest offsets .*\)\.\nNext: lakectl stream status\n$/)
  })
})

describe('a kill -9 of the workspace process mid-stream', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'lakectl-e2e-kill-'))
  const stateDir = path.join(root, 'state')
  const home = path.join(root, 'home')
  for (const dir of [stateDir, home]) mkdirSync(dir, {recursive: true})
  const env = {PATH: process.env.PATH ?? '', HOME: home, NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', LAKECTL_STATE_DIR: stateDir, CI: 'true'}
  const cli = (args: string[]) => runCli(args, {env, cwd: root})
  /** A fresh connection per request (no keep-alive): the workspace process is killed and replaced on the same port. */
  const api = (method: string, pathname: string, body?: unknown): Promise<any> => {
    const {url} = JSON.parse(readFileSync(path.join(stateDir, 'server.json'), 'utf8'))
    const token = readFileSync(path.join(stateDir, 'token'), 'utf8').trim()
    return new Promise((resolve, reject) => {
      const request = http.request(`${url}${pathname}`, {method, agent: false, headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}}, (response) => {
        let text = ''
        response.on('data', (chunk) => (text += chunk))
        response.on('end', () => (response.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${method} ${pathname}: ${response.statusCode} ${text}`))))
      })
      request.on('error', reject)
      request.end(body === undefined ? undefined : JSON.stringify(body))
    })
  }
  const rows = rowReader(api)

  afterAll(async () => {
    await cli(['local', 'down'])
  })

  it('resumes after the crash with nothing lost and nothing duplicated', async () => {
    expect((await cli(['local', 'up', '--enable-test-control'])).code).toBe(0)
    expect((await cli(['bootstrap', '--yes'])).code).toBe(0)
    expect((await cli(['stream', 'start'])).code).toBe(0)
    // Gold's batches wait 10 s before they write, so the kill lands while Gold is behind: otherwise a
    // fast machine can carry all 60,000 events through in the moment between Silver's first rows and
    // the kill. The fault lives in the process and ends with it.
    await api('POST', '/__lakectl/streams/gold/slow', {delay_ms: 10_000})
    const {file, values} = eventFile(root, 60_000, 23)
    const produced = await cli(['local', 'produce', '--from-file', file, '--batch-size', '20000', '--json'])
    expect(produced.code, produced.stderr).toBe(0)
    await waitFor('Silver to start on the events', async () => {
      const [[silver]] = await rows(`SELECT count(*) FROM ${CATALOG}.silver.customer_events_cleaned`)
      return Number(silver) > 0 ? true : undefined
    })
    const {pid} = JSON.parse(readFileSync(path.join(stateDir, 'server.json'), 'utf8'))
    const wasCaughtUp = await caughtUp(rows, values.length)
    process.kill(pid, 'SIGKILL')
    await waitFor('the workspace to die', async () => {
      try {
        process.kill(pid, 0)
        return undefined
      } catch {
        return true
      }
    })
    expect((await cli(['local', 'up', '--enable-test-control'])).code).toBe(0)
    // The runs the crash interrupted ended INTERNAL_ERROR; each layer runs again with a new run.
    const {jobs} = await api('GET', `${JOBS}/list?limit=100`)
    for (const job of jobs.filter((j: any) => ['bronze', 'silver', 'gold'].includes(j.settings.tags.lakectl_layer))) {
      const runs = (await api('GET', `${JOBS}/runs/list?job_id=${job.job_id}`)).runs
      expect(runs.some((r: any) => r.state.life_cycle_state === 'INTERNAL_ERROR' && /restarted/.test(r.state.state_message))).toBe(true)
    }
    await waitFor('every layer to catch up after the restart', async () => ((await caughtUp(rows, values.length)) ? true : undefined), 90_000)
    await expectExact(rows, values)
    expect(wasCaughtUp, 'the kill landed before the layers had caught up').toBe(false)
  }, 180_000)
})
