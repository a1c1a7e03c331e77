/**
 * Models on the real stack: train.py, from its job template, trains on Silver's reviews in local Spark,
 * logs its run to an MLflow tracking server (SQLite store) and registers a version in MLflow's registry
 * (the stand-in for Unity Catalog's) with the alias `challenger`; Silver, restarted with that version as
 * the served one, scores new reviews with exactly that model.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateEvents} from '../../src/pipeline/index.js'
import {waitFor} from '../engine/helpers.js'
import {writeEvents} from './harness/compare.js'
import {MODEL, runJob, TOPIC} from './harness/lakehouse.js'
import {startMlflow, type Mlflow} from './harness/mlflow.js'
import {SparkPipeline} from './harness/pipeline.js'
import {removeScratch, venvBin, venvEnv} from './harness/env.js'
import {stopAll} from './harness/processes.js'

const FIRST = [...generateEvents({count: 3000, seed: 31})]
const LATER = [...generateEvents({count: 1000, seed: 32})]
const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-engines-models-'))
let mlflow: Mlflow
let pipeline: SparkPipeline
let trained: {model: string; version: number; alias: string; run_id: string; metrics: Record<string, number>}

async function mlflowGet(pathname: string): Promise<any> {
  const response = await fetch(`${mlflow.url}${pathname}`)
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`)
  return response.json()
}

/** The registered version's own predictions for the texts (python/score.py). */
function scoreWithRegistry(uri: string, texts: unknown[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvBin('python'), [new URL('./python/score.py', import.meta.url).pathname, uri], {env: venvEnv({MLFLOW_TRACKING_URI: mlflow.url}), stdio: ['pipe', 'pipe', 'inherit']})
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`score.py exited with ${code}`))))
    child.stdin.end(JSON.stringify(texts))
  })
}

async function produce(name: string, values: string[]): Promise<void> {
  const file = path.join(dir, `${name}.jsonl`)
  writeEvents(file, values)
  await pipeline.kafka.produceFile(TOPIC, file)
}

async function silverCaughtUp(records: number): Promise<void> {
  // Its figures are appended before its rows: caught up once they count every record and no batch is under way.
  await waitFor(
    `Silver to read ${records} records`,
    async () => (pipeline.assertRunning(), pipeline.idle('silver') && (await pipeline.progress()).silverIn === records && pipeline.idle('silver') ? true : undefined),
    600_000,
  )
}

beforeAll(async () => {
  mlflow = await startMlflow(path.join(dir, 'mlflow'))
  pipeline = await SparkPipeline.create(path.join(dir, 'pipeline'), {mlflowUri: mlflow.url, servedAlias: 'challenger'})
  await produce('first', FIRST)
  pipeline.start('bronze')
  pipeline.start('silver')
  await silverCaughtUp(FIRST.length)
  await pipeline.drivers.silver!.stop()
  const output = await runJob(pipeline.lakehouse, 'train')
  trained = JSON.parse(output.split('\n').filter((line) => line.startsWith('{"model"')).at(-1)!)
  // Silver again, now with a served version (the registry's challenger), on new events.
  pipeline.start('silver')
  await produce('later', LATER)
  await silverCaughtUp(FIRST.length + LATER.length)
}, 1_500_000)

afterAll(async () => {
  await pipeline?.close()
  await mlflow?.stop()
  await stopAll()
  removeScratch(dir)
})

describe('train.py and scoring on Spark with MLflow', () => {
  it('logs the run with its parameters and held-out metrics to the tracking server', async () => {
    expect(trained).toMatchObject({model: MODEL, version: 1, alias: 'challenger'})
    const {run: logged} = await mlflowGet(`/api/2.0/mlflow/runs/get?run_id=${trained.run_id}`)
    expect(logged.info.status).toBe('FINISHED')
    const metrics = Object.fromEntries(logged.data.metrics.map((m: {key: string; value: number}) => [m.key, m.value]))
    for (const key of ['accuracy', 'precision', 'recall', 'f1', 'auc', 'log_loss', 'n_train', 'n_test']) expect(metrics, key).toHaveProperty(key)
    expect(metrics.f1).toBeGreaterThan(0.8)
    const params = Object.fromEntries(logged.data.params.map((p: {key: string; value: string}) => [p.key, p.value]))
    expect(params).toMatchObject({algorithm: 'logistic_regression', seed: '42'})
  })

  it('registers a READY version and points the challenger alias at it', async () => {
    const {model_version: version} = await mlflowGet(`/api/2.0/mlflow/registered-models/alias?name=${encodeURIComponent(MODEL)}&alias=challenger`)
    expect(version).toMatchObject({name: MODEL, version: '1', status: 'READY', run_id: trained.run_id})
  })

  it('makes Silver score new reviews with exactly that version', async () => {
    const reviews = await pipeline.reader.rows(`SELECT review_text, sentiment_score, sentiment_label, model_version, silver_batch_id
      FROM {silver.customer_events_cleaned} WHERE event_type = 'review' AND event_id LIKE 'evt-00000020-%' ORDER BY event_id`)
    expect(reviews.length).toBeGreaterThan(50)
    for (const review of reviews) {
      expect(review.model_version).toBe('1')
      expect(review.sentiment_label).toBe(Number(review.sentiment_score) >= 0.6 ? 'positive' : Number(review.sentiment_score) <= 0.4 ? 'negative' : 'neutral')
    }
    const stdout = await scoreWithRegistry(`models:/${MODEL}/1`, reviews.map((r) => r.review_text))
    const scores: number[] = JSON.parse(stdout)
    reviews.forEach((review, i) => expect(Number(review.sentiment_score)).toBeCloseTo(scores[i], 9))
  })

  it('records each Silver batch\'s scored rows, mean score and model version in ops.quality_metrics', async () => {
    const [figures] = await pipeline.reader.rows(`SELECT sum(scored_rows) AS scored, sum(mean_score * scored_rows) AS score_sum,
      count(DISTINCT model_version) AS versions, max(model_version) AS version, sum(rows_written) AS written,
      count(*) FILTER (WHERE rows_written > 0 AND (min_event_ts > max_event_ts OR distinct_customers < 1 OR distinct_customers > rows_written)) AS bad
      FROM {ops.quality_metrics} WHERE stream = 'silver'`)
    const [silver] = await pipeline.reader.rows(`SELECT count(*) AS rows, count(sentiment_score) AS scored, sum(sentiment_score) AS score_sum
      FROM {silver.customer_events_cleaned}`)
    expect(Number(figures.scored)).toBeGreaterThan(50)
    expect(figures).toMatchObject({scored: silver.scored, written: silver.rows, versions: 1, version: '1', bad: 0})
    expect(Number(figures.score_sum)).toBeCloseTo(Number(silver.score_sum), 6)
  })

  it('scored nothing before a version was served', async () => {
    const [before] = await pipeline.reader.rows(`SELECT count(*) AS reviews, count(sentiment_score) AS scored FROM {silver.customer_events_cleaned}
      WHERE event_type = 'review' AND event_id LIKE 'evt-0000001f-%'`)
    expect(before.reviews).toBeGreaterThan(100)
    expect(before.scored).toBe(0)
  })
})
