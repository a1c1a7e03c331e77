/**
 * Runs of the local Jobs API: life cycle through the executors, idempotent run-now, cancel, queueing,
 * failures, continuous jobs (pause/unpause, backoff restarts, run-now restarts) and restarts of the
 * workspace.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from '../local/harness.js'
import {createJob, getRun, JOB_LIMITS, JOBS, jobSettings, running, runs, runsUntil, runUntil, task, terminal} from './fixtures.js'

let server: TestServer

beforeAll(async () => {
  server = await TestServer.start({limits: JOB_LIMITS})
})

afterAll(async () => {
  await server?.stop()
})

async function runNow(jobId: number, extra: Record<string, unknown> = {}): Promise<number> {
  return (await server.ok('POST', `${JOBS}/run-now`, {job_id: jobId, ...extra})).run_id
}

describe('one-time runs', () => {
  it('goes PENDING -> RUNNING -> TERMINATED SUCCESS, with times, parameters and tasks', async () => {
    const jobId = await createJob(server, {
      name: 'Once',
      parameters: [{name: 'layer', default: 'silver'}, {name: 'partition_date', default: ''}],
      tasks: [task('test_ok.py', ['--layer', '{{job.parameters.layer}}', '--date', '{{job.parameters.partition_date}}'])],
    })
    const runId = await runNow(jobId, {job_parameters: {partition_date: '2026-11-26'}})
    const pending = await getRun(server, runId)
    expect(['PENDING', 'RUNNING', 'TERMINATED']).toContain(pending.state.life_cycle_state)
    const run = await runUntil(server, runId, terminal)
    expect(run).toMatchObject({
      job_id: jobId,
      run_id: runId,
      number_in_job: runId,
      trigger: 'ONE_TIME',
      run_type: 'JOB_RUN',
      state: {life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', user_cancelled_or_timedout: false},
      status: {state: 'TERMINATED', termination_details: {code: 'SUCCESS', type: 'SUCCESS'}},
      job_parameters: [
        {name: 'layer', default: 'silver', value: 'silver'},
        {name: 'partition_date', default: '', value: '2026-11-26'},
      ],
    })
    // A run's job parameters are its job_parameters[] values; RunParameters has no job_parameters.
    expect(run).not.toHaveProperty('overriding_parameters')
    expect(run.end_time).toBeGreaterThanOrEqual(run.start_time)
    expect(run.run_duration).toBe(run.end_time - run.start_time)
    expect(run.tasks).toEqual([expect.objectContaining({task_key: 'main', state: expect.objectContaining({result_state: 'SUCCESS'})})])
    expect(server.logLines.join('\n')).toContain(`ok with {"layer":"silver","date":"2026-11-26"}`)
  })

  it('reports 0 as end_time while running, and RUNNING in both state shapes', async () => {
    const jobId = await createJob(server, jobSettings('Looping', 'test_loop.py'))
    const run = await runUntil(server, await runNow(jobId), running)
    expect(run.end_time).toBe(0)
    expect(run.status.state).toBe('RUNNING')
    await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: run.run_id})
    await runUntil(server, run.run_id, terminal)
  })

  it('starts exactly one run per idempotency token', async () => {
    const jobId = await createJob(server, jobSettings('Idempotent', 'test_ok.py'))
    const token = 'retry-me-0001'
    const first = await runNow(jobId, {idempotency_token: token})
    const again = await runNow(jobId, {idempotency_token: token})
    expect(again).toBe(first)
    await runUntil(server, first, terminal)
    expect(await runNow(jobId, {idempotency_token: token})).toBe(first)
    expect((await runs(server, jobId)).map((r) => r.run_id)).toEqual([first])
    expect((await server.call('POST', `${JOBS}/run-now`, {job_id: jobId, idempotency_token: 'x'.repeat(65)})).status).toBe(400)
  })

  it('refuses job parameters the job does not define, and unknown jobs', async () => {
    const jobId = await createJob(server, jobSettings('Strict', 'test_ok.py'))
    expect((await server.call('POST', `${JOBS}/run-now`, {job_id: jobId, job_parameters: {nope: '1'}})).status).toBe(400)
    const missing = await server.call('POST', `${JOBS}/run-now`, {job_id: 99999999})
    expect(missing.status).toBe(404)
    expect(missing.body.message).toBe('Job 99999999 does not exist.')
  })

  it('fails the run with the task error as state_message', async () => {
    const jobId = await createJob(server, jobSettings('Failing', 'test_fail.py'))
    const run = await runUntil(server, await runNow(jobId), terminal)
    expect(run.state).toMatchObject({life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'Task main failed with message: boom.'})
    expect(run.status.termination_details).toMatchObject({code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR'})
  })

  it('fails a task whose python file has no executor, naming the ones it has', async () => {
    const jobId = await createJob(server, jobSettings('Unknown', 'nothing_here.py'))
    const run = await runUntil(server, await runNow(jobId), terminal)
    expect(run.state.result_state).toBe('FAILED')
    expect(run.state.state_message).toMatch(/no executor for '\/Shared\/lakectl\/pyspark\/nothing_here\.py' \(it runs .*silver\.py/)
  })

  it('skips the tasks downstream of a failed one', async () => {
    const jobId = await createJob(server, {name: 'DAG', tasks: [task('test_fail.py', [], 'first'), {...task('test_ok.py', [], 'second'), depends_on: [{task_key: 'first'}]}]})
    const run = await runUntil(server, await runNow(jobId), terminal)
    expect(run.state.state_message).toBe('Task first failed with message: boom.')
    expect(run.tasks.find((t: any) => t.task_key === 'second').state.result_state).toBe('UPSTREAM_FAILED')
  })

  it('times a run out after timeout_seconds', async () => {
    const jobId = await createJob(server, jobSettings('Slow', 'test_loop.py', {timeout_seconds: 1}))
    const run = await runUntil(server, await runNow(jobId), terminal)
    expect(run.state).toMatchObject({result_state: 'TIMEDOUT', user_cancelled_or_timedout: true})
  })

  it('runs a submitted one-time run without a job', async () => {
    const {run_id: runId} = await server.ok('POST', `${JOBS}/runs/submit`, {run_name: 'adhoc', tasks: [task('test_ok.py')]})
    const run = await runUntil(server, runId, terminal)
    expect(run).toMatchObject({run_type: 'SUBMIT_RUN', run_name: 'adhoc', state: {result_state: 'SUCCESS'}})
    expect(run.job_id).toBeUndefined()
  })
})

describe('runs/cancel, runs/list and queueing', () => {
  it('cancels asynchronously: TERMINATING then TERMINATED CANCELED; a finished run is a no-op', async () => {
    const jobId = await createJob(server, jobSettings('Cancel', 'test_loop.py'))
    const runId = await runNow(jobId)
    await runUntil(server, runId, running)
    await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: runId})
    const run = await runUntil(server, runId, terminal)
    expect(run.state).toMatchObject({life_cycle_state: 'TERMINATED', result_state: 'CANCELED', user_cancelled_or_timedout: true})
    expect(run.status.termination_details.code).toBe('USER_CANCELED')
    await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: runId})
    expect((await getRun(server, runId)).end_time).toBe(run.end_time)
    expect((await server.call('POST', `${JOBS}/runs/cancel`, {run_id: 424242424})).status).toBe(404)
    expect((await server.call('GET', `${JOBS}/runs/get?run_id=424242424`)).body.error_code).toBe('RESOURCE_DOES_NOT_EXIST')
  })

  it('lists newest first with active_only / completed_only filters and paging', async () => {
    const jobId = await createJob(server, jobSettings('Listing', 'test_loop.py', {max_concurrent_runs: 5}))
    const ids = [await runNow(jobId), await runNow(jobId), await runNow(jobId)]
    await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: ids[0]})
    await runUntil(server, ids[0], terminal)
    expect((await runs(server, jobId)).map((r) => r.run_id)).toEqual([...ids].reverse())
    expect((await runs(server, jobId, '&active_only=true')).map((r) => r.run_id)).toEqual([ids[2], ids[1]])
    expect((await runs(server, jobId, '&completed_only=true')).map((r) => r.run_id)).toEqual([ids[0]])
    expect((await server.call('GET', `${JOBS}/runs/list?job_id=${jobId}&active_only=true&completed_only=true`)).status).toBe(400)
    const first = await server.ok('GET', `${JOBS}/runs/list?job_id=${jobId}&limit=2`)
    expect(first.runs.map((r: any) => r.run_id)).toEqual([ids[2], ids[1]])
    expect(first.runs[0].tasks).toBeUndefined()
    const second = await server.ok('GET', `${JOBS}/runs/list?job_id=${jobId}&limit=2&page_token=${first.next_page_token}`)
    expect(second.runs.map((r: any) => r.run_id)).toEqual([ids[0]])
    expect(second.has_more).toBe(false)
    expect((await server.call('GET', `${JOBS}/runs/list?limit=26`)).status).toBe(400)
    await server.ok('POST', `${JOBS}/runs/cancel-all`, {job_id: jobId})
    await runsUntil(server, jobId, (list) => list.every(terminal))
  })

  it('queues a run beyond max_concurrent_runs (2.2) and skips it without queueing (2.1)', async () => {
    const queued = await createJob(server, jobSettings('Queue', 'test_loop.py'))
    const first = await runNow(queued)
    const second = await runNow(queued)
    expect((await getRun(server, second)).state.life_cycle_state).toBe('QUEUED')
    expect((await getRun(server, second)).status.queue_details.code).toBe('MAX_CONCURRENT_RUNS_REACHED')
    await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: first})
    await runUntil(server, second, running)
    await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: second})

    const skipping = await createJob(server, jobSettings('Skip', 'test_loop.py'), '/api/2.1/jobs')
    const active = await runNow(skipping)
    const skipped = await getRun(server, await runNow(skipping))
    expect(skipped.state).toMatchObject({life_cycle_state: 'SKIPPED', result_state: 'MAXIMUM_CONCURRENT_RUNS_REACHED'})
    expect(skipped.status.termination_details.code).toBe('MAX_CONCURRENT_RUNS_EXCEEDED')
    await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: active})
  })

  it("honours run-now's queue over the job's setting", async () => {
    const legacy = await createJob(server, jobSettings('Queue on request', 'test_loop.py'), '/api/2.1/jobs')
    const active = await runNow(legacy)
    const queued = await runNow(legacy, {queue: {enabled: true}})
    expect((await getRun(server, queued)).state.life_cycle_state).toBe('QUEUED')
    const queueing = await createJob(server, jobSettings('Skip on request', 'test_loop.py'))
    const other = await runNow(queueing)
    expect((await getRun(server, await runNow(queueing, {queue: {enabled: false}}))).state.life_cycle_state).toBe('SKIPPED')
    expect((await server.call('POST', `${JOBS}/run-now`, {job_id: queueing, queue: {enabled: 'yes'}})).status).toBe(400)
    await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: active})
    expect((await runUntil(server, queued, running)).run_id).toBe(queued)
    for (const runId of [queued, other]) await server.ok('POST', `${JOBS}/runs/cancel`, {run_id: runId})
  })

  it('cancels the active runs of a deleted job', async () => {
    const jobId = await createJob(server, jobSettings('Doomed', 'test_loop.py'))
    const runId = await runNow(jobId)
    await runUntil(server, runId, running)
    await server.ok('POST', `${JOBS}/delete`, {job_id: jobId})
    expect((await runUntil(server, runId, terminal)).state.result_state).toBe('CANCELED')
  })
})

describe('continuous jobs', () => {
  it('keeps one run while UNPAUSED, ends it when PAUSED, starts a new one when UNPAUSED again', async () => {
    const jobId = await createJob(server, jobSettings('Stream', 'test_loop.py', {continuous: {pause_status: 'UNPAUSED'}}))
    const [first] = await runsUntil(server, jobId, (list) => list.length === 1 && running(list[0]))
    expect(first.trigger).toBe('CONTINUOUS')
    await server.ok('POST', `${JOBS}/update`, {job_id: jobId, new_settings: {continuous: {pause_status: 'PAUSED'}}})
    const stopped = await runUntil(server, first.run_id, terminal)
    expect(stopped.state.result_state).toBe('CANCELED')
    expect((await runs(server, jobId, '&active_only=true'))).toEqual([])
    await server.ok('POST', `${JOBS}/update`, {job_id: jobId, new_settings: {continuous: {pause_status: 'UNPAUSED'}}})
    const list = await runsUntil(server, jobId, (l) => l.length === 2 && running(l[0]))
    expect(list[0].run_id).not.toBe(first.run_id)
    // run-now on an unpaused continuous job restarts its run.
    const restarted = await runNow(jobId)
    await runUntil(server, restarted, running)
    expect((await getRun(server, list[0].run_id)).state.result_state).toBe('CANCELED')
    expect(await runs(server, jobId, '&active_only=true')).toHaveLength(1)
    await server.ok('POST', `${JOBS}/update`, {job_id: jobId, new_settings: {continuous: {pause_status: 'PAUSED'}}})
    await runsUntil(server, jobId, (l) => l.every(terminal))
  })

  it('starts a run on run-now while PAUSED, without the job restarting it afterwards', async () => {
    const jobId = await createJob(server, jobSettings('Paused', 'test_ok.py', {continuous: {pause_status: 'PAUSED'}}))
    const runId = await runNow(jobId)
    expect((await runUntil(server, runId, terminal)).state.result_state).toBe('SUCCESS')
    expect(await runs(server, jobId)).toHaveLength(1)
  })

  it('restarts a failed run with exponential backoff (CONTINUOUS_RESTART), then keeps the healthy run', async () => {
    const jobId = await createJob(server, {name: 'Flaky', tasks: [task('test_flaky.py', ['--key', 'flaky', '--fail-times', '3'])], continuous: {pause_status: 'UNPAUSED'}})
    const list = await runsUntil(server, jobId, (l) => l.length >= 4 && running(l[0]), 15_000)
    const ordered = [...list].reverse()
    expect(ordered.slice(0, 3).map((r) => r.state.state_message)).toEqual([1, 2, 3].map((n) => `Task main failed with message: flaky failure ${n}.`))
    expect(ordered.slice(1).every((r) => r.trigger === 'CONTINUOUS_RESTART')).toBe(true)
    // Each restart waits longer: 100 ms, 200 ms, 400 ms after the failed run ended.
    const gaps = ordered.slice(1).map((r, i) => r.start_time - ordered[i].end_time)
    expect(gaps[0]).toBeGreaterThanOrEqual(90)
    expect(gaps[1]).toBeGreaterThanOrEqual(190)
    expect(gaps[2]).toBeGreaterThanOrEqual(390)
    await server.ok('POST', `${JOBS}/update`, {job_id: jobId, new_settings: {continuous: {pause_status: 'PAUSED'}}})
    await runsUntil(server, jobId, (l) => l.every(terminal))
  })

  it('resumes every unpaused continuous job with a new run when the workspace restarts', async () => {
    const jobId = await createJob(server, jobSettings('Resumed', 'test_loop.py', {continuous: {pause_status: 'UNPAUSED'}}))
    const [before] = await runsUntil(server, jobId, (l) => l.length === 1 && running(l[0]))
    await server.restart()
    expect((await getRun(server, before.run_id)).state).toMatchObject({life_cycle_state: 'TERMINATED', result_state: 'CANCELED'})
    const list = await runsUntil(server, jobId, (l) => l.length === 2 && running(l[0]))
    expect(list[0].trigger).toBe('CONTINUOUS_RESTART')
  })

  it('ends runs that were active when the workspace died as INTERNAL_ERROR, then resumes', async () => {
    const jobId = await createJob(server, jobSettings('Crashed', 'test_loop.py', {continuous: {pause_status: 'UNPAUSED'}}))
    const [active] = await runsUntil(server, jobId, (l) => l.length === 1 && running(l[0]))
    await server.workspace.close()
    // What a kill -9 leaves: the state file still shows the run RUNNING.
    const file = path.join(server.stateDir, 'jobs.json')
    const state = JSON.parse(readFileSync(file, 'utf8'))
    Object.assign(state.runs[active.run_id], {life_cycle_state: 'RUNNING', result_state: undefined, end_time: 0})
    writeFileSync(file, JSON.stringify(state))
    await server.restart()
    const crashed = await getRun(server, active.run_id)
    expect(crashed.state).toMatchObject({life_cycle_state: 'INTERNAL_ERROR', result_state: 'FAILED'})
    expect(crashed.state.state_message).toMatch(/local workspace restarted while the run was RUNNING/)
    await runsUntil(server, jobId, (l) => l.length === 2 && running(l[0]))
  })
})
