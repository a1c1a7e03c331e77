/** Jobs API 2.2 / 2.1 CRUD on the local workspace: bodies, defaults, paging, update merge, errors. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from '../local/harness.js'
import {createJob, JOB_LIMITS, JOBS, jobSettings, task} from './fixtures.js'

let server: TestServer

beforeAll(async () => {
  server = await TestServer.start({limits: JOB_LIMITS})
})

afterAll(async () => {
  await server?.stop()
})

describe('jobs/create and jobs/get', () => {
  it('returns the job id and the settings with the server defaults (2.2 queues by default, 2.1 does not)', async () => {
    const jobId = await createJob(server, {...jobSettings('Nightly', 'test_ok.py'), tags: {team: 'data'}, parameters: [{name: 'day', default: '2026-11-26'}]})
    const job = await server.ok('GET', `${JOBS}/get?job_id=${jobId}`)
    expect(job).toMatchObject({job_id: jobId, creator_user_name: expect.any(String), created_time: expect.any(Number)})
    expect(job.settings).toMatchObject({
      name: 'Nightly',
      tags: {team: 'data'},
      max_concurrent_runs: 1,
      timeout_seconds: 0,
      format: 'MULTI_TASK',
      queue: {enabled: true},
      tasks: [task('test_ok.py')],
      parameters: [{name: 'day', default: '2026-11-26'}],
    })
    const legacy = await createJob(server, jobSettings('Legacy', 'test_ok.py'), '/api/2.1/jobs')
    expect((await server.ok('GET', `/api/2.1/jobs/get?job_id=${legacy}`)).settings.queue).toEqual({enabled: false})
  })

  it('defaults a continuous job to UNPAUSED, as the API does', async () => {
    const jobId = await createJob(server, jobSettings('Paused stream', 'test_loop.py', {continuous: {pause_status: 'PAUSED'}}))
    expect((await server.ok('GET', `${JOBS}/get?job_id=${jobId}`)).settings.continuous).toEqual({pause_status: 'PAUSED'})
  })

  it('answers a missing job with 404 RESOURCE_DOES_NOT_EXIST and a missing job_id with 400', async () => {
    const missing = await server.call('GET', `${JOBS}/get?job_id=987654321`)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Job 987654321 does not exist.'})
    const noId = await server.call('GET', `${JOBS}/get`)
    expect(noId.status).toBe(400)
    expect(noId.body.error_code).toBe('INVALID_PARAMETER_VALUE')
    expect((await server.call('GET', `${JOBS}/get?job_id=abc`)).status).toBe(400)
  })

  it.each([
    ['duplicate task keys', {name: 'x', tasks: [task('a.py'), task('b.py')]}, /more than one task/],
    ['two task types', {name: 'x', tasks: [{...task('a.py'), notebook_task: {notebook_path: '/n'}}]}, /exactly one task type/],
    ['an unknown dependency', {name: 'x', tasks: [{...task('a.py'), depends_on: [{task_key: 'nope'}]}]}, /depends on 'nope'/],
    ['a dependency cycle', {name: 'x', tasks: [{...task('a.py', [], 'a'), depends_on: [{task_key: 'b'}]}, {...task('b.py', [], 'b'), depends_on: [{task_key: 'a'}]}]}, /cycle/],
    ['schedule and continuous', {name: 'x', tasks: [task('a.py')], continuous: {}, schedule: {quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC'}}, /at most one of/],
    ['a bad parameter name', {name: 'x', tasks: [task('a.py')], parameters: [{name: 'bad name', default: ''}]}, /parameter names/],
    ['max_concurrent_runs out of range', {name: 'x', tasks: [task('a.py')], max_concurrent_runs: 1001}, /max_concurrent_runs/],
  ])('rejects %s with 400 INVALID_PARAMETER_VALUE', async (_what, settings, message) => {
    const before = (await server.ok('GET', `${JOBS}/list?limit=100`)).jobs?.length ?? 0
    const response = await server.call('POST', `${JOBS}/create`, settings)
    expect(response.status).toBe(400)
    expect(response.body.error_code).toBe('INVALID_PARAMETER_VALUE')
    expect(response.body.message).toMatch(message)
    expect((await server.ok('GET', `${JOBS}/list?limit=100`)).jobs?.length ?? 0).toBe(before)
  })
})

describe('jobs/list', () => {
  it('pages with limit and next_page_token, lists without tasks unless expand_tasks, filters by exact name', async () => {
    for (const name of ['Page A', 'Page B', 'Page C']) await createJob(server, jobSettings(name, 'test_ok.py'))
    const all = (await server.ok('GET', `${JOBS}/list?limit=100`)).jobs
    const seen: number[] = []
    let token: string | undefined
    let pages = 0
    do {
      const page = await server.ok('GET', `${JOBS}/list?limit=2${token ? `&page_token=${token}` : ''}`)
      seen.push(...page.jobs.map((job: any) => job.job_id))
      expect(page.has_more).toBe(page.next_page_token !== undefined)
      if (pages > 0) expect(page.prev_page_token).toBeTruthy()
      token = page.next_page_token
      pages++
    } while (token)
    expect(seen).toEqual(all.map((job: any) => job.job_id))
    expect(new Set(seen).size).toBe(seen.length)
    expect(all[0].settings.tasks).toBeUndefined()
    expect((await server.ok('GET', `${JOBS}/list?limit=100&expand_tasks=true`)).jobs[0].settings.tasks).toHaveLength(1)
    const byName = await server.ok('GET', `${JOBS}/list?name=${encodeURIComponent('page b')}`)
    expect(byName.jobs.map((job: any) => job.settings.name)).toEqual(['Page B'])
    expect((await server.ok('GET', `${JOBS}/list?name=Page`)).jobs ?? []).toEqual([])
  })

  it('rejects a limit outside 1..100 and a forged page token', async () => {
    for (const limit of [0, 101, -1]) expect((await server.call('GET', `${JOBS}/list?limit=${limit}`)).status).toBe(400)
    expect((await server.call('GET', `${JOBS}/list?page_token=garbage`)).status).toBe(400)
  })
})

describe('jobs/update, jobs/reset and jobs/delete', () => {
  it('replaces top-level fields, merges tasks by key and removes fields_to_remove', async () => {
    const jobId = await createJob(server, {name: 'Merge', description: 'old', tags: {a: '1'}, tasks: [task('one.py', [], 'one'), task('two.py', [], 'two')]})
    await server.ok('POST', `${JOBS}/update`, {
      job_id: jobId,
      new_settings: {tags: {b: '2'}, tasks: [task('one-v2.py', ['--x', '1'], 'one'), task('three.py', [], 'three')]},
      fields_to_remove: ['description', 'tasks/two'],
    })
    const {settings} = await server.ok('GET', `${JOBS}/get?job_id=${jobId}`)
    expect(settings.tags).toEqual({b: '2'})
    expect(settings.description).toBeUndefined()
    expect(settings.tasks).toEqual([task('one-v2.py', ['--x', '1'], 'one'), task('three.py', [], 'three')])
  })

  it('resets the whole settings, validates, and refuses a bad update without changing anything', async () => {
    const jobId = await createJob(server, {name: 'Reset', description: 'keep?', tasks: [task('one.py')]})
    await server.ok('POST', `${JOBS}/reset`, {job_id: jobId, new_settings: {name: 'Reset 2', tasks: [task('two.py')]}})
    const {settings} = await server.ok('GET', `${JOBS}/get?job_id=${jobId}`)
    expect(settings.name).toBe('Reset 2')
    expect(settings.description).toBeUndefined()
    const bad = await server.call('POST', `${JOBS}/update`, {job_id: jobId, new_settings: {max_concurrent_runs: -1}})
    expect(bad.status).toBe(400)
    expect((await server.ok('GET', `${JOBS}/get?job_id=${jobId}`)).settings).toEqual(settings)
    expect((await server.call('POST', `${JOBS}/reset`, {job_id: jobId})).status).toBe(400)
    expect((await server.call('POST', `${JOBS}/update`, {job_id: 123456789, new_settings: {}})).status).toBe(404)
  })

  it('deletes a job: get answers 404 afterwards, a second delete too', async () => {
    const jobId = await createJob(server, jobSettings('Delete me', 'test_ok.py'))
    await server.ok('POST', `${JOBS}/delete`, {job_id: jobId})
    expect((await server.call('GET', `${JOBS}/get?job_id=${jobId}`)).status).toBe(404)
    expect((await server.call('POST', `${JOBS}/delete`, {job_id: jobId})).status).toBe(404)
  })

  it('persists jobs across a restart of the workspace', async () => {
    const jobId = await createJob(server, jobSettings('Durable', 'test_ok.py'))
    await server.restart()
    expect((await server.ok('GET', `${JOBS}/get?job_id=${jobId}`)).settings.name).toBe('Durable')
  })
})
