/**
 * MLflow tracking (reference 6.3): experiments and runs with params, latest metrics and tags. Runs are
 * created by the local training job, or by clients through runs/create and runs/log-batch.
 */
import {randomUUID} from 'node:crypto'

import {invalidParameter, notFound} from '../http/errors.js'
import {LOCAL_USER_NAME} from '../identity.js'
import type {Artifacts} from './artifacts.js'
import type {ExperimentRecord, ModelStore, RunRecord, RunStatus} from './state.js'

const DEFAULT_EXPERIMENT_ID = '0'

export interface KeyValue {
  key: string
  value: string
}

export interface MetricInput {
  key: string
  value: number
  timestamp?: number
  step?: number
}

export interface RunBatch {
  metrics?: MetricInput[]
  params?: KeyValue[]
  tags?: KeyValue[]
}

const MAX_PARAM_VALUE = 6000

export class Tracking {
  constructor(
    private readonly store: ModelStore,
    private readonly artifacts: Artifacts,
  ) {
    if (!store.state.experiments[DEFAULT_EXPERIMENT_ID]) this.addExperiment(DEFAULT_EXPERIMENT_ID, 'Default')
  }

  /** The experiment with this name (a workspace path on Databricks), created on first use. */
  experimentByName(name: string): ExperimentRecord {
    const existing = Object.values(this.store.state.experiments).find((e) => e.name === name)
    if (existing) return existing
    const id = String(this.store.update((state) => state.next_experiment_id++))
    return this.addExperiment(id, name)
  }

  createRun(input: {experiment_id?: string; run_name?: string; start_time?: number; tags?: KeyValue[]}): RunRecord {
    const experimentId = input.experiment_id ?? DEFAULT_EXPERIMENT_ID
    if (!this.store.state.experiments[experimentId]) throw notFound('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${experimentId}`)
    const runId = randomUUID().replaceAll('-', '')
    const run: RunRecord = {
      run_id: runId,
      experiment_id: experimentId,
      run_name: input.run_name ?? `run-${runId.slice(0, 8)}`,
      user_id: LOCAL_USER_NAME,
      status: 'RUNNING',
      start_time: input.start_time ?? Date.now(),
      artifact_uri: this.artifacts.runArtifactUri(experimentId, runId),
      metrics: {},
      params: {},
      tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])),
    }
    this.store.update((state) => (state.runs[runId] = run))
    return run
  }

  getRun(runId: string): RunRecord {
    const run = this.store.state.runs[runId]
    if (!run) throw notFound('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found.`)
    return run
  }

  /** Params are immutable (a different value for a logged key is refused); a metric keeps its latest value. */
  logBatch(runId: string, batch: RunBatch): void {
    const run = this.getRun(runId)
    for (const {key, value} of batch.params ?? []) {
      validKey(key, 'param')
      if (value.length > MAX_PARAM_VALUE) throw invalidParameter(`Param '${key}' is longer than ${MAX_PARAM_VALUE} characters.`)
      if (run.params[key] !== undefined && run.params[key] !== value) {
        throw invalidParameter(`Changing param values is not allowed. Param with key='${key}' was already logged with value='${run.params[key]}' for run ID='${runId}'. Attempted logging new value '${value}'.`)
      }
    }
    for (const metric of batch.metrics ?? []) validKey(metric.key, 'metric')
    for (const tag of batch.tags ?? []) validKey(tag.key, 'tag')
    const now = Date.now()
    this.store.update(() => {
      for (const {key, value} of batch.params ?? []) run.params[key] = value
      for (const {key, value} of batch.tags ?? []) run.tags[key] = value
      for (const metric of batch.metrics ?? []) {
        const next = {value: metric.value, timestamp: metric.timestamp ?? now, step: metric.step ?? 0}
        const current = run.metrics[metric.key]
        if (!current || next.step > current.step || (next.step === current.step && next.timestamp >= current.timestamp)) run.metrics[metric.key] = next
      }
    })
  }

  updateRun(runId: string, changes: {status?: RunStatus; end_time?: number; run_name?: string}): RunRecord {
    const run = this.getRun(runId)
    this.store.update(() => {
      if (changes.status) run.status = changes.status
      if (changes.end_time !== undefined) run.end_time = changes.end_time
      else if (changes.status && changes.status !== 'RUNNING' && changes.status !== 'SCHEDULED') run.end_time ??= Date.now()
      if (changes.run_name) run.run_name = changes.run_name
    })
    return run
  }

  private addExperiment(id: string, name: string): ExperimentRecord {
    const experiment = {experiment_id: id, name, artifact_location: this.artifacts.experimentUri(id), creation_time: Date.now()}
    this.store.update((state) => (state.experiments[id] = experiment))
    return experiment
  }
}

function validKey(key: string, what: string): void {
  if (!/^[A-Za-z0-9_\-. /]{1,250}$/.test(key)) throw invalidParameter(`Invalid ${what} name '${key}': use letters, digits, '_', '-', '.', ' ' or '/' (at most 250).`)
}

export function runInfo(run: RunRecord): Record<string, unknown> {
  return {
    run_id: run.run_id,
    run_uuid: run.run_id,
    run_name: run.run_name,
    experiment_id: run.experiment_id,
    user_id: run.user_id,
    status: run.status,
    start_time: run.start_time,
    ...(run.end_time === undefined ? {} : {end_time: run.end_time}),
    artifact_uri: run.artifact_uri,
    lifecycle_stage: 'active',
  }
}

/** The wire form of runs/get: `{info, data, inputs}`. */
export function runJson(run: RunRecord): Record<string, unknown> {
  const pairs = (values: Record<string, string>) => Object.entries(values).map(([key, value]) => ({key, value}))
  return {
    info: runInfo(run),
    data: {
      metrics: Object.entries(run.metrics).map(([key, m]) => ({key, value: m.value, timestamp: m.timestamp, step: m.step})),
      params: pairs(run.params),
      tags: pairs({...run.tags, 'mlflow.runName': run.run_name, 'mlflow.user': run.user_id}),
    },
    inputs: {},
  }
}
