/**
 * `lakectl backfill` end to end: the BUILT CLI against an in-process local workspace over real sockets,
 * with the three streams running throughout. The tables are compared with the independent model
 * (src/pipeline/expected.ts), the durable record is read back from ops.backfill_partitions, and the
 * request log shows what went over the wire: one run-now per partition and attempt after a kill -9 of
 * the CLI, the same token after an injected 503. Failing runs come from a wrapper around the real
 * backfill executor (in this process, where the workspace runs), so the CLI sees real failed runs.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {executorFor, registerExecutor, type TaskExecutor} from '../../src/local/jobs/executors.js'
import {generateEvents, loadReferenceData} from '../../src/pipeline/index.js'
import {CATALOG, compareTables, expectedFor, rowReader, waitFor, type RowReader} from '../engine/helpers.js'
import {screenText, startPty} from '../helpers/pty.js'
import {TestWorkspace} from '../helpers/workspace.js'

const JOBS = '/api/2.2/jobs'
const D = '2026-11-26'

/** Generated events spread over several days (one every 20 s, some late by up to three days). */
function eventFile(dir: string, count: number, seed: number): {file: string; values: string[]} {
  const file = path.join(dir, `events-${seed}.jsonl`)
  writeFileSync(file, [...generateEvents({count, seed, eventsPerSecond: 0.05, lateFraction: 0.05})].join('\n') + '\n')
  return {file, values: readFileSync(file, 'utf8').split('\n').filter((line) => line !== '')}
}

describe('lakectl backfill beside the running streams', () => {
  let ws: TestWorkspace
  let rows: RowReader
  let backfillJob: number
  let values: string[] = []
  let reference = loadReferenceData()
  /** The real backfill executor; tests put a wrapper in front of it. */
  let realBackfill: TaskExecutor
  const failures = new Map<string, number>()
  let blocked: string | undefined

  const sql = async (statement: string) => rows(statement)
  const attempts = async (id: string) =>
    (await sql(`SELECT layer, CAST(partition_date AS VARCHAR), attempt, state, run_id, rows_before, rows_after FROM ${CATALOG}.ops.backfill_partitions WHERE backfill_id = '${id}' ORDER BY layer, partition_date, attempt`)).map(
      ([layer, date, attempt, state, runId, before, after]) => ({layer, date, attempt: Number(attempt), state, run_id: runId === null ? null : Number(runId), rows_before: before, rows_after: after}),
    )
  const newestBackfill = async () => (await sql(`SELECT backfill_id FROM ${CATALOG}.ops.backfills ORDER BY created_at DESC LIMIT 1`))[0]?.[0] as string | undefined
  const runNows = async () => (await ws.requests()).filter((r) => r.method === 'POST' && r.path === `${JOBS}/run-now`)
  const jobRuns = async () => ((await ws.api('GET', `${JOBS}/runs/list?job_id=${backfillJob}&limit=25`)).runs ?? []) as any[]
  /**
   * Silver has read every produced record and Gold every Silver batch. (Not caughtUp's row count: a
   * backfill re-inserts Silver rows under its own batch id, which only the Gold backfill reads.)
   */
  const streamsCaughtUp = async () => {
    const [[silverIn, silverLast, goldEnd]] = await sql(`
      SELECT (SELECT coalesce(sum(rows_in), 0) FROM ${CATALOG}.ops.quality_metrics WHERE stream = 'silver'),
             (SELECT max(batch_id) FROM ${CATALOG}.ops.stream_progress WHERE stream = 'silver'),
             (SELECT max(CAST(json_extract_string(end_offset, '$.silver_batch_id') AS BIGINT)) FROM ${CATALOG}.ops.stream_progress WHERE stream = 'gold')`)
    return Number(silverIn) === values.length && goldEnd !== null && Number(goldEnd) >= Number(silverLast) ? true : undefined
  }
  const expectOracle = async () => {
    await waitFor('every layer to catch up', streamsCaughtUp, 60_000)
    for (const [table, {actual, expected}] of Object.entries(await compareTables(rows, expectedFor(values, reference)))) {
      expect(actual.length, table).toBe(expected.length)
      expect(actual, table).toEqual(expected)
    }
  }
  const produce = async (count: number, seed: number) => {
    const events = eventFile(ws.projectDir, count, seed)
    const produced = await ws.run(['local', 'produce', '--from-file', events.file])
    expect(produced.code, produced.stderr).toBe(0)
    values = [...values, ...events.values]
  }

  beforeAll(async () => {
    ws = await TestWorkspace.start()
    rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
    expect((await ws.run(['bootstrap', '--yes'])).code).toBe(0)
    const {jobs} = await ws.api('GET', `${JOBS}/list?limit=100`)
    backfillJob = jobs.find((job: any) => job.settings.tags.lakectl_layer === 'backfill').job_id
    realBackfill = executorFor('backfill.py')!
    registerExecutor('backfill.py', {
      async run(ctx) {
        const key = `${ctx.parameters.layer} ${ctx.parameters['partition-date']}`
        const left = failures.get(key) ?? 0
        if (left > 0) {
          failures.set(key, left - 1)
          throw new Error(`injected failure of ${key}`)
        }
        // A blocked partition runs until its run is cancelled.
        if (blocked === key) return new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), {once: true}))
        return realBackfill.run(ctx)
      },
    })
    expect((await ws.run(['stream', 'start'])).code).toBe(0)
    await produce(8000, 31)
    await expectOracle()
  }, 180_000)

  afterAll(async () => {
    if (realBackfill) registerExecutor('backfill.py', realBackfill)
    await ws?.stop()
  })

  it('refuses every bad input with exit 2 before any request', async () => {
    const id = 'bf-20261203-142455-a1b2c3'
    const cases: Array<[string[], RegExp]> = [
      [['backfill', 'silver', '--from', '2026-11-27', '--to', '2026-11-26', '--yes'], /--from 2026-11-27 is after --to 2026-11-26/],
      [['backfill', 'silver', '--from', '2026-02-30', '--to', '2026-03-01', '--yes'], /--from '2026-02-30' is not a date/],
      [['backfill', 'silver', '--from', '2026-11-26', '--to', '2026-13-01', '--yes'], /--to '2026-13-01' is not a date/],
      [['backfill', 'bronze', '--from', D, '--to', D, '--yes'], /Expected bronze to be one of: silver, gold/],
      [['backfill', 'silver', '--from', D, '--to', D, '--mode', 'upsert', '--yes'], /to be one of: missing, replace/],
      [['backfill', 'silver', '--from', D, '--to', D, '--concurrency', '0', '--yes'], /greater than or equal to 1/],
      [['backfill', 'silver', '--from', '2016-01-01', '--to', '2026-01-10', '--yes'], /holds 3663 partitions; a backfill takes at most 3660/],
      [['backfill', 'silver', '--from', D, '--to', D], /needs a confirmation and there is no terminal/],
      [['backfill', 'status', 'yesterday'], /'yesterday' is not a backfill id/],
      [['backfill', 'resume', 'bf-1'], /'bf-1' is not a backfill id/],
      [['backfill', 'retry', '42'], /'42' is not a backfill id/],
      [['backfill', 'cancel', id], /needs a confirmation/],
    ]
    for (const [args, message] of cases) {
      await ws.clearRequests()
      const result = await ws.run(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2)
      expect(result.stderr).toMatch(message)
      expect((await ws.requests()).filter((r) => r.path.startsWith('/api/')), args.join(' ')).toEqual([])
    }
    // A well-formed id that is not in the record: exit 2 after reading it, and nothing started.
    for (const verb of ['status', 'resume', 'retry']) {
      await ws.clearRequests()
      const unknown = await ws.run(['backfill', verb, id, '--json'])
      expect(unknown.code, unknown.stderr).toBe(2)
      expect(unknown.json().error).toMatchObject({code: 'UNKNOWN_BACKFILL', exit_code: 2})
      expect(await runNows()).toEqual([])
    }
    expect(await jobRuns()).toEqual([])
  })

  it('plans without changing anything, and says so when a range holds no data', async () => {
    const help = await ws.run(['backfill', '--help'])
    expect(help.stdout).toMatch(/^ {2}backfill resume {2}Continue a backfill/m)
    await ws.clearRequests()
    const plan = await ws.run(['backfill', 'silver', '--from', '2026-11-23', '--to', '2026-11-27', '--concurrency', '9', '--plan', '--json'])
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stderr).toMatch(/--concurrency 9 is above the backfill job's max_concurrent_runs \(4\): running 4 at a time/)
    const {plan: planned} = plan.json()
    expect(planned).toMatchObject({layer: 'silver', mode: 'missing', job_id: backfillJob, concurrency: 4, max_concurrent_runs: 4, downstream: true})
    // The local workspace records lineage as Unity Catalog does: Gold follows because lineage says so.
    expect(planned).toMatchObject({downstream_layers: ['gold'], downstream_source: 'lineage'})
    expect(planned.downstream_fallback).toBeUndefined()
    const [[silverRows]] = await sql(`SELECT count(*) FROM ${CATALOG}.silver.customer_events_cleaned WHERE event_date = '${D}'`)
    expect(planned.partitions.find((p: any) => p.partition_date === D).rows).toBe(Number(silverRows))
    expect(await runNows()).toEqual([])
    expect(await newestBackfill()).toBeUndefined()

    // A workspace without the lineage API: the manifest's order stands in, and the plan says so in one line.
    await ws.fault({method: 'GET', path: '/api/2.0/lineage-tracking/table-lineage', status: 404, error_code: 'ENDPOINT_NOT_FOUND', count: 100})
    try {
      const fallback = await ws.run(['backfill', 'silver', '--from', D, '--to', D, '--plan'])
      expect(fallback.code, fallback.stderr).toBe(0)
      expect(fallback.stdout).toMatch(/^Downstream layers from the pipeline manifest's order \(gold\), not lineage: lineage is not available here \(ENDPOINT_NOT_FOUND\)\.$/m)
      const fallbackJson = await ws.run(['backfill', 'silver', '--from', D, '--to', D, '--plan', '--json'])
      expect(fallbackJson.json().plan).toMatchObject({downstream_layers: ['gold'], downstream_source: 'manifest', downstream_fallback: 'lineage is not available here (ENDPOINT_NOT_FOUND)'})
    } finally {
      await ws.clearFaults()
    }

    const empty = await ws.run(['backfill', 'gold', '--from', '2026-01-01', '--to', '2026-01-03', '--yes'])
    expect(empty.code, empty.stderr).toBe(0)
    expect(empty.stdout).toMatch(/The range holds no data: every partition is empty, nothing changed\./)
    expect(empty.stderr).toMatch(/^gold 2026-01-01 running \(run \d+, attempt 1\)$/m)
  })

  it('restores exactly the day whose Silver rows were deleted (missing), and Gold follows', async () => {
    const before = await sql(`SELECT event_date, count(*), min(silver_batch_id) FROM ${CATALOG}.silver.customer_events_cleaned GROUP BY event_date ORDER BY event_date`)
    const expectedDay = Number(before.find(([day]) => day === D)![1])
    await sql(`DELETE FROM ${CATALOG}.silver.customer_events_cleaned WHERE event_date = '${D}'`)
    const result = await ws.run(['backfill', 'silver', '--from', D, '--to', D, '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const backfill = result.json()
    expect(backfill).toMatchObject({state: 'succeeded', outcome: 'finished', counts: {partitions: 2, succeeded: 2, failed: 0}, next: []})
    expect(backfill.partitions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({layer: 'silver', partition_date: D, state: 'succeeded', attempts: 1, rows_before: 0, rows_after: expectedDay}),
        expect.objectContaining({layer: 'gold', partition_date: D, state: 'succeeded', attempts: 1}),
      ]),
    )
    // The other days were not touched: their rows keep the stream's batch ids.
    const after = await sql(`SELECT event_date, count(*), min(silver_batch_id) FROM ${CATALOG}.silver.customer_events_cleaned GROUP BY event_date ORDER BY event_date`)
    expect(after.filter(([day]) => day !== D)).toEqual(before.filter(([day]) => day !== D))
    expect(after.find(([day]) => day === D)).toEqual([D, String(expectedDay), String(-20261126)])
    await expectOracle()
    // Running it again changes nothing, and says nothing was missing.
    const again = (await ws.run(['backfill', 'silver', '--from', D, '--to', D, '--yes', '--json'])).json()
    expect(again.partitions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({layer: 'silver', state: 'succeeded', rows_before: expectedDay, rows_after: expectedDay}),
        expect.objectContaining({layer: 'gold', state: 'skipped', error: 'the Silver partition did not change'}),
      ]),
    )
  })

  it("re-enriches every affected day after a product's category changes (replace), while events keep arriving", async () => {
    const [[product, days]] = await sql(
      `SELECT product_id, count(DISTINCT event_date) FROM ${CATALOG}.silver.customer_events_cleaned WHERE product_category IS NOT NULL GROUP BY product_id ORDER BY 2 DESC, 1 LIMIT 1`,
    )
    expect(Number(days)).toBeGreaterThan(2)
    await sql(`UPDATE ${CATALOG}.silver.products SET product_category = 'relabelled' WHERE product_id = '${product}'`)
    reference = loadReferenceData()
    reference.products.set(String(product), {...reference.products.get(String(product))!, product_category: 'relabelled'})
    const [[first, last]] = await sql(`SELECT CAST(min(event_date) AS VARCHAR), CAST(max(event_date) AS VARCHAR) FROM ${CATALOG}.silver.customer_events_cleaned`)
    const started = ws.start(['backfill', 'silver', '--from', String(first), '--to', String(last), '--mode', 'replace', '--concurrency', '3', '--yes', '--json'])
    // The streams keep running: new events (enriched with the new category) land during the backfill.
    await produce(3000, 32)
    const result = await started.result
    expect(result.code, result.stderr).toBe(0)
    const backfill = result.json()
    expect(backfill.state).toBe('succeeded')
    const silverDays = backfill.partitions.filter((p: any) => p.layer === 'silver').map((p: any) => p.partition_date)
    const goldDays = backfill.partitions.filter((p: any) => p.layer === 'gold' && p.state === 'succeeded').map((p: any) => p.partition_date)
    expect(goldDays.sort()).toEqual(silverDays.sort())
    const [[stale]] = await sql(`SELECT count(*) FROM ${CATALOG}.silver.customer_events_cleaned WHERE product_id = '${product}' AND product_category <> 'relabelled'`)
    expect(Number(stale)).toBe(0)
    const [[relabelled]] = await sql(`SELECT count(*) FROM ${CATALOG}.gold.sentiment_summary WHERE product_category = 'relabelled'`)
    expect(Number(relabelled)).toBeGreaterThan(0)
    await expectOracle()
  }, 120_000)

  it('resumes after a kill -9 of the CLI: every partition succeeds, with one run-now and one run per partition and attempt', async () => {
    await ws.clearRequests()
    const since = Date.now()
    const started = ws.start(['backfill', 'gold', '--from', '2026-11-20', '--to', '2026-11-29', '--mode', 'replace', '--concurrency', '2', '--yes'])
    const id = await waitFor('the backfill to be recorded', newestBackfillSince(since))
    await waitFor('two partitions to succeed', async () => ((await attempts(id)).filter((a) => a.state === 'succeeded').length >= 2 ? true : undefined))
    // Hold every poll of a run: lakectl ends up waiting on runs/get with each run-now answered and recorded.
    await ws.fault({method: 'GET', path: `${JOBS}/runs/get`, delay_ms: 60_000, count: 1000})
    await waitFor('both workers to wait on a run', async () => ((await ws.requests()).filter((r) => r.path === `${JOBS}/runs/get` && r.status === 0).length >= 2 ? true : undefined))
    started.child.kill('SIGKILL')
    expect((await started.result).code).toBe(-1)
    await ws.clearFaults()
    const killed = await attempts(id)
    expect(killed.some((a) => a.state === 'running')).toBe(true)
    expect(killed.some((a) => a.state === 'pending')).toBe(true)

    const resumed = await ws.run(['backfill', 'resume', id, '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.json()).toMatchObject({state: 'succeeded', counts: {partitions: 10, succeeded: 10}})
    const final = await attempts(id)
    expect(final.map((a) => [a.date, a.attempt, a.state])).toEqual(Array.from({length: 10}, (_, i) => [`2026-11-${String(20 + i)}`, 1, 'succeeded']))
    // One run-now per partition and attempt, and one run each: none ran twice.
    expect((await runNows()).length).toBe(10)
    const runs = (await ws.jobRuns(backfillJob)).filter((run) => run.start_time >= since)
    expect(runs.length).toBe(10)
    expect(new Set(runs.map((run) => run.run_id))).toEqual(new Set(final.map((a) => a.run_id)))
    expect(new Set(runs.map((run) => run.job_parameters.find((p: any) => p.name === 'partition_date').value)).size).toBe(10)
    await expectOracle()
  }, 120_000)

  it('retries a run-now answered 503 with the same token: one run starts', async () => {
    await ws.clearRequests()
    const since = Date.now()
    // The run is created, then the answer is lost.
    await ws.fault({method: 'POST', path: `${JOBS}/run-now`, status: 503, retry_after: '0', when: 'after', count: 1})
    const result = await ws.run(['backfill', 'gold', '--from', D, '--to', D, '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect((await runNows()).map((r) => r.status)).toEqual([503, 200])
    const runs = (await ws.jobRuns(backfillJob)).filter((run) => run.start_time >= since)
    expect(runs.map((run) => run.run_id)).toEqual([result.json().partitions[0].run_id])
    expect(await attempts(result.json().backfill_id)).toEqual([expect.objectContaining({attempt: 1, state: 'succeeded', run_id: runs[0].run_id})])

    // A record left saying interrupted (lakectl stopped while writing its end): resume runs nothing
    // and settles it.
    const id = result.json().backfill_id
    await sql(`UPDATE ${CATALOG}.ops.backfills SET state = 'interrupted' WHERE backfill_id = '${id}'`)
    await ws.clearRequests()
    const resumed = await ws.run(['backfill', 'resume', id, '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.json()).toMatchObject({state: 'succeeded', outcome: 'finished', next: []})
    expect(await runNows()).toEqual([])
    expect((await sql(`SELECT state FROM ${CATALOG}.ops.backfills WHERE backfill_id = '${id}'`))[0][0]).toBe('succeeded')
  })

  it('retries a failing partition with backoff, keeps the others going, exits 3, and retry fixes it once the cause is gone', async () => {
    failures.set('gold 2026-11-24', 2)
    failures.set('gold 2026-11-25', 1000)
    const result = await ws.run(['backfill', 'gold', '--from', '2026-11-23', '--to', '2026-11-26', '--yes'])
    expect(result.code, result.stderr).toBe(3)
    const id = result.stdout.match(/Backfill (bf-\S+):/)![1]
    expect(result.stdout).toContain(`1 partition failed (the others stand). Fix the cause, then retry them with: lakectl backfill retry ${id}`)
    expect(result.stderr).toMatch(/gold 2026-11-24 failed \(run \d+, attempt 1\): run \d+ ended FAILED: Task backfill failed with message: injected failure of gold 2026-11-24\.; retrying in \d+\.\ds/)
    expect(result.stderr).toMatch(/gold 2026-11-25 failed \(run \d+, attempt 3\): .*injected failure of gold 2026-11-25\.$/m)
    const latest = (all: Awaited<ReturnType<typeof attempts>>) => Object.fromEntries(all.map((a) => [a.date, [a.attempt, a.state]]))
    expect(latest(await attempts(id))).toEqual({'2026-11-23': [1, 'succeeded'], '2026-11-24': [3, 'succeeded'], '2026-11-25': [3, 'failed'], '2026-11-26': [1, 'succeeded']})
    const status = await ws.run(['backfill', 'status', id, '--json'])
    expect(status.json()).toMatchObject({state: 'failed', counts: {failed: 1, succeeded: 3}, next: [`lakectl backfill retry ${id}`]})

    failures.clear()
    await ws.clearRequests()
    const retried = await ws.run(['backfill', 'retry', id, '--json'])
    expect(retried.code, retried.stderr).toBe(0)
    expect(retried.json()).toMatchObject({state: 'succeeded', counts: {partitions: 4, succeeded: 4, failed: 0}})
    expect(latest(await attempts(id))['2026-11-25']).toEqual([4, 'succeeded'])
    // Only the failed partition ran again.
    expect((await runNows()).length).toBe(1)
    await expectOracle()
  }, 90_000)

  it('exits 130 on Ctrl-C with the runs going on, and resume finishes', async () => {
    blocked = `gold ${D}`
    const started = ws.start(['backfill', 'gold', '--from', '2026-11-25', '--to', '2026-11-27', '--concurrency', '1', '--order', 'newest', '--yes'])
    const id = await waitFor('the backfill to be recorded', newestBackfillSince(Date.now() - 1000))
    await waitFor('a partition to run', async () => ((await attempts(id)).some((a) => a.date === D && a.state === 'running') ? true : undefined))
    started.child.kill('SIGINT')
    const interrupted = await started.result
    expect(interrupted.code, interrupted.stderr).toBe(130)
    expect(interrupted.stdout).toContain(`Interrupted: 1 run continues in the background and 1 partition did not start.`)
    expect(interrupted.stdout).toContain(`Continue it with: lakectl backfill resume ${id}`)
    const [running] = (await attempts(id)).filter((a) => a.state === 'running')
    // The run goes on without lakectl.
    await waitFor('the run to run', async () => ((await ws.api('GET', `${JOBS}/runs/get?run_id=${running.run_id}`)).state.life_cycle_state === 'RUNNING' ? true : undefined))
    expect((await sql(`SELECT state FROM ${CATALOG}.ops.backfills WHERE backfill_id = '${id}'`))[0][0]).toBe('interrupted')

    blocked = undefined
    // The blocked run only ends when cancelled: cancel it, then resume runs it again.
    const cancelled = await ws.run(['backfill', 'cancel', id, '--yes', '--json'])
    expect(cancelled.code, cancelled.stderr).toBe(0)
    expect(cancelled.json()).toMatchObject({state: 'cancelled', cancelled_now: 2, next: [`lakectl backfill resume ${id}`]})
    await waitFor('the run to be cancelled', async () => {
      const run = await ws.api('GET', `${JOBS}/runs/get?run_id=${running.run_id}`)
      return run.state.result_state === 'CANCELED' ? true : undefined
    })
    // Cancelling again finds nothing to cancel, says so and leaves the record as it is.
    const recorded = async () => sql(`SELECT state, updated_at FROM ${CATALOG}.ops.backfills WHERE backfill_id = '${id}'`)
    const before = await recorded()
    await ws.clearRequests()
    const again = await ws.run(['backfill', 'cancel', id, '--yes'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain(`Nothing to cancel: no partition of ${id} is running or waiting.`)
    expect(await recorded()).toEqual(before)
    expect((await ws.requests()).filter((r) => r.path.startsWith(`${JOBS}/runs/cancel`))).toEqual([])
    const resumed = await ws.run(['backfill', 'resume', id, '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.json()).toMatchObject({state: 'succeeded', counts: {partitions: 3, succeeded: 3}})
  }, 60_000)

  it('on a terminal: asks first, draws a progress bar, and Ctrl-C offers to cancel the runs', async () => {
    blocked = `gold ${D}`
    const session = startPty(['backfill', 'gold', '--from', D, '--to', D], {env: ws.env({CI: undefined}), cwd: ws.projectDir, columns: 160})
    await session.waitFor(/Backfill 1 partition of gold \(missing\)\?/)
    expect(screenText(session.output())).toMatch(/Plan: 1 partition of gold \(2026-11-26\.\.2026-11-26, oldest first, missing\) as runs of job \d+, 2 at a time/)
    session.write('y\r')
    await session.waitFor(/\[\.{20}\] 0\/1 done, 1 running, 0 failed, \d+s elapsed/, 30_000)
    const id = (await newestBackfill())!
    const [running] = (await attempts(id)).filter((a) => a.state === 'running')
    session.write('\u0003')
    await session.waitFor(/1 run of bf-\S+ continue in the background\. Cancel it\?/)
    session.write('y\r')
    const {code, output} = await session.result
    blocked = undefined
    expect(code, screenText(output)).toBe(130)
    expect(screenText(output)).toContain(`Cancelled: the active runs were cancelled. Continue it later with: lakectl backfill resume ${id}`)
    await waitFor('the run to be cancelled', async () => ((await ws.api('GET', `${JOBS}/runs/get?run_id=${running.run_id}`)).state.result_state === 'CANCELED' ? true : undefined))
    expect((await attempts(id)).map((a) => a.state)).toEqual(['cancelled'])
    expect((await sql(`SELECT state FROM ${CATALOG}.ops.backfills WHERE backfill_id = '${id}'`))[0][0]).toBe('cancelled')
  }, 60_000)

  it('exits 8 at --timeout naming status and resume, and --no-wait returns after starting', async () => {
    await ws.fault({method: 'GET', path: `${JOBS}/runs/get`, delay_ms: 1500, count: 1000})
    const timedOut = await ws.run(['backfill', 'gold', '--from', '2026-11-24', '--to', '2026-11-26', '--timeout', '1', '--yes'])
    await ws.clearFaults()
    expect(timedOut.code, timedOut.stderr).toBe(8)
    const id = timedOut.stdout.match(/Backfill (bf-\S+):/)![1]
    expect(timedOut.stdout).toContain(`Follow it with: lakectl backfill status ${id}`)
    expect(timedOut.stdout).toContain(`Continue it with: lakectl backfill resume ${id}`)
    expect((await ws.run(['backfill', 'resume', id])).code).toBe(0)

    const noWait = await ws.run(['backfill', 'gold', '--from', '2026-11-24', '--to', '2026-11-26', '--concurrency', '1', '--no-wait', '--yes', '--json'])
    expect(noWait.code, noWait.stderr).toBe(0)
    expect(noWait.json()).toMatchObject({outcome: 'started', state: 'running', counts: {running: 1, pending: 2}})
    const list = await ws.run(['backfill', 'list', '--json'])
    expect(list.json().backfills[0]).toMatchObject({backfill_id: noWait.json().backfill_id, state: 'running', partitions: 3})
    expect((await ws.run(['backfill', 'resume', noWait.json().backfill_id])).code).toBe(0)
    const status = await ws.run(['backfill', 'status'])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(new RegExp(`Backfill ${noWait.json().backfill_id}: gold 2026-11-24..2026-11-26 \\(missing\\), 3 partitions: 3 succeeded \\(succeeded, `))
    await expectOracle()
  }, 60_000)

  /** Polls for a backfill created since the time given. */
  function newestBackfillSince(since: number): () => Promise<string | undefined> {
    return async () => {
      const [row] = await sql(`SELECT backfill_id FROM ${CATALOG}.ops.backfills WHERE created_at >= CAST('${new Date(since).toISOString().replace('T', ' ').replace('Z', '')}' AS TIMESTAMP) ORDER BY created_at DESC LIMIT 1`)
      return row?.[0] as string | undefined
    }
  }
})
