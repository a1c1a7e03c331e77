/**
 * The tier's own machinery: a KRaft Kafka broker with SASL/PLAIN, an MLflow server with a SQLite store
 * on 127.0.0.1 (spark-submit with Delta runs in every other file of the tier).
 */
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {startKafka} from './harness/kafka.js'
import {startMlflow} from './harness/mlflow.js'
import {removeScratch} from './harness/env.js'
import {stopAll} from './harness/processes.js'

const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-engines-harness-'))
afterAll(async () => {
  await stopAll()
  removeScratch(dir)
})

describe('engines tier harness', () => {
  it('runs a Kafka broker that takes SASL/PLAIN producers', async () => {
    const kafka = await startKafka(path.join(dir, 'kafka'))
    await kafka.createTopic('smoke', 2)
    const file = path.join(dir, 'smoke.jsonl')
    writeFileSync(file, '{"a":1}\n\nnot json\n')
    expect((await kafka.produceFile('smoke', file)).records).toBe(3)
    await kafka.stop()
    expect(kafka.process.running).toBe(false)
  })

  it('runs an MLflow tracking server with a SQLite store', async () => {
    const mlflow = await startMlflow(path.join(dir, 'mlflow'))
    const response = await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/search`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({max_results: 10})})
    const {experiments} = (await response.json()) as {experiments: Array<{name: string}>}
    expect(experiments.map((e) => e.name)).toContain('Default')
    await mlflow.stop()
  })
})
