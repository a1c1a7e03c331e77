/**
 * Start and stop the continuous layer jobs. Starting unpauses a job and waits until its run is RUNNING;
 * stopping pauses it, cancels what still runs and waits until no run is active.
 */
import {LakectlError} from '../errors.js'
import type {Layer} from '../config/schema.js'
import type {DatabricksClient} from '../databricks/client.js'
import {waitUntil} from '../databricks/wait.js'
import {activeRuns, cancelRun, type Job, latestRuns, listProjectJobs, roleJob, type Run, updateJob} from '../databricks/jobs.js'
import {UPSTREAM} from './layers.js'

export interface LayerChange {
  layer: Layer
  job_id: number
  /** started / stopped, or already_running / already_stopped when nothing had to change. */
  action: 'started' | 'stopped' | 'already_running' | 'already_stopped' | 'requested'
  run_id?: number
  state: string
}

export interface WaitOptions {
  wait: boolean
  timeoutSeconds: number
  /** One call per observed state change (the command prints it or spins). */
  onState?: (layer: Layer, state: string) => void
  onWarning?: (message: string) => void
}

/** The project's layer jobs, one per layer; a missing one means bootstrap has not run. */
export async function layerJobs(client: DatabricksClient, project: string, layers: readonly Layer[]): Promise<Map<Layer, Job>> {
  const jobs = await listProjectJobs(client, project)
  return new Map(layers.map((layer) => [layer, roleJob(jobs, project, layer)]))
}

export async function startLayers(client: DatabricksClient, project: string, layers: readonly Layer[], options: WaitOptions): Promise<LayerChange[]> {
  const jobs = await layerJobs(client, project, ['bronze', 'silver', 'gold'])
  const changes: LayerChange[] = []
  for (const layer of layers) {
    const job = jobs.get(layer)!
    const running = (await activeRuns(client, job.job_id)).find((r) => r.state.life_cycle_state === 'RUNNING')
    const unpaused = job.settings.continuous?.pause_status === 'UNPAUSED'
    if (running && unpaused) {
      changes.push({layer, job_id: job.job_id, action: 'already_running', run_id: running.run_id, state: 'RUNNING'})
      continue
    }
    const upstream = UPSTREAM[layer]
    if (upstream && !layers.includes(upstream)) {
      const upstreamJob = jobs.get(upstream)!
      const upstreamRunning = upstreamJob.settings.continuous?.pause_status === 'UNPAUSED' && (await activeRuns(client, upstreamJob.job_id)).length > 0
      if (!upstreamRunning) options.onWarning?.(`${upstream} is stopped: ${layer} will start but receive nothing new until it runs (lakectl stream start ${upstream}).`)
    }
    await updateJob(client, job.job_id, {continuous: {...job.settings.continuous, pause_status: 'UNPAUSED'}})
    if (!options.wait) {
      changes.push({layer, job_id: job.job_id, action: 'requested', state: 'STARTING'})
      continue
    }
    const run = await waitFor(client, layer, job.job_id, options, (runs) => runs.find((r) => r.state.life_cycle_state === 'RUNNING'), 'to run')
    changes.push({layer, job_id: job.job_id, action: 'started', run_id: run?.run_id, state: 'RUNNING'})
  }
  return changes
}

export async function stopLayers(client: DatabricksClient, project: string, layers: readonly Layer[], options: WaitOptions): Promise<LayerChange[]> {
  const jobs = await layerJobs(client, project, layers)
  const changes: LayerChange[] = []
  for (const layer of [...layers].reverse()) {
    const job = jobs.get(layer)!
    const active = await activeRuns(client, job.job_id)
    const paused = job.settings.continuous?.pause_status !== 'UNPAUSED'
    if (paused && active.length === 0) {
      changes.push({layer, job_id: job.job_id, action: 'already_stopped', state: 'STOPPED'})
      continue
    }
    await updateJob(client, job.job_id, {continuous: {...job.settings.continuous, pause_status: 'PAUSED'}})
    // Pausing ends a continuous run; cancelling makes sure of it (a no-op on a finished run).
    for (const run of active) await cancelRun(client, run.run_id)
    if (!options.wait) {
      changes.push({layer, job_id: job.job_id, action: 'requested', state: 'STOPPING'})
      continue
    }
    await waitFor(client, layer, job.job_id, options, (runs) => (runs.length === 0 ? ({} as Run) : undefined), 'to stop')
    changes.push({layer, job_id: job.job_id, action: 'stopped', state: 'STOPPED'})
  }
  return changes
}

/** Polls the job's active runs until `done` returns a value; fails on a failed run or at the timeout. */
function waitFor(
  client: DatabricksClient,
  layer: Layer,
  jobId: number,
  options: WaitOptions,
  done: (active: Run[]) => Run | undefined,
  goal: string,
): Promise<Run> {
  const startedAt = Date.now()
  const starting = goal === 'to run'
  const wait = {
    timeoutSeconds: options.timeoutSeconds,
    what: `${layer} ${goal}`,
    hint: `lakectl stream status   (the job keeps ${starting ? 'starting' : 'stopping'} in the background)`,
    onState: (state: string) => options.onState?.(layer, state),
  }
  return waitUntil(client, wait, async () => {
    const active = await activeRuns(client, jobId)
    // With no active run: a stop is done (the run ended: TERMINATED), a start still waits for its run.
    const state = active[0]?.state.life_cycle_state ?? (starting ? 'NO_ACTIVE_RUN' : 'TERMINATED')
    if (active.length === 0 && starting) {
      const [latest] = await latestRuns(client, jobId)
      if (latest && latest.start_time && latest.start_time >= startedAt - 1000 && latest.state.result_state === 'FAILED') {
        throw new LakectlError(`The ${layer} run ${latest.run_id} failed: ${latest.state.state_message ?? 'no message'}`, {code: 'RUN_FAILED', hint: `lakectl stream status`})
      }
    }
    return {state, done: done(active)}
  })
}
