/** Runs the training job and reports the model version it registered, with its metrics. */
import {LakectlError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {waitUntil} from '../databricks/wait.js'
import {getRun, listProjectJobs, runNow, TAG_ROLE} from '../databricks/jobs.js'
import {listVersions, runMetrics} from './registry.js'

export interface TrainResult {
  job_id: number
  run_id: number
  state: string
  model: string
  version: number | null
  metrics: Record<string, number>
}

export async function train(
  client: DatabricksClient,
  options: {project: string; model: string; wait: boolean; timeoutSeconds: number; onState?: (state: string) => void},
): Promise<TrainResult> {
  const job = (await listProjectJobs(client, options.project)).find((j) => j.settings.tags?.[TAG_ROLE] === 'train')
  if (!job) throw new LakectlError(`No training job is deployed for project '${options.project}'.`, {code: 'JOB_NOT_FOUND', hint: 'lakectl bootstrap --yes'})
  const runId = await runNow(client, job.job_id)
  const base = {job_id: job.job_id, run_id: runId, model: options.model}
  if (!options.wait) return {...base, state: 'PENDING', version: null, metrics: {}}

  const run = await waitUntil(client, {timeoutSeconds: options.timeoutSeconds, what: `training run ${runId}`, hint: 'lakectl model versions', onState: options.onState}, async () => {
    const current = await getRun(client, runId)
    const life = current.state.life_cycle_state ?? 'PENDING'
    return {state: `training run ${runId}: ${life}`, done: ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(life) ? current : undefined}
  })
  if (run.state.result_state !== 'SUCCESS') {
    throw new LakectlError(`The training run ${runId} ended ${run.state.result_state ?? run.state.life_cycle_state}: ${run.state.state_message ?? 'no message'}`, {code: 'RUN_FAILED'})
  }
  // The version this run registered carries its MLflow run id... which the job run does not expose:
  // take the newest version created since the run started.
  const versions = (await listVersions(client, options.model)).filter((v) => (v.created_at ?? 0) >= (run.start_time ?? 0) - 1000)
  const newest = versions.sort((a, b) => Number(b.version) - Number(a.version))[0]
  if (!newest) throw new LakectlError(`The training run ${runId} succeeded but registered no version of ${options.model}.`, {code: 'NO_NEW_VERSION'})
  const metrics = newest.run_id ? (await runMetrics(client, newest.run_id)).metrics : {}
  return {...base, state: 'SUCCESS', version: Number(newest.version), metrics}
}
