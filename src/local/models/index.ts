/**
 * The local workspace's model areas, opened together over one model store: MLflow tracking, the
 * Unity Catalog and workspace model registries, Model Serving, and the training job's executor.
 */
import type {UnityCatalog} from '../catalog/unity-catalog.js'
import type {Engine} from '../engine/engine.js'
import {registerExecutor, type TaskExecutor} from '../jobs/executors.js'
import {Artifacts} from './artifacts.js'
import {InferenceLog} from './inference-log.js'
import {ModelRegistry} from './registry.js'
import {Serving, type ServedModel} from './serving.js'
import {modelPaths, openModelStore} from './state.js'
import {Tracking} from './tracking.js'
import {trainAndRegister, trainingRequest, type TrainingOutcome, type TrainingRequest} from './training.js'
import {WorkspaceRegistry} from './workspace-registry.js'

export interface LocalModels {
  tracking: Tracking
  registry: ModelRegistry
  workspaceRegistry: WorkspaceRegistry
  serving: Serving
  /** Trains on Silver's reviews and registers a version (what the `train.py` task runs). */
  train(request: TrainingRequest): Promise<TrainingOutcome>
  /** Writes what the inference tables still buffer. */
  close(): Promise<void>
}

/** Silver's sentiment_score() asks this which model version to score with (see Serving.current). */
export interface Scoring {
  current(model?: string): ServedModel | null
}

export interface ModelOptions {
  /** Folder for the models' state and artifacts (`<state>/models`). */
  root: string
  /** How long a serving endpoint's config update stays IN_PROGRESS. */
  servingUpdateMs: number
  log?: (line: string) => void
}

/** The `train.py` task, run on the services of the workspace that runs the job. */
const trainingExecutor: TaskExecutor = {
  async run(ctx) {
    const outcome = await ctx.services.models.train(trainingRequest(ctx.parameters))
    await ctx.services.lineage.afterTraining(ctx, outcome.source_table, outcome.model, outcome.version)
    ctx.log(`registered ${outcome.model} version ${outcome.version} (alias ${outcome.alias}), MLflow run ${outcome.run_id}, f1 ${outcome.metrics.f1.toFixed(4)}`)
  },
}

export function openModels(options: ModelOptions, catalog: UnityCatalog, engine: Engine): {models: LocalModels; scoring: Scoring} {
  const paths = modelPaths(options.root)
  const store = openModelStore(paths.state)
  const artifacts = new Artifacts(paths.runs, paths.registry)
  const tracking = new Tracking(store, artifacts)
  const registry = new ModelRegistry(store, catalog, artifacts, tracking)
  const inferenceLog = new InferenceLog(engine, catalog, options.log)
  const workspaceRegistry = new WorkspaceRegistry(store, artifacts, tracking)
  const serving = new Serving(
    store,
    {servable: (entity, version) => (entity.includes('.') ? registry : workspaceRegistry).servable(entity, version)},
    artifacts,
    options.servingUpdateMs,
    inferenceLog,
  )
  registerExecutor('train.py', trainingExecutor)
  return {
    models: {
      tracking,
      registry,
      workspaceRegistry,
      serving,
      train: (request) => trainAndRegister({engine, catalog, artifacts, tracking, registry}, request),
      close: () => inferenceLog.close(),
    },
    scoring: {current: (model) => serving.current(model)},
  }
}
