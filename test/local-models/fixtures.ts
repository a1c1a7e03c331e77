/** Shared set-up for the model tests: a schema to register in, and runs that log a trained model. */
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {MODEL_ARTIFACT_FILE} from '../../src/local/models/artifacts.js'
import {trainSentimentModel, type TrainingResult} from '../../src/models/trainer.js'
import type {TestServer} from '../local/harness.js'
import {syntheticReviews} from '../helpers/reviews.js'

export const UC = '/api/2.1/unity-catalog'
export const MLFLOW = '/api/2.0/mlflow'
export const ENDPOINTS = '/api/2.0/serving-endpoints'

let good: TrainingResult | undefined
let poor: TrainingResult | undefined
/** A model trained on plenty of clean reviews (f1 ~0.9+). */
export const goodModel = () => (good ??= trainSentimentModel(syntheticReviews(600, 1)))
/** A model trained on a few noisy reviews (clearly worse). */
export const poorModel = () => (poor ??= trainSentimentModel(syntheticReviews(70, 3, {mislabelled: 0.3})))

export async function createSchema(server: TestServer, catalog: string, schema: string): Promise<void> {
  if ((await server.call('GET', `${UC}/catalogs/${catalog}`)).status === 404) await server.ok('POST', `${UC}/catalogs`, {name: catalog})
  if ((await server.call('GET', `${UC}/schemas/${catalog}.${schema}`)).status === 404) await server.ok('POST', `${UC}/schemas`, {catalog_name: catalog, name: schema})
}

/**
 * Logs an MLflow run with the training result's params and metrics, and writes the model artifact
 * into the run's artifact location as an MLflow client logging to a local store does. Returns the run id.
 */
export async function logRun(server: TestServer, result: TrainingResult, artifact: unknown = result.model): Promise<string> {
  const {run} = await server.ok('POST', `${MLFLOW}/runs/create`, {run_name: 'test-run'})
  const runId: string = run.info.run_id
  await server.ok('POST', `${MLFLOW}/runs/log-batch`, {
    run_id: runId,
    params: Object.entries(result.params).map(([key, value]) => ({key, value})),
    metrics: Object.entries(result.metrics).map(([key, value]) => ({key, value, timestamp: Date.now(), step: 0})),
  })
  const folder = path.join(fileURLToPath(run.info.artifact_uri), 'model')
  mkdirSync(folder, {recursive: true})
  writeFileSync(path.join(folder, MODEL_ARTIFACT_FILE), JSON.stringify(artifact))
  await server.ok('POST', `${MLFLOW}/runs/update`, {run_id: runId, status: 'FINISHED'})
  return runId
}

/** Registers a version of a Unity Catalog model from a run's logged model. */
export async function registerVersion(server: TestServer, fullName: string, runId: string): Promise<any> {
  const [catalog_name, schema_name, model_name] = fullName.split('.')
  return server.ok('POST', `${UC}/models/versions`, {catalog_name, schema_name, model_name, source: `runs:/${runId}/model`, run_id: runId})
}

/** Follows next_page_token until it is absent, returning every page's items. */
export async function allPages(server: TestServer, pathname: string, key: string): Promise<any[][]> {
  const pages: any[][] = []
  let token: string | undefined
  do {
    const separator = pathname.includes('?') ? '&' : '?'
    const body = await server.ok('GET', `${pathname}${token ? `${separator}page_token=${encodeURIComponent(token)}` : ''}`)
    pages.push(body[key] ?? [])
    token = body.next_page_token
  } while (token)
  return pages
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
