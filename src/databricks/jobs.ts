/**
 * Jobs API 2.2 calls lakectl makes (reference section 3). lakectl finds its own jobs by tags
 * (lakectl_project, lakectl_layer), never by name alone.
 */
import {LakectlError} from '../errors.js'
import type {DatabricksClient} from './client.js'

const JOBS = '/api/2.2/jobs'

export interface JobSettings {
  name?: string
  tags?: Record<string, string>
  continuous?: {pause_status?: 'PAUSED' | 'UNPAUSED'; task_retry_mode?: string}
  parameters?: Array<{name: string; default: string}>
  max_concurrent_runs?: number
  [key: string]: unknown
}

export interface Job {
  job_id: number
  created_time?: number
  settings: JobSettings
}

export interface RunState {
  life_cycle_state?: string
  result_state?: string
  state_message?: string
  queue_reason?: string
}

export interface Run {
  run_id: number
  job_id: number
  start_time?: number
  end_time?: number
  state: RunState
  status?: {state?: string; termination_details?: {code?: string; type?: string; message?: string}}
  trigger?: string
}

export const TAG_PROJECT = 'lakectl_project'
export const TAG_ROLE = 'lakectl_layer'
export const ACTIVE_STATES = new Set(['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED', 'WAITING_FOR_RETRY'])

/** Every job of the project, keyed by its lakectl_layer tag (a role may have several: the caller decides). */
export async function listProjectJobs(client: DatabricksClient, project: string): Promise<Job[]> {
  const jobs = await client.listAll<Job>(`${JOBS}/list`, 'jobs', {limit: 100})
  return jobs.filter((j) => j.settings?.tags?.[TAG_PROJECT] === project)
}

/** The one job of the project with the given lakectl_layer role; none means bootstrap has not run. */
export function roleJob(jobs: Job[], project: string, role: string): Job {
  const matches = jobs.filter((j) => j.settings.tags?.[TAG_ROLE] === role)
  if (matches.length === 0) {
    throw new LakectlError(`No ${role} job is deployed for project '${project}'.`, {code: 'JOB_NOT_FOUND', hint: 'lakectl bootstrap --yes'})
  }
  if (matches.length > 1) {
    throw new LakectlError(`${matches.length} jobs are tagged lakectl_layer=${role} (ids ${matches.map((m) => m.job_id).join(', ')}).`, {code: 'AMBIGUOUS_JOB', hint: 'delete all but one, then lakectl bootstrap'})
  }
  return matches[0]
}

export function getJob(client: DatabricksClient, jobId: number): Promise<Job> {
  return client.get<Job>(`${JOBS}/get`, {job_id: jobId})
}

/**
 * jobs/create is not idempotent: an unknown outcome is settled by looking for the job by its
 * lakectl_project and lakectl_layer tags (found: done; it was created from these settings).
 */
export async function createJob(client: DatabricksClient, settings: JobSettings): Promise<number> {
  const project = settings.tags?.[TAG_PROJECT]
  const role = settings.tags?.[TAG_ROLE]
  const settle = async () => {
    const found = (await listProjectJobs(client, project!)).filter((j) => j.settings.tags?.[TAG_ROLE] === role)
    return found.length ? {value: {job_id: found[0].job_id}} : undefined
  }
  return (await client.post<{job_id: number}>(`${JOBS}/create`, settings, project && role ? {settle} : {})).job_id
}

export async function resetJob(client: DatabricksClient, jobId: number, settings: JobSettings): Promise<void> {
  await client.post(`${JOBS}/reset`, {job_id: jobId, new_settings: settings}, {idempotent: true})
}

/** Partial update: top-level fields of newSettings replace the job's. */
export async function updateJob(client: DatabricksClient, jobId: number, newSettings: Partial<JobSettings>): Promise<void> {
  await client.post(`${JOBS}/update`, {job_id: jobId, new_settings: newSettings}, {idempotent: true})
}

export function activeRuns(client: DatabricksClient, jobId: number): Promise<Run[]> {
  return client.get<{runs?: Run[]}>(`${JOBS}/runs/list`, {job_id: jobId, active_only: true, limit: 25}).then((r) => r.runs ?? [])
}

export function latestRuns(client: DatabricksClient, jobId: number, limit = 1): Promise<Run[]> {
  return client.get<{runs?: Run[]}>(`${JOBS}/runs/list`, {job_id: jobId, limit}).then((r) => r.runs ?? [])
}

export function getRun(client: DatabricksClient, runId: number): Promise<Run> {
  return client.get<Run>(`${JOBS}/runs/get`, {run_id: runId})
}

/** run-now with an idempotency token, so a retried request never starts a second run. */
export async function runNow(client: DatabricksClient, jobId: number, jobParameters?: Record<string, string>, idempotencyToken = client.newIdempotencyToken()): Promise<number> {
  const body = {job_id: jobId, job_parameters: jobParameters, idempotency_token: idempotencyToken}
  return (await client.post<{run_id: number}>(`${JOBS}/run-now`, body, {idempotent: true})).run_id
}

export async function cancelRun(client: DatabricksClient, runId: number): Promise<void> {
  await client.post(`${JOBS}/runs/cancel`, {run_id: runId}, {idempotent: true})
}

export function isActive(run: Run): boolean {
  return ACTIVE_STATES.has(run.state.life_cycle_state ?? '')
}
