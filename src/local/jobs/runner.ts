/**
 * The local Jobs service: job CRUD, and runs that really execute their tasks through the executor
 * registry. A run goes QUEUED? -> PENDING -> RUNNING -> TERMINATING? -> TERMINATED (reference 3.4).
 *
 * Continuous jobs (`continuous.pause_status`): an UNPAUSED job has exactly one active run. It starts
 * when the job is created or set UNPAUSED, is cancelled when the job is paused or deleted, restarts
 * after it ends (failures back off exponentially), and restarts with a new run when the workspace
 * starts again. Runs that were active when the workspace died end INTERNAL_ERROR at the next start.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import {invalidParameter, notFound} from '../http/errors.js'
import {LOCAL_USER_NAME} from '../identity.js'
import type {LocalServices} from '../services.js'
import {executorFor, registeredExecutors, type TaskContext} from './executors.js'
import {namedArguments, resolveJobParameters, resolveReferences} from './parameters.js'
import {isContinuous, isUnpausedContinuous, mergeSettings, taskOrder, validateSettings, type JobSettings, type JobsApiVersion, type TaskSettings} from './settings.js'
import {
  ACTIVE_LIFE_CYCLE_STATES,
  type JobStore,
  type ResultState,
  type StoredJob,
  type StoredRun,
  type StoredTaskRun,
  type Termination,
  type Trigger,
} from './store.js'

export interface JobRunnerOptions {
  /** How long a run stays PENDING before its tasks start (a cluster start on Databricks). */
  setupMs: number
  /** A continuous job restarts this long after its run ends; failures double it up to the cap. */
  restartBaseMs: number
  restartMaxMs: number
  log(line: string): void
}

/** Why a run was stopped before its tasks finished. */
type StopReason = 'cancel' | 'paused' | 'restart' | 'deleted' | 'timeout' | 'shutdown'

interface ActiveRun {
  controller: AbortController
  stopReason?: StopReason
  /** Settles when the run is terminal; undefined while QUEUED. */
  done?: Promise<void>
  timeout?: NodeJS.Timeout
}

interface ContinuousState {
  failures: number
  restart?: NodeJS.Timeout
}

interface Outcome {
  life_cycle_state: 'TERMINATED' | 'SKIPPED' | 'INTERNAL_ERROR'
  result_state: ResultState
  state_message: string
  user_cancelled_or_timedout: boolean
  termination: Termination
}

const SUCCESS: Outcome = {
  life_cycle_state: 'TERMINATED',
  result_state: 'SUCCESS',
  state_message: '',
  user_cancelled_or_timedout: false,
  termination: {code: 'SUCCESS', type: 'SUCCESS', message: ''},
}

const STOPPED: Record<StopReason, Outcome> = {
  cancel: cancelled('Run cancelled.', 'USER_CANCELED', true),
  paused: cancelled('The continuous job was paused.', 'USER_CANCELED', true),
  restart: cancelled('Run cancelled: run-now restarted the continuous job.', 'USER_CANCELED', true),
  deleted: cancelled('Run cancelled: the job was deleted.', 'USER_CANCELED', true),
  shutdown: cancelled('Run cancelled: the local workspace stopped.', 'CANCELED', false),
  timeout: {
    life_cycle_state: 'TERMINATED',
    result_state: 'TIMEDOUT',
    state_message: 'Run timed out: it exceeded the job timeout.',
    user_cancelled_or_timedout: true,
    termination: {code: 'CANCELED', type: 'CLIENT_ERROR', message: 'Run timed out: it exceeded the job timeout.'},
  },
}

function cancelled(message: string, code: string, byUser: boolean): Outcome {
  return {life_cycle_state: 'TERMINATED', result_state: 'CANCELED', state_message: message, user_cancelled_or_timedout: byUser, termination: {code, type: 'SUCCESS', message}}
}

function failed(message: string, code = 'RUN_EXECUTION_ERROR'): Outcome {
  return {life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: message, user_cancelled_or_timedout: false, termination: {code, type: 'CLIENT_ERROR', message}}
}

function jobMissing(jobId: number): Error {
  return notFound('RESOURCE_DOES_NOT_EXIST', `Job ${jobId} does not exist.`)
}

function runMissing(runId: number): Error {
  return notFound('RESOURCE_DOES_NOT_EXIST', `Run ${runId} does not exist.`)
}

function isActive(run: StoredRun): boolean {
  return ACTIVE_LIFE_CYCLE_STATES.has(run.life_cycle_state)
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export class JobRunner {
  private readonly active = new Map<number, ActiveRun>()
  private readonly continuous = new Map<number, ContinuousState>()
  private closed = false

  constructor(
    private readonly store: JobStore,
    private readonly services: () => LocalServices,
    private readonly options: JobRunnerOptions,
  ) {}

  /**
   * Recovers after a start: runs the previous process left active end INTERNAL_ERROR (it died with
   * them), then every unpaused continuous job gets a new run.
   */
  start(): void {
    const now = Date.now()
    for (const run of this.store.runs().filter(isActive)) {
      const message = `The local workspace restarted while the run was ${run.life_cycle_state}; the run did not finish.`
      this.settle(run, {
        life_cycle_state: 'INTERNAL_ERROR',
        result_state: 'FAILED',
        state_message: message,
        user_cancelled_or_timedout: false,
        termination: {code: 'INTERNAL_ERROR', type: 'INTERNAL_ERROR', message},
      }, now)
    }
    this.store.save()
    for (const job of this.store.jobs()) if (isUnpausedContinuous(job.settings)) this.ensureContinuousRun(job.job_id, 'CONTINUOUS_RESTART')
  }

  /** Stops every run (they end CANCELED) and waits for their executors to return. */
  async close(): Promise<void> {
    this.closed = true
    for (const state of this.continuous.values()) clearTimeout(state.restart)
    for (const runId of [...this.active.keys()]) this.cancel(runId, 'shutdown')
    await Promise.all([...this.active.values()].map((active) => active.done))
  }

  // ---------------------------------------------------------------------------------------------
  // Jobs

  getJob(jobId: number): StoredJob {
    const job = this.store.job(jobId)
    if (!job) throw jobMissing(jobId)
    return job
  }

  listJobs(): StoredJob[] {
    return this.store.jobs()
  }

  createJob(input: unknown, version: JobsApiVersion): StoredJob {
    const job: StoredJob = {job_id: this.store.nextId(), created_time: Date.now(), creator_user_name: LOCAL_USER_NAME, settings: validateSettings(input, version)}
    this.store.putJob(job)
    this.settingsChanged(job.job_id, undefined, job.settings)
    return job
  }

  resetJob(jobId: number, input: unknown, version: JobsApiVersion): void {
    const job = this.getJob(jobId)
    const previous = job.settings
    job.settings = validateSettings(input, version, 'new_settings')
    this.store.putJob(job)
    this.settingsChanged(jobId, previous, job.settings)
  }

  updateJob(jobId: number, newSettings: Record<string, unknown>, fieldsToRemove: string[], version: JobsApiVersion): void {
    const job = this.getJob(jobId)
    const previous = job.settings
    job.settings = validateSettings(mergeSettings(previous, newSettings, fieldsToRemove), version, 'new_settings')
    this.store.putJob(job)
    this.settingsChanged(jobId, previous, job.settings)
  }

  deleteJob(jobId: number): void {
    this.getJob(jobId)
    this.forgetContinuous(jobId)
    for (const run of this.activeRunsOf(jobId)) this.cancel(run.run_id, 'deleted')
    this.store.deleteJob(jobId)
  }

  /** Starts or stops the continuous run when the pause status (or continuity) changed. */
  private settingsChanged(jobId: number, previous: JobSettings | undefined, current: JobSettings): void {
    const wasUnpaused = previous !== undefined && isUnpausedContinuous(previous)
    const unpaused = isUnpausedContinuous(current)
    if (unpaused && !wasUnpaused) {
      this.forgetContinuous(jobId)
      this.ensureContinuousRun(jobId, 'CONTINUOUS')
    } else if (wasUnpaused && !unpaused) {
      this.forgetContinuous(jobId)
      for (const run of this.activeRunsOf(jobId)) this.cancel(run.run_id, 'paused')
    }
  }

  private forgetContinuous(jobId: number): void {
    clearTimeout(this.continuous.get(jobId)?.restart)
    this.continuous.delete(jobId)
  }

  // ---------------------------------------------------------------------------------------------
  // Runs

  getRun(runId: number): StoredRun {
    const run = this.store.run(runId)
    if (!run) throw runMissing(runId)
    return run
  }

  /** Every run, newest first. */
  listRuns(): StoredRun[] {
    return this.store.runs()
  }

  /**
   * jobs/run-now. The same idempotency token returns the run it started before. On a continuous job
   * run-now (re)starts the one run: an active run is cancelled first and the backoff is reset. Beyond
   * max_concurrent_runs the run waits QUEUED when queueing is on (run-now's `queue` overrides the job's
   * setting) and is SKIPPED otherwise.
   */
  runNow(jobId: number, request: {jobParameters?: Record<string, string>; idempotencyToken?: string; queue?: {enabled: boolean}}): StoredRun {
    const earlier = this.runForToken(request.idempotencyToken)
    if (earlier) return earlier
    const job = this.getJob(jobId)
    const parameters = resolveJobParameters(job.settings, request.jobParameters)
    if (isContinuous(job.settings)) {
      this.forgetContinuous(jobId)
      const previous = this.activeRunsOf(jobId)
      for (const run of previous) this.cancel(run.run_id, 'restart')
      const ended = Promise.all(previous.map((run) => this.active.get(run.run_id)?.done)).then(() => undefined)
      return this.launch(this.newRun(job, 'ONE_TIME', parameters, request), ended)
    }
    const run = this.newRun(job, 'ONE_TIME', parameters, request)
    const limit = job.settings.max_concurrent_runs ?? 1
    const running = this.activeRunsOf(jobId).filter((r) => r.life_cycle_state !== 'QUEUED').length
    if (running < limit) return this.launch(run)
    if ((request.queue ?? job.settings.queue)?.enabled && limit > 0) {
      run.life_cycle_state = 'QUEUED'
      run.queue_reason = `Queued due to reaching maximum concurrent runs of ${limit}.`
      this.store.addRun(run)
      this.active.set(run.run_id, {controller: new AbortController()})
      return run
    }
    const message = `Skipped: the job already has ${running} active run(s) (max_concurrent_runs ${limit}).`
    this.store.addRun(run)
    this.settle(run, {
      life_cycle_state: 'SKIPPED',
      result_state: 'MAXIMUM_CONCURRENT_RUNS_REACHED',
      state_message: message,
      user_cancelled_or_timedout: false,
      termination: {code: 'MAX_CONCURRENT_RUNS_EXCEEDED', type: 'CLIENT_ERROR', message},
    })
    this.store.save()
    return run
  }

  /** jobs/runs/submit: a one-time run of the given tasks, outside any job. */
  submit(spec: Record<string, unknown>, idempotencyToken: string | undefined, version: JobsApiVersion): StoredRun {
    const earlier = this.runForToken(idempotencyToken)
    if (earlier) return earlier
    const {run_name: runName, idempotency_token: _token, ...settings} = spec
    const validated = validateSettings({...settings, name: typeof runName === 'string' ? runName : 'Untitled'}, version)
    if ((validated.tasks ?? []).length === 0) throw invalidParameter('A submitted run needs at least one task.')
    const run = this.newRun({settings: validated}, 'ONE_TIME', {}, {idempotencyToken})
    run.run_type = 'SUBMIT_RUN'
    return this.launch(run)
  }

  /** runs/cancel: asynchronous (TERMINATING, then TERMINATED CANCELED); a no-op on a finished run. */
  cancel(runId: number, reason: StopReason = 'cancel'): void {
    const run = this.getRun(runId)
    const active = this.active.get(runId)
    if (!isActive(run) || !active || run.life_cycle_state === 'TERMINATING') return
    if (run.life_cycle_state === 'QUEUED') {
      this.active.delete(runId)
      this.settle(run, STOPPED[reason])
      this.store.save()
      return
    }
    run.life_cycle_state = 'TERMINATING'
    this.store.save()
    active.stopReason = reason
    active.controller.abort()
  }

  /** runs/cancel-all: the active runs of a job, or with allQueued the queued runs (of the job or of every job). */
  cancelAll(jobId: number | undefined, allQueued: boolean): void {
    if (jobId !== undefined) this.getJob(jobId)
    const runs = this.store.runs().filter((run) => isActive(run) && (jobId === undefined || run.job_id === jobId))
    for (const run of runs) if (!allQueued || run.life_cycle_state === 'QUEUED') this.cancel(run.run_id)
  }

  deleteRun(runId: number): void {
    const run = this.getRun(runId)
    if (isActive(run)) throw invalidParameter(`Run ${runId} is active (${run.life_cycle_state}); cancel it before deleting it.`)
    this.store.deleteRun(runId)
  }

  activeRunsOf(jobId: number): StoredRun[] {
    return this.store.runs().filter((run) => run.job_id === jobId && isActive(run))
  }

  private runForToken(token: string | undefined): StoredRun | undefined {
    if (!token) return undefined
    if (token.length > 64) throw invalidParameter('idempotency_token must be at most 64 characters.')
    const runId = this.store.runForToken(token)
    if (runId === undefined) return undefined
    const run = this.store.run(runId)
    if (!run) throw invalidParameter(`The run started with idempotency_token '${token}' (run ${runId}) was deleted.`)
    return run
  }

  private newRun(
    job: {job_id?: number; settings: JobSettings},
    trigger: Trigger,
    jobParameters: Record<string, string>,
    request: {jobParameters?: Record<string, string>; idempotencyToken?: string},
  ): StoredRun {
    const runId = this.store.nextId()
    const now = Date.now()
    return {
      run_id: runId,
      job_id: job.job_id,
      run_name: job.settings.name ?? 'Untitled',
      run_type: 'JOB_RUN',
      trigger,
      settings: job.settings,
      job_parameters: jobParameters,
      idempotency_token: request.idempotencyToken,
      creator_user_name: LOCAL_USER_NAME,
      start_time: now,
      setup_start: 0,
      execution_start: 0,
      end_time: 0,
      life_cycle_state: 'PENDING',
      state_message: '',
      user_cancelled_or_timedout: false,
      tasks: (job.settings.tasks ?? []).map((task) => ({
        task_key: task.task_key,
        run_id: this.store.nextId(),
        life_cycle_state: 'PENDING',
        state_message: '',
        start_time: 0,
        end_time: 0,
      })),
    }
  }

  /** Records a new run and executes it (after `after`, the end of the run it replaces). */
  private launch(run: StoredRun, after?: Promise<void>): StoredRun {
    if (!this.store.run(run.run_id)) this.store.addRun(run)
    const active = this.active.get(run.run_id) ?? {controller: new AbortController()}
    this.active.set(run.run_id, active)
    active.done = this.execute(run, active, after)
    return run
  }

  private async execute(run: StoredRun, active: ActiveRun, after?: Promise<void>): Promise<void> {
    const signal = active.controller.signal
    let outcome: Outcome
    try {
      await after
      if (run.life_cycle_state === 'QUEUED') {
        run.life_cycle_state = 'PENDING'
        run.queue_reason = undefined
      }
      run.setup_start = Date.now()
      this.store.save()
      await sleep(this.options.setupMs, undefined, {signal}).catch(() => undefined)
      if (signal.aborted) {
        outcome = STOPPED[active.stopReason ?? 'cancel']
      } else {
        run.life_cycle_state = 'RUNNING'
        run.execution_start = Date.now()
        this.store.save()
        const timeout = run.settings.timeout_seconds ?? 0
        if (timeout > 0) active.timeout = setTimeout(() => this.cancel(run.run_id, 'timeout'), timeout * 1000)
        const failure = await this.runTasks(run, signal)
        outcome = signal.aborted ? STOPPED[active.stopReason ?? 'cancel'] : failure ? failed(failure) : SUCCESS
      }
    } catch (error) {
      // Only bookkeeping can throw here (the executors' errors are caught per task).
      this.options.log(`Run ${run.run_id} failed internally: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      outcome = failed(`Internal error in the local workspace: ${errorMessage(error)}`, 'INTERNAL_ERROR')
    }
    clearTimeout(active.timeout)
    this.active.delete(run.run_id)
    this.settle(run, outcome)
    this.store.save()
    this.runEnded(run)
  }

  /** Runs the tasks in dependency order; returns the run's failure message, if any. */
  private async runTasks(run: StoredRun, signal: AbortSignal): Promise<string | undefined> {
    let failure: string | undefined
    const outcomes = new Map<string, ResultState>()
    for (const task of taskOrder(run.settings.tasks ?? [])) {
      const taskRun = run.tasks.find((t) => t.task_key === task.task_key)!
      const upstream = (task.depends_on ?? []).map((d) => outcomes.get(d.task_key))
      if (signal.aborted || upstream.some((result) => result !== 'SUCCESS')) {
        const result: ResultState = signal.aborted ? 'CANCELED' : upstream.includes('CANCELED') ? 'UPSTREAM_CANCELED' : 'UPSTREAM_FAILED'
        this.endTask(taskRun, result, result === 'CANCELED' ? 'Run cancelled.' : 'An upstream task did not succeed.')
        outcomes.set(task.task_key, result)
        continue
      }
      taskRun.life_cycle_state = 'RUNNING'
      taskRun.start_time = Date.now()
      this.store.save()
      try {
        await this.runTask(run, task, signal)
        outcomes.set(task.task_key, signal.aborted ? 'CANCELED' : 'SUCCESS')
        this.endTask(taskRun, outcomes.get(task.task_key)!, signal.aborted ? 'Run cancelled.' : '')
      } catch (error) {
        const result: ResultState = signal.aborted ? 'CANCELED' : 'FAILED'
        outcomes.set(task.task_key, result)
        this.endTask(taskRun, result, errorMessage(error))
        if (result === 'FAILED') {
          this.options.log(`Task ${task.task_key} of run ${run.run_id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
          failure ??= `Task ${task.task_key} failed with message: ${errorMessage(error).replace(/\.$/, '')}.`
        }
      }
    }
    return failure
  }

  private async runTask(run: StoredRun, task: TaskSettings, signal: AbortSignal): Promise<void> {
    const pythonTask = task.spark_python_task
    if (!pythonTask) {
      const type = Object.keys(task).find((key) => key.endsWith('_task')) ?? 'unknown'
      throw new Error(`the local workspace runs spark_python_task tasks only; task '${task.task_key}' is a ${type}`)
    }
    const executor = executorFor(pythonTask.python_file)
    if (!executor) {
      throw new Error(`the local workspace has no executor for '${pythonTask.python_file}' (it runs ${registeredExecutors().join(', ')})`)
    }
    const references = {jobId: run.job_id ?? null, runId: run.run_id, taskKey: task.task_key, jobParameters: run.job_parameters}
    const args = (pythonTask.parameters ?? []).map((arg) => resolveReferences(arg, references))
    const context: TaskContext = {
      job: {job_id: run.job_id ?? null, settings: run.settings},
      run: {run_id: run.run_id, task_key: task.task_key, trigger: run.trigger},
      task,
      parameters: namedArguments(args),
      jobParameters: run.job_parameters,
      signal,
      services: this.services(),
      log: (line) => this.options.log(`[run ${run.run_id} ${task.task_key}] ${line}`),
    }
    await executor.run(context)
  }

  private endTask(taskRun: StoredTaskRun, result: ResultState, message: string): void {
    taskRun.life_cycle_state = 'TERMINATED'
    taskRun.result_state = result
    taskRun.state_message = message
    taskRun.end_time = Date.now()
    this.store.save()
  }

  /** Applies a terminal outcome to the run (and to its tasks that never finished); the caller saves. */
  private settle(run: StoredRun, outcome: Outcome, now = Date.now()): void {
    Object.assign(run, outcome, {end_time: now, queue_reason: undefined})
    for (const task of run.tasks) {
      if (task.life_cycle_state === 'TERMINATED') continue
      task.life_cycle_state = outcome.life_cycle_state
      task.result_state = outcome.result_state === 'SUCCESS' ? 'CANCELED' : outcome.result_state
      task.state_message = outcome.state_message
      task.end_time = now
    }
  }

  /** After a run ends: restart the continuous job (with backoff after failures) or start a queued run. */
  private runEnded(run: StoredRun): void {
    if (this.closed || run.job_id === undefined) return
    const job = this.store.job(run.job_id)
    if (!job) return
    if (isUnpausedContinuous(job.settings)) {
      if (this.activeRunsOf(job.job_id).length > 0) return
      const state = this.continuous.get(job.job_id) ?? {failures: 0}
      const failedRun = run.result_state === 'FAILED' || run.result_state === 'TIMEDOUT' || run.life_cycle_state === 'INTERNAL_ERROR'
      // A run that stayed up longer than the cap was healthy: its failure starts the backoff afresh.
      const ranLong = run.execution_start > 0 && run.end_time - run.execution_start > this.options.restartMaxMs
      state.failures = failedRun ? (ranLong ? 1 : state.failures + 1) : 0
      const delay = state.failures === 0 ? this.options.restartBaseMs : Math.min(this.options.restartMaxMs, this.options.restartBaseMs * 2 ** (state.failures - 1))
      clearTimeout(state.restart)
      state.restart = setTimeout(() => {
        state.restart = undefined
        this.ensureContinuousRun(job.job_id, 'CONTINUOUS_RESTART')
      }, delay)
      this.continuous.set(job.job_id, state)
      return
    }
    this.startQueued(job)
  }

  private ensureContinuousRun(jobId: number, trigger: Trigger): void {
    const job = this.store.job(jobId)
    if (this.closed || !job || !isUnpausedContinuous(job.settings) || this.activeRunsOf(jobId).length > 0) return
    this.launch(this.newRun(job, trigger, resolveJobParameters(job.settings), {}))
  }

  private startQueued(job: StoredJob): void {
    const limit = job.settings.max_concurrent_runs ?? 1
    const active = this.activeRunsOf(job.job_id)
    const queued = active.filter((run) => run.life_cycle_state === 'QUEUED').sort((a, b) => a.run_id - b.run_id)
    let running = active.length - queued.length
    for (const run of queued) {
      if (running >= limit) break
      this.launch(run)
      running++
    }
  }
}
