/** Jobs and runs as the Jobs API shows them (reference sections 3.2 and 3.4). */
import type {LifeCycleState, StoredJob, StoredRun, StoredTaskRun} from './store.js'

type Json = Record<string, unknown>

export function jobView(job: StoredJob, options: {expandTasks: boolean}): Json {
  const {tasks, job_clusters: jobClusters, ...rest} = job.settings
  return {
    job_id: job.job_id,
    creator_user_name: job.creator_user_name,
    run_as_user_name: job.creator_user_name,
    created_time: job.created_time,
    settings: options.expandTasks ? {...rest, ...(tasks ? {tasks} : {}), ...(jobClusters ? {job_clusters: jobClusters} : {})} : rest,
  }
}

/** The new `status.state` for a legacy life-cycle state. */
function statusState(state: LifeCycleState): string {
  return state === 'SKIPPED' || state === 'INTERNAL_ERROR' ? 'TERMINATED' : state
}

function durations(run: {setup_start?: number; execution_start?: number; start_time: number; end_time: number}): Json {
  if (run.end_time === 0) return {setup_duration: 0, execution_duration: 0, cleanup_duration: 0, run_duration: 0}
  const setupStart = run.setup_start || run.end_time
  const executionStart = run.execution_start || run.end_time
  return {
    queue_duration: setupStart - run.start_time,
    setup_duration: executionStart - setupStart,
    execution_duration: run.end_time - executionStart,
    cleanup_duration: 0,
    run_duration: run.end_time - run.start_time,
  }
}

function state(run: Pick<StoredRun, 'life_cycle_state' | 'result_state' | 'state_message'> & {user_cancelled_or_timedout?: boolean; queue_reason?: string}): Json {
  return {
    life_cycle_state: run.life_cycle_state,
    ...(run.result_state ? {result_state: run.result_state} : {}),
    state_message: run.state_message,
    user_cancelled_or_timedout: run.user_cancelled_or_timedout ?? false,
    ...(run.queue_reason ? {queue_reason: run.queue_reason} : {}),
  }
}

export function runView(run: StoredRun, options: {includeTasks: boolean; baseUrl: string}): Json {
  const terminal = run.end_time !== 0
  const status: Json = {state: statusState(run.life_cycle_state)}
  if (run.life_cycle_state === 'QUEUED') status.queue_details = {code: 'MAX_CONCURRENT_RUNS_REACHED', message: run.queue_reason ?? ''}
  if (run.termination && (terminal || run.life_cycle_state === 'TERMINATING')) status.termination_details = run.termination
  return {
    ...(run.job_id === undefined ? {} : {job_id: run.job_id}),
    run_id: run.run_id,
    number_in_job: run.run_id,
    original_attempt_run_id: run.run_id,
    attempt_number: 0,
    creator_user_name: run.creator_user_name,
    run_name: run.run_name,
    run_type: run.run_type,
    trigger: run.trigger,
    start_time: run.start_time,
    end_time: run.end_time,
    ...durations(run),
    state: state(run),
    status,
    ...(run.settings.parameters?.length
      ? {job_parameters: run.settings.parameters.map((p) => ({name: p.name, default: p.default, value: run.job_parameters[p.name] ?? p.default}))}
      : {}),
    run_page_url: run.job_id === undefined ? `${options.baseUrl}/#job/runs/${run.run_id}` : `${options.baseUrl}/#job/${run.job_id}/run/${run.run_id}`,
    ...(options.includeTasks ? {tasks: run.tasks.map((task) => taskView(task, run))} : {}),
  }
}

function taskView(task: StoredTaskRun, run: StoredRun): Json {
  const settings = run.settings.tasks?.find((t) => t.task_key === task.task_key) ?? {}
  const {task_key: _key, ...definition} = settings as Json
  return {
    task_key: task.task_key,
    run_id: task.run_id,
    attempt_number: 0,
    ...definition,
    start_time: task.start_time,
    end_time: task.end_time,
    ...durations({start_time: task.start_time, execution_start: task.start_time, setup_start: task.start_time, end_time: task.end_time}),
    state: state(task),
    status: {state: statusState(task.life_cycle_state)},
  }
}
