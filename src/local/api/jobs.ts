/** Jobs API 2.2 and 2.1 (reference section 3): the same bodies under both prefixes. */
import {z} from 'zod'

import {invalidParameter} from '../http/errors.js'
import {booleanQuery, integerQuery, parseBody, requiredQuery} from '../http/input.js'
import type {Routes} from '../http/router.js'
import {jobView, runView} from '../jobs/render.js'
import type {JobsApiVersion} from '../jobs/settings.js'
import type {LocalServices} from '../services.js'

/** Ids are int64: clients send numbers, some send them as strings. */
const id = z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)])

const jobIdBody = z.looseObject({job_id: id})
const resetBody = z.looseObject({job_id: id, new_settings: z.record(z.string(), z.unknown())})
const updateBody = z.looseObject({job_id: id, new_settings: z.record(z.string(), z.unknown()).optional(), fields_to_remove: z.array(z.string()).optional()})
const runNowBody = z.looseObject({
  job_id: id,
  job_parameters: z.record(z.string(), z.string()).optional(),
  idempotency_token: z.string().optional(),
  queue: z.strictObject({enabled: z.boolean()}).optional(),
})
const runIdBody = z.looseObject({run_id: id})
const cancelAllBody = z.looseObject({job_id: id.optional(), all_queued_runs: z.boolean().optional()})

const JOBS_PAGE = {default: 20, max: 100, zeroMeansMax: false}
const RUNS_PAGE = {default: 20, max: 25, zeroMeansMax: true}

export function registerJobsRoutes(routes: Routes, version: JobsApiVersion, services: LocalServices, baseUrl: () => string): void {
  const {jobs} = services
  routes
    .post('/create', ({body}) => ({job_id: jobs.createJob(withoutAccessControl(body), version).job_id}))
    .get('/get', ({query}) => jobView(jobs.getJob(requiredId(query, 'job_id')), {expandTasks: true}))
    .get('/list', ({query}) => {
      const name = query.get('name')?.toLowerCase()
      const matching = jobs.listJobs().filter((job) => name === null || name === undefined || (job.settings.name ?? '').toLowerCase() === name)
      const page = pageByKey(matching, (job) => job.job_id, pageSize(query, JOBS_PAGE), query.get('page_token'))
      const expandTasks = booleanQuery(query, 'expand_tasks')
      return {jobs: page.items.map((job) => jobView(job, {expandTasks})), ...pageFields(page)}
    })
    .post('/reset', ({body}) => {
      const request = parseBody(resetBody, body)
      jobs.resetJob(request.job_id, request.new_settings, version)
      return {}
    })
    .post('/update', ({body}) => {
      const request = parseBody(updateBody, body)
      jobs.updateJob(request.job_id, request.new_settings ?? {}, request.fields_to_remove ?? [], version)
      return {}
    })
    .post('/delete', ({body}) => {
      jobs.deleteJob(parseBody(jobIdBody, body).job_id)
      return {}
    })
    .post('/run-now', ({body}) => {
      const request = parseBody(runNowBody, body)
      const run = jobs.runNow(request.job_id, {jobParameters: request.job_parameters, idempotencyToken: request.idempotency_token, queue: request.queue})
      return {run_id: run.run_id, number_in_job: run.run_id}
    })
    .post('/runs/submit', ({body}) => {
      const token = typeof body.idempotency_token === 'string' ? body.idempotency_token : undefined
      return {run_id: jobs.submit(withoutAccessControl(body), token, version).run_id}
    })
    .get('/runs/get', ({query}) => runView(jobs.getRun(requiredId(query, 'run_id')), {includeTasks: true, baseUrl: baseUrl()}))
    .get('/runs/list', ({query}) => {
      const activeOnly = booleanQuery(query, 'active_only')
      const completedOnly = booleanQuery(query, 'completed_only')
      if (activeOnly && completedOnly) throw invalidParameter('active_only and completed_only cannot both be true.')
      const jobId = optionalId(query, 'job_id')
      if (jobId !== undefined) jobs.getJob(jobId)
      const runType = query.get('run_type')
      const from = integerQuery(query, 'start_time_from')
      const to = integerQuery(query, 'start_time_to')
      const runs = jobs.listRuns().filter((run) => {
        const active = run.end_time === 0
        return (
          (jobId === undefined || run.job_id === jobId) &&
          (!activeOnly || active) &&
          (!completedOnly || !active) &&
          (!runType || run.run_type === runType) &&
          (from === undefined || run.start_time >= from) &&
          (to === undefined || run.start_time < to)
        )
      })
      // Newest first: page over descending run ids.
      const page = pageByKey(runs, (run) => -run.run_id, pageSize(query, RUNS_PAGE), query.get('page_token'))
      const includeTasks = booleanQuery(query, 'expand_tasks')
      return {runs: page.items.map((run) => runView(run, {includeTasks, baseUrl: baseUrl()})), ...pageFields(page)}
    })
    .post('/runs/cancel', ({body}) => {
      jobs.cancel(parseBody(runIdBody, body).run_id)
      return {}
    })
    .post('/runs/cancel-all', ({body}) => {
      const request = parseBody(cancelAllBody, body)
      if (request.job_id === undefined && !request.all_queued_runs) throw invalidParameter('Give job_id, or all_queued_runs: true to cancel every queued run.')
      jobs.cancelAll(request.job_id, request.all_queued_runs ?? false)
      return {}
    })
    .post('/runs/delete', ({body}) => {
      jobs.deleteRun(parseBody(runIdBody, body).run_id)
      return {}
    })
}

/** Permissions are not modelled locally: an access_control_list given on create is accepted and ignored. */
function withoutAccessControl(body: Record<string, unknown>): Record<string, unknown> {
  const {access_control_list: _ignored, ...rest} = body
  return rest
}

function requiredId(query: URLSearchParams, name: string): number {
  requiredQuery(query, name)
  return optionalId(query, name)!
}

function optionalId(query: URLSearchParams, name: string): number | undefined {
  const value = integerQuery(query, name)
  if (value !== undefined && value <= 0) throw invalidParameter(`Invalid value for '${name}': ${value}.`)
  return value
}

function pageSize(query: URLSearchParams, limits: {default: number; max: number; zeroMeansMax: boolean}): number {
  const limit = integerQuery(query, 'limit')
  if (limit === undefined) return limits.default
  if (limit === 0 && limits.zeroMeansMax) return limits.max
  if (limit < 1 || limit > limits.max) throw invalidParameter(`limit must be between 1 and ${limits.max}, got ${limit}.`)
  return limit
}

interface KeyPage<T> {
  items: T[]
  next?: string
  prev?: string
}

/**
 * Pages over items sorted by an ascending numeric key. Tokens name the key to continue after (next)
 * or before (prev), so items added meanwhile never shift a page.
 */
function pageByKey<T>(items: T[], key: (item: T) => number, limit: number, token: string | null): KeyPage<T> {
  const sorted = [...items].sort((a, b) => key(a) - key(b))
  const position = token ? decodeToken(token) : {}
  const page =
    position.before !== undefined
      ? sorted.filter((item) => key(item) < position.before!).slice(-limit)
      : sorted.filter((item) => position.after === undefined || key(item) > position.after).slice(0, limit)
  if (page.length === 0) return {items: page}
  const first = key(page[0])
  const last = key(page[page.length - 1])
  return {
    items: page,
    next: key(sorted[sorted.length - 1]) > last ? encodeToken({after: last}) : undefined,
    prev: key(sorted[0]) < first ? encodeToken({before: first}) : undefined,
  }
}

function pageFields(page: KeyPage<unknown>): Record<string, unknown> {
  return {has_more: page.next !== undefined, ...(page.next ? {next_page_token: page.next} : {}), ...(page.prev ? {prev_page_token: page.prev} : {})}
}

function encodeToken(position: {after?: number; before?: number}): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url')
}

function decodeToken(token: string): {after?: number; before?: number} {
  try {
    const position = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {after?: unknown; before?: unknown}
    if (typeof position.after === 'number') return {after: position.after}
    if (typeof position.before === 'number') return {before: position.before}
  } catch {
    // fall through to the error below
  }
  throw invalidParameter(`Invalid page_token: '${token}'.`)
}
