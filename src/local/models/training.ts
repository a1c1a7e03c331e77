/**
 * The local `train.py`: what resources/pyspark/train.py does on Databricks, on the local workspace.
 * Reads Silver's labelled reviews, trains with the TypeScript trainer (the same model train.py fits),
 * logs an MLflow run (params, metrics, the model artifact), registers a new version of
 * `<catalog>.ml.<model>` (creating the model on first use) and points the alias (challenger) at it.
 */
import {IDENTIFIER} from '../../databricks/identifiers.js'
import {trainSentimentModel, type TrainingOptions} from '../../models/trainer.js'
import {SCORE_BINS_TAG} from '../../reports/model-metrics.js'
import type {UnityCatalog} from '../catalog/unity-catalog.js'
import {qualifiedName, type Engine} from '../engine/engine.js'
import type {Artifacts} from './artifacts.js'
import {validAlias, type ModelRegistry} from './registry.js'
import type {Tracking} from './tracking.js'

export interface TrainingRequest {
  catalog: string
  model: string
  experimentPath: string
  alias: string
  /** The most recent reviews to train on. */
  maxRows: number
  options: TrainingOptions
}

export interface TrainingOutcome {
  model: string
  version: number
  alias: string
  run_id: string
  metrics: Record<string, number>
  /** The table the examples were read from. */
  source_table: string
}

const SOURCE_SCHEMA = 'silver'
const SOURCE_TABLE = 'customer_events_cleaned'
/** The logged model's folder in the run's artifacts (train.py: `log_model(artifact_path="model")`). */
const MODEL_ARTIFACT_PATH = 'model'

/** Parameters of the training task (train.py's flags, without the dashes); unknown ones are refused as argparse does. */
export function trainingRequest(parameters: Readonly<Record<string, string>>): TrainingRequest {
  const known = new Set(['catalog', 'model-name', 'model', 'experiment-path', 'alias', 'C', 'max-iter', 'max-vocab', 'min-df', 'test-fraction', 'seed', 'min-per-class', 'max-rows', 'registration-timeout'])
  const unknown = Object.keys(parameters).filter((name) => !known.has(name))
  if (unknown.length) throw new Error(`train.py: unrecognized arguments: ${unknown.map((n) => `--${n}`).join(' ')}`)
  const number = (name: string): number | undefined => {
    const text = parameters[name]
    if (text === undefined) return undefined
    const value = Number(text)
    if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`train.py: --${name} must be a number, got '${text}'.`)
    return value
  }
  // --model catalog.schema.name, or --catalog and --model-name as the job template passes them (schema ml).
  const parts = parameters.model?.split('.') ?? [parameters.catalog ?? 'lakehouse', 'ml', parameters['model-name'] ?? 'sentiment']
  if (parts.length !== 3 || parts.some((part) => !IDENTIFIER.test(part))) {
    throw new Error(`train.py: invalid model '${parts.join('.')}': expected catalog.schema.model of simple identifiers (letters, digits, underscores).`)
  }
  const maxRows = number('max-rows') ?? 500_000
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new Error(`train.py: --max-rows must be a positive integer, got ${maxRows}.`)
  return {
    catalog: parts[0],
    model: parts.join('.'),
    experimentPath: parameters['experiment-path'] ?? '/Shared/lakectl/sentiment',
    alias: validAlias(parameters.alias ?? 'challenger'),
    maxRows,
    options: {
      C: number('C'),
      maxIterations: number('max-iter'),
      maxVocabulary: number('max-vocab'),
      minDocumentFrequency: number('min-df'),
      testFraction: number('test-fraction'),
      seed: number('seed'),
      minExamplesPerClass: number('min-per-class'),
    },
  }
}

export interface TrainingDeps {
  engine: Engine
  catalog: UnityCatalog
  artifacts: Artifacts
  tracking: Tracking
  registry: ModelRegistry
}

export async function trainAndRegister(deps: TrainingDeps, request: TrainingRequest): Promise<TrainingOutcome> {
  const examples = await labelledReviews(deps, request)
  // Too few reviews throws here, before any run is logged (as train.py exits before start_run).
  const {model, metrics, params, scoreBins} = trainSentimentModel(examples, request.options)

  const experiment = deps.tracking.experimentByName(request.experimentPath)
  const started = Date.now()
  const run = deps.tracking.createRun({
    experiment_id: experiment.experiment_id,
    run_name: `sentiment-${new Date(started).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`,
    start_time: started,
    tags: [
      {key: 'lakectl.component', value: 'sentiment-training'},
      {key: 'lakectl.source_table', value: sourceTable(request)},
    ],
  })
  deps.tracking.logBatch(run.run_id, {
    params: Object.entries({...params, engine: 'lakectl local (TypeScript)'}).map(([key, value]) => ({key, value})),
    metrics: Object.entries(metrics).map(([key, value]) => ({key, value, timestamp: started, step: 0})),
  })
  deps.artifacts.logModel(run.artifact_uri, MODEL_ARTIFACT_PATH, model)
  deps.tracking.updateRun(run.run_id, {status: 'FINISHED', end_time: Date.now()})

  const [catalogName, schemaName, modelName] = request.model.split('.')
  if (!deps.registry.hasModel(request.model)) {
    await deps.registry.createModel({catalog_name: catalogName, schema_name: schemaName, name: modelName, comment: 'Sentiment of review text (lakectl).'})
  }
  const version = deps.registry.createVersion({
    catalog_name: catalogName,
    schema_name: schemaName,
    model_name: modelName,
    source: `runs:/${run.run_id}/${MODEL_ARTIFACT_PATH}`,
    run_id: run.run_id,
  }) as {version: number; status: string; status_message?: string}
  if (version.status !== 'READY') throw new Error(`Model version ${request.model}/${version.version} failed registration: ${version.status_message ?? version.status}`)
  // The training score distribution stays with the version: report model measures drift against it.
  deps.registry.setVersionTag(request.model, version.version, SCORE_BINS_TAG, JSON.stringify(scoreBins))
  deps.registry.setAlias(request.model, request.alias, version.version)
  return {model: request.model, version: version.version, alias: request.alias, run_id: run.run_id, metrics, source_table: sourceTable(request)}
}

function sourceTable(request: TrainingRequest): string {
  return `${request.catalog}.${SOURCE_SCHEMA}.${SOURCE_TABLE}`
}

async function labelledReviews(deps: TrainingDeps, request: TrainingRequest): Promise<Array<{text: string; rating: number}>> {
  await deps.catalog.requireTable(request.catalog, SOURCE_SCHEMA, SOURCE_TABLE)
  const rows = await deps.engine.query(
    `SELECT review_text, rating FROM ${qualifiedName([request.catalog, SOURCE_SCHEMA, SOURCE_TABLE])}
      WHERE event_type = 'review' AND rating IS NOT NULL AND review_text IS NOT NULL AND trim(review_text) <> ''
      ORDER BY event_ts DESC LIMIT $1`,
    [request.maxRows],
  )
  return rows.map((row) => ({text: String(row.review_text), rating: Number(row.rating)}))
}
