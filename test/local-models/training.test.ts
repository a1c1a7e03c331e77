/**
 * The training job's executor and the scoring extension point, on the local workspace's services
 * (no HTTP): train.py on Silver's reviews -> MLflow run + READY version + challenger alias; the served
 * version is what Silver's sentiment_score() gets; all of it survives a restart.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {executorFor, type TaskContext} from '../../src/local/jobs/executors.js'
import {runJson} from '../../src/local/models/tracking.js'
import {trainingRequest} from '../../src/local/models/training.js'
import {DEFAULT_LIMITS} from '../../src/local/limits.js'
import {openServices, type LocalServices} from '../../src/local/services.js'
import type {StatementParameter} from '../../src/local/sql/execute.js'
import {statePaths} from '../../src/local/state-dir.js'
import type {TrainingExample} from '../../src/models/trainer.js'
import {HAPPY, syntheticReviews, UNHAPPY} from '../helpers/reviews.js'

const MODEL = 'lh.ml.sentiment'
const TRAIN_PARAMETERS = {catalog: 'lh', 'model-name': 'sentiment', 'experiment-path': '/Shared/lakectl/sentiment'}

let stateDir: string
let services: LocalServices

const open = () => openServices(statePaths(stateDir), {...DEFAULT_LIMITS, servingUpdateMs: 0})

async function sql(statement: string, parameters: StatementParameter[] = []): Promise<void> {
  const response = (await services.statements.execute({statement, session: {}, parameters, waitMs: 30_000, cancelOnTimeout: false})) as {status: {state: string; error?: unknown}}
  if (response.status.state !== 'SUCCEEDED') throw new Error(`${statement.slice(0, 80)}...: ${JSON.stringify(response.status)}`)
}

/** Replaces Silver's reviews (plus a few rows training must ignore); values go in as parameters. */
async function loadReviews(reviews: TrainingExample[]): Promise<void> {
  await sql('DELETE FROM lh.silver.customer_events_cleaned')
  for (let start = 0; start < reviews.length; start += 200) {
    const batch = reviews.slice(start, start + 200)
    await sql(
      `INSERT INTO lh.silver.customer_events_cleaned VALUES ${batch.map((_, i) => `('review', :r${i}, :t${i}, TIMESTAMP '2026-01-01 00:00:00')`).join(', ')}`,
      batch.flatMap((r, i) => [{name: `r${i}`, value: String(r.rating), type: 'INT'}, {name: `t${i}`, value: r.text, type: 'STRING'}]),
    )
  }
  await sql(`INSERT INTO lh.silver.customer_events_cleaned VALUES ('view', NULL, NULL, TIMESTAMP '2026-01-02'), ('review', NULL, 'no rating', TIMESTAMP '2026-01-02'), ('review', 5, '  ', TIMESTAMP '2026-01-02')`)
}

function runTrainTask(parameters: Record<string, string>): Promise<void> {
  const log: string[] = []
  const context = {parameters, jobParameters: {}, services, signal: new AbortController().signal, log: (line: string) => log.push(line)}
  return executorFor('/Workspace/Shared/lakectl/pyspark/train.py')!.run(context as unknown as TaskContext)
}

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'lakectl-models-'))
  services = await open()
  await services.catalog.createCatalog({name: 'lh'})
  for (const name of ['silver', 'ml']) await services.catalog.createSchema({catalog_name: 'lh', name})
  await sql('CREATE TABLE lh.silver.customer_events_cleaned (event_type STRING, rating INT, review_text STRING, event_ts TIMESTAMP)')
})

afterAll(async () => {
  await services?.close()
  rmSync(stateDir, {recursive: true, force: true})
})

describe('the train.py executor', () => {
  it('fails with the trainer\'s message when there are too few labelled reviews, registering nothing', async () => {
    await loadReviews(syntheticReviews(12, 7))
    await expect(runTrainTask(TRAIN_PARAMETERS)).rejects.toThrow(/Too few labelled reviews .* at least 10 of each/)
    expect(services.models.registry.hasModel(MODEL)).toBe(false)
  })

  it('trains, logs an MLflow run, registers a READY version and points challenger at it', async () => {
    await loadReviews(syntheticReviews(800, 1))
    await runTrainTask(TRAIN_PARAMETERS)
    const version = services.models.registry.versionByAlias(MODEL, 'challenger', true) as any
    expect(version).toMatchObject({model_name: 'sentiment', catalog_name: 'lh', schema_name: 'ml', version: 1, status: 'READY', aliases: [{alias_name: 'challenger', version_num: 1}]})
    expect(version.source).toBe(`runs:/${version.run_id}/model`)

    const run = runJson(services.models.tracking.getRun(version.run_id)) as any
    expect(run.info).toMatchObject({status: 'FINISHED', lifecycle_stage: 'active'})
    expect(run.info.run_name).toMatch(/^sentiment-\d{8}T\d{6}Z$/)
    const metrics = Object.fromEntries(run.data.metrics.map((m: any) => [m.key, m.value]))
    expect(metrics.f1).toBeGreaterThan(0.9)
    expect(metrics.n_train + metrics.n_test).toBe(800)
    expect(run.data.params).toEqual(expect.arrayContaining([{key: 'algorithm', value: 'logistic_regression'}, {key: 'C', value: '4'}]))
    expect(run.data.tags).toEqual(expect.arrayContaining([{key: 'lakectl.source_table', value: 'lh.silver.customer_events_cleaned'}]))
  })

  it('registers the next version on new data and moves challenger; options come from the task parameters', async () => {
    await loadReviews(syntheticReviews(70, 3, {mislabelled: 0.3}))
    await runTrainTask({...TRAIN_PARAMETERS, C: '2', seed: '7'})
    const version = services.models.registry.versionByAlias(MODEL, 'challenger', false) as any
    expect(version.version).toBe(2)
    const run = runJson(services.models.tracking.getRun(version.run_id)) as any
    expect(run.data.params).toEqual(expect.arrayContaining([{key: 'C', value: '2'}, {key: 'seed', value: '7'}]))
    const f1 = (v: number) => {
      const {run_id} = services.models.registry.getVersion(MODEL, v, false) as {run_id: string}
      return services.models.tracking.getRun(run_id).metrics.f1.value
    }
    expect(f1(1)).toBeGreaterThan(f1(2) + 0.1)
  })

  it('refuses bad parameters and a missing Silver table', async () => {
    expect(() => trainingRequest({...TRAIN_PARAMETERS, epochs: '3'})).toThrow(/unrecognized arguments: --epochs/)
    expect(() => trainingRequest({...TRAIN_PARAMETERS, C: 'lots'})).toThrow(/--C must be a number/)
    expect(() => trainingRequest({catalog: 'x; DROP'})).toThrow(/invalid model/)
    expect(() => trainingRequest({...TRAIN_PARAMETERS, alias: 'latest'})).toThrow(/Invalid alias/)
    expect(trainingRequest({model: 'a.b.c'})).toMatchObject({catalog: 'a', model: 'a.b.c', alias: 'challenger'})
    await expect(runTrainTask({catalog: 'nope'})).rejects.toThrow(/Catalog 'nope' does not exist/)
  })
})

describe('scoring for Silver (services.scoring)', () => {
  it('is null until an endpoint serves the model, then scores with the served version', async () => {
    expect(services.scoring.current()).toBeNull()
    services.models.serving.create({name: 'lakectl-sentiment', config: {served_entities: [{entity_name: MODEL, entity_version: '1'}]}})
    const served = services.scoring.current()!
    expect(served).toMatchObject({endpoint: 'lakectl-sentiment', model: MODEL, version: '1'})
    const [happy, unhappy, none] = served.score([HAPPY, UNHAPPY, null])
    expect(happy!).toBeGreaterThan(0.8)
    expect(unhappy!).toBeLessThan(0.2)
    expect(none).toBeNull()
    expect(services.scoring.current(MODEL)?.version).toBe('1')
    expect(services.scoring.current('lh.ml.other')).toBeNull()
  })

  it('follows the endpoint to the version it serves after an update', async () => {
    services.models.serving.updateConfig('lakectl-sentiment', {served_entities: [{entity_name: MODEL, entity_version: '2'}]})
    expect(services.scoring.current()?.version).toBe('2')
  })

  it('keeps the registry, runs, endpoints and artifacts across a restart', async () => {
    await services.close()
    services = await open()
    const version = services.models.registry.versionByAlias(MODEL, 'challenger', false) as any
    expect(version).toMatchObject({version: 2, status: 'READY'})
    expect(services.models.tracking.getRun(version.run_id).status).toBe('FINISHED')
    const served = services.scoring.current()!
    expect(served.version).toBe('2')
    expect(served.score([HAPPY])[0]).toBeGreaterThan(0.5)
  })
})
