/**
 * What the peers tier shares: where the engines cache keeps the official clients, a child-process
 * runner with a deadline, and a local workspace seeded with what the tours read (a registered model
 * with two READY versions trained for real, and a serving endpoint on version 1).
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {TestServer} from '../../local/harness.js'
import {createSchema, ENDPOINTS, goodModel, logRun, poorModel, registerVersion} from '../../local-models/fixtures.js'

export const REPO = fileURLToPath(new URL('../../../', import.meta.url))
export const CACHE = path.resolve(process.env.LAKECTL_ENGINES_CACHE ?? path.join(REPO, '.cache/engines'))
export const PEERS = path.join(CACHE, 'peers')

/** A file the set-up script installs; a missing one fails the test with the command that installs it. */
export function installed(relative: string): string {
  const file = path.join(PEERS, relative)
  if (!existsSync(file)) throw new Error(`${file} is missing: run test/engines/setup/setup.sh (LAKECTL_ENGINES_CACHE=${CACHE})`)
  return file
}

export interface ProcessResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a program to its end (killed at the deadline), with only the given environment plus PATH and HOME. */
export function run(command: string, args: string[], options: {env?: Record<string, string>; cwd?: string; timeoutMs?: number; input?: string} = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO,
      env: {PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
    child.stdin.end(options.input ?? '')
  })
}

export const TOUR_MODEL = 'tour_ml.ml.sentiment'
export const TOUR_ENDPOINT = 'tour-sentiment'

/** A local workspace with small result chunks, a model of two versions (1 poor, 2 good) and an endpoint serving version 1. */
export async function seededWorkspace(): Promise<TestServer> {
  const server = await TestServer.start({limits: {resultChunkRows: 10, runSetupMs: 1000, servingUpdateMs: 300}})
  const [catalog, schema] = TOUR_MODEL.split('.')
  await createSchema(server, catalog, schema)
  await server.ok('POST', '/api/2.1/unity-catalog/models', {catalog_name: catalog, schema_name: schema, name: TOUR_MODEL.split('.')[2]})
  for (const model of [poorModel(), goodModel()]) await registerVersion(server, TOUR_MODEL, await logRun(server, model))
  await server.ok('POST', ENDPOINTS, {
    name: TOUR_ENDPOINT,
    config: {served_entities: [{entity_name: TOUR_MODEL, entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: true}]},
  })
  const deadline = Date.now() + 30_000
  while ((await server.ok('GET', `${ENDPOINTS}/${TOUR_ENDPOINT}`)).state.config_update !== 'NOT_UPDATING') {
    if (Date.now() > deadline) throw new Error('the seeded serving endpoint never became ready')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return server
}

/** The steps a tour reported, for a readable failure: `name: error` per failed step. */
export function failedSteps(report: {steps: Array<{name: string; ok: boolean; error?: string}>}): string[] {
  return report.steps.filter((s) => !s.ok).map((s) => `${s.name}: ${s.error}`)
}
