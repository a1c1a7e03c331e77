/**
 * Jobs, runs and idempotency tokens of the local Jobs API, kept in memory and written to one JSON file
 * atomically after every change (as the state store does), so they survive restarts and a crash leaves
 * the last complete state.
 */
import {JsonStore} from '../store.js'
import type {JobSettings} from './settings.js'

export type LifeCycleState = 'QUEUED' | 'PENDING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'SKIPPED' | 'INTERNAL_ERROR'
export type ResultState = 'SUCCESS' | 'FAILED' | 'TIMEDOUT' | 'CANCELED' | 'MAXIMUM_CONCURRENT_RUNS_REACHED' | 'UPSTREAM_FAILED' | 'UPSTREAM_CANCELED'
export type Trigger = 'ONE_TIME' | 'CONTINUOUS' | 'CONTINUOUS_RESTART' | 'RETRY' | 'PERIODIC'

export const ACTIVE_LIFE_CYCLE_STATES: ReadonlySet<LifeCycleState> = new Set(['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING'])

export interface StoredJob {
  job_id: number
  created_time: number
  creator_user_name: string
  settings: JobSettings
}

export interface Termination {
  code: string
  type: 'SUCCESS' | 'CLIENT_ERROR' | 'INTERNAL_ERROR' | 'CLOUD_FAILURE'
  message: string
}

export interface StoredTaskRun {
  task_key: string
  run_id: number
  life_cycle_state: LifeCycleState
  result_state?: ResultState
  state_message: string
  start_time: number
  end_time: number
}

export interface StoredRun {
  run_id: number
  /** Absent for runs/submit runs. */
  job_id?: number
  run_name: string
  run_type: 'JOB_RUN' | 'SUBMIT_RUN'
  trigger: Trigger
  /** The job's settings when the run was created: settings changes apply to later runs. */
  settings: JobSettings
  job_parameters: Record<string, string>
  idempotency_token?: string
  creator_user_name: string
  start_time: number
  /** When the run left the queue, started its setup, started its tasks, and ended (0 = not yet). */
  setup_start: number
  execution_start: number
  end_time: number
  life_cycle_state: LifeCycleState
  result_state?: ResultState
  state_message: string
  user_cancelled_or_timedout: boolean
  queue_reason?: string
  termination?: Termination
  tasks: StoredTaskRun[]
}

interface JobsState {
  version: 1
  next_id: number
  jobs: Record<string, StoredJob>
  runs: Record<string, StoredRun>
  /** idempotency token -> run id */
  tokens: Record<string, number>
}

/** Finished runs kept per job (and for one-time submits): the oldest go first, as on Databricks. */
const FINISHED_RUNS_KEPT = 500

export class JobStore {
  private constructor(private readonly store: JsonStore<JobsState>) {}

  static open(file: string): JobStore {
    return new JobStore(JsonStore.open(file, (): JobsState => ({version: 1, next_id: 1000, jobs: {}, runs: {}, tokens: {}})))
  }

  private get state(): JobsState {
    return this.store.state
  }

  /** Job and run ids come from one counter, so a run id never equals a job id. */
  nextId(): number {
    return this.state.next_id++
  }

  job(jobId: number): StoredJob | undefined {
    return this.state.jobs[jobId]
  }

  jobs(): StoredJob[] {
    return Object.values(this.state.jobs).sort((a, b) => a.job_id - b.job_id)
  }

  putJob(job: StoredJob): void {
    this.state.jobs[job.job_id] = job
    this.save()
  }

  deleteJob(jobId: number): void {
    delete this.state.jobs[jobId]
    this.save()
  }

  run(runId: number): StoredRun | undefined {
    return this.state.runs[runId]
  }

  /** Every run, newest first. */
  runs(): StoredRun[] {
    return Object.values(this.state.runs).sort((a, b) => b.run_id - a.run_id)
  }

  runForToken(token: string): number | undefined {
    return this.state.tokens[token]
  }

  addRun(run: StoredRun): void {
    this.state.runs[run.run_id] = run
    if (run.idempotency_token) this.state.tokens[run.idempotency_token] = run.run_id
    this.prune(run.job_id)
    this.save()
  }

  deleteRun(runId: number): void {
    delete this.state.runs[runId]
    this.save()
  }

  /** Persists changes made to stored objects in place. */
  save(): void {
    this.store.save()
  }

  private prune(jobId: number | undefined): void {
    const finished = this.runs().filter((run) => run.job_id === jobId && !ACTIVE_LIFE_CYCLE_STATES.has(run.life_cycle_state))
    for (const run of finished.slice(FINISHED_RUNS_KEPT)) delete this.state.runs[run.run_id]
  }
}
