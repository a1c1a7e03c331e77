/**
 * lakectl's model commands against a real MLflow tracking server (the engines tier's, SQLite store on
 * 127.0.0.1), reached through a profile target whose host is the server: two scikit-learn versions of a
 * workspace-registry model (a name without dots) trained and registered with the MLflow client, then
 * the scenario of the local workspace (test/e2e/models.test.ts): versions, the better one promoted, the
 * worse refused with exit 3 and then forced with a reason, rolled back. MLflow has no Model Serving:
 * each promotion says so in one line and still succeeds. State is read back from MLflow's REST API.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, runCli} from '../../helpers/cli.js'
import {syntheticReviews} from '../../helpers/reviews.js'
import {RESOURCES, venvBin, venvEnv} from '../harness/env.js'
import {startMlflow, type Mlflow} from '../harness/mlflow.js'
import {run} from './harness.js'

const MODEL = 'Sentiment'
const TOKEN = 'dapi-peers-mlflow-ignores-this'
const SKIPPED = /^Warning: Skipped the serving update: http:\/\/127\.0\.0\.1:\d+ has no Model Serving API \(GET \/api\/2\.0\/serving-endpoints\/lakectl-sentiment answered 404\), so serving endpoint lakectl-sentiment was not updated\.$/

interface Registered {
  version: number
  run_id: string
  metrics: Record<string, number>
}

describe('lakectl model versions / promote / rollback against an MLflow tracking server', () => {
  let root: string
  let mlflow: Mlflow
  let good: Registered
  let poor: Registered
  const dirs = {home: '', project: '', state: ''}

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'lakectl-peers-mlflow-'))
    for (const key of Object.keys(dirs) as Array<keyof typeof dirs>) mkdirSync((dirs[key] = path.join(root, key)))
    mlflow = await startMlflow(path.join(root, 'mlflow'))
    // Version 1 from plenty of clean reviews, version 2 from a few noisy ones (clearly worse).
    const sets = [syntheticReviews(600, 1), syntheticReviews(70, 3, {mislabelled: 0.3})].map((reviews, i) => {
      const file = path.join(root, `reviews-${i + 1}.json`)
      writeFileSync(file, JSON.stringify(reviews))
      return file
    })
    const script = new URL('python/register_versions.py', import.meta.url).pathname
    const registered = await run(venvBin('python'), [script, path.join(RESOURCES, 'pyspark', 'train.py'), MODEL, ...sets], {
      env: {...(venvEnv({MLFLOW_TRACKING_URI: mlflow.url}) as Record<string, string>)},
      timeoutMs: 300_000,
    })
    if (registered.code !== 0) throw new Error(`registering the versions failed (exit ${registered.code}):\n${registered.stderr}`)
    ;[good, poor] = JSON.parse(registered.stdout.trim().split('\n').pop()!) as Registered[]
    // An MLflow alias (Databricks' workspace registry has none): lakectl shows it, and never moves it.
    await api('POST', '/registered-models/alias', {name: MODEL, alias: 'candidate', version: '2'})

    writeFileSync(path.join(dirs.home, '.databrickscfg'), `[mlflow]\nhost = ${mlflow.url}\ntoken = ${TOKEN}\n`)
    writeFileSync(path.join(dirs.project, 'lakectl.yaml'), 'default_target: mlflow\ntargets:\n  mlflow: {profile: mlflow}\n')
  }, 600_000)

  afterAll(async () => {
    await mlflow?.stop()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  function lakectl(args: string[]): Promise<CliResult> {
    return runCli(args, {
      cwd: dirs.project,
      env: {PATH: process.env.PATH ?? '', HOME: dirs.home, NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', LAKECTL_STATE_DIR: dirs.state, CI: 'true'},
    })
  }

  /** MLflow's REST API, read independently of lakectl. */
  async function api(method: string, pathname: string, body?: unknown): Promise<any> {
    const response = await fetch(`${mlflow.url}/api/2.0/mlflow${pathname}`, {
      method,
      headers: {'content-type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${text}`)
    return text ? JSON.parse(text) : {}
  }

  const version = async (n: number) => (await api('GET', `/model-versions/get?name=${MODEL}&version=${n}`)).model_version
  const production = async (): Promise<string | undefined> =>
    (await api('POST', '/registered-models/get-latest-versions', {name: MODEL, stages: ['Production']})).model_versions?.[0]?.version
  const tag = async (n: number, key: string) => (await version(n)).tags?.find((t: {key: string}) => t.key === key)?.value

  /** stderr holds the progress line and exactly the one line about the skipped serving update. */
  function skippedOnce(result: CliResult, progress: string): void {
    const lines = result.stderr.split('\n').filter((line) => line.trim() && line !== progress)
    expect(lines).toEqual([expect.stringMatching(SKIPPED)])
  }

  it('trained the versions to differ', () => {
    expect(good.metrics.f1).toBeGreaterThan(0.9)
    expect(poor.metrics.f1).toBeLessThan(good.metrics.f1 - 0.1)
  })

  it('lists the versions: status, stage, MLflow aliases and the metrics of their runs', async () => {
    const result = await lakectl(['model', 'versions', MODEL, '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toEqual({
      model: MODEL,
      versions: [
        expect.objectContaining({version: 2, status: 'READY', stage: 'None', aliases: ['candidate'], run_id: poor.run_id, metrics: expect.objectContaining({f1: poor.metrics.f1})}),
        expect.objectContaining({version: 1, status: 'READY', stage: 'None', aliases: [], run_id: good.run_id, metrics: expect.objectContaining({f1: good.metrics.f1})}),
      ],
    })
    const unknown = await lakectl(['model', 'versions', 'Nope'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/RESOURCE_DOES_NOT_EXIST.*Nope/)
  })

  it('promotes the better version to Production, saying in one line that MLflow has no serving to update', async () => {
    const result = await lakectl(['model', 'promote', '--yes', MODEL, '--version', '1', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({outcome: 'promoted', stage: 'Production', version: 1, previous_version: null, served: false, endpoint: null})
    skippedOnce(result, 'Checking the candidate...')
    expect(await production()).toBe('1')
    expect(await tag(1, 'lakectl.promotion.previous_version')).toBe('')
  })

  it('refuses the worse version with exit 3 and changes nothing', async () => {
    const result = await lakectl(['model', 'promote', '--yes', MODEL, '--version', '2'])
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/PROMOTION_REFUSED/)
    expect(result.stderr).toMatch(/does not beat the champion \(version 1\): f1/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(await production()).toBe('1')
    expect((await version(2)).current_stage).toBe('None')
    expect(await tag(2, 'lakectl.promotion.forced_reason')).toBeUndefined()
  })

  it('promotes it with --force and a reason, recorded on the version', async () => {
    const result = await lakectl(['model', 'promote', '--yes', MODEL, '--version', '2', '--force', '--reason', 'canary for INC-46', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({outcome: 'forced', version: 2, previous_version: 1, reason: 'canary for INC-46', comparison: {metric: 'f1', candidate: poor.metrics.f1, current: good.metrics.f1}})
    skippedOnce(result, 'Checking the candidate...')
    expect(await production()).toBe('2')
    expect((await version(1)).current_stage).toBe('Archived')
    expect(await tag(2, 'lakectl.promotion.forced_reason')).toBe('canary for INC-46')
    expect(await tag(2, 'lakectl.promotion.previous_version')).toBe('1')
    // MLflow has no SCIM: who forced it is unknown, and said so.
    expect(await tag(2, 'lakectl.promotion.forced_by')).toBe('unknown')
    const versions = await lakectl(['model', 'versions', MODEL, '--json'])
    expect(versions.json().versions[0]).toMatchObject({version: 2, stage: 'Production', forced: {reason: 'canary for INC-46', by: 'unknown'}})
  })

  it('rolls back: the better version is in Production again', async () => {
    const result = await lakectl(['model', 'rollback', '--yes', MODEL, '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({outcome: 'rolled_back', stage: 'Production', version: 1, previous_version: 2, served: false})
    skippedOnce(result, 'Rolling back...')
    expect(await production()).toBe('1')
    expect((await version(2)).current_stage).toBe('Archived')
    expect(await tag(1, 'lakectl.promotion.previous_version')).toBe('2')
    // MLflow's alias is where it was: lakectl moves stages only.
    expect((await api('GET', `/registered-models/alias?name=${MODEL}&alias=candidate`)).model_version.version).toBe('2')

    const table = await lakectl(['model', 'versions', MODEL])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/\b1[\s|]+READY[\s|]+Production[\s|]/)
    expect(table.stdout).toMatch(/\b2[\s|]+READY[\s|]+Archived[\s|]+candidate[\s|]/)
  })

  it('keeps the profile token out of the --debug trace', async () => {
    const result = await lakectl(['model', 'versions', MODEL, '--debug'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/GET \/api\/2\.0\/mlflow\/model-versions\/search/)
    expect(result.stdout + result.stderr).not.toContain(TOKEN)
  })
})
