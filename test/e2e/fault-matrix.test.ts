/**
 * The fault matrix: for every endpoint a command calls and every fault kind, one run of the BUILT CLI
 * against a local workspace with exactly that one fault injected (through the workspace's own fault
 * injection, over real sockets). The endpoints are not a hand-kept list: they are the routes of a clean
 * reference run's request log. Each run starts from a copy of a prepared workspace and must end
 *   - survived: exit 0 with the state read back equal to the reference run's (ids and times aside), or
 *   - failed cleanly: exit 1 with one clear error line and no stack trace, and then the same command
 *     without a fault converges to the reference state;
 * and never with a duplicated job, run, model version, version tag or alias move.
 */
import {rmSync} from 'node:fs'
import {isDeepStrictEqual} from 'node:util'

import pLimit from 'p-limit'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {rowReader} from '../engine/helpers.js'
import {loadReviews, syntheticReviews} from '../helpers/reviews.js'
import {type CliResult, type Fault, TestWorkspace} from '../helpers/workspace.js'

const UC = '/api/2.1/unity-catalog'
const JOBS = '/api/2.2/jobs'
const CATALOG = 'lakehouse'
const SCHEMAS = ['bronze', 'silver', 'gold', 'ops', 'ml']
const MODEL = 'lakehouse.ml.sentiment'
const ENDPOINT = 'lakectl-sentiment'
/** Cases run at once, each on its own workspace (faults are per workspace). */
const LANES = 3

const KINDS: Array<{name: string; fault: Omit<Fault, 'method' | 'path'>}> = [
  {name: '429 Retry-After: 1', fault: {status: 429, error_code: 'REQUEST_LIMIT_EXCEEDED', retry_after: '1', when: 'before'}},
  {name: '503', fault: {status: 503, error_code: 'TEMPORARILY_UNAVAILABLE', when: 'before'}},
  {name: 'reset before the answer', fault: {reset: true, when: 'before'}},
  {name: '500 after the change', fault: {status: 500, error_code: 'INTERNAL_ERROR', when: 'after'}},
  {name: 'reset after the change', fault: {reset: true, when: 'after'}},
]

/** What a run left, ids and times aside; `counts` are what a duplicate would inflate. */
interface State {
  state: unknown
  counts: Record<string, number>
}

interface Scenario {
  name: string
  /** The prepared state folder a run starts from (undefined: an empty workspace). */
  from: () => string | undefined
  /** Clean steps before the command under test (not faulted). */
  prepare?: (ws: TestWorkspace) => Promise<void>
  args: string[]
  read: (ws: TestWorkspace) => Promise<State>
}

interface Outcome {
  scenario: string
  endpoint: string
  kind: string
  reached: boolean
  result: 'survived' | 'failed cleanly' | 'failed badly'
  converged: boolean
  duplicates: string[]
  detail?: string
}

async function ok(result: CliResult, what: string): Promise<CliResult> {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.stdout}\n${result.stderr}`)
  return result
}

// ---------------------------------------------------------------------------------------------------
// Reading the state back, independently of lakectl.

async function projectJobs(ws: TestWorkspace): Promise<any[]> {
  const {jobs = []} = await ws.api('GET', `${JOBS}/list?limit=100`)
  return jobs.filter((j: any) => j.settings?.tags?.lakectl_project === 'lakectl')
}

async function jobsState(ws: TestWorkspace): Promise<State> {
  const jobs = await projectJobs(ws)
  const counts: Record<string, number> = {}
  const state: Record<string, unknown> = {}
  for (const job of jobs) {
    const role = job.settings.tags.lakectl_layer
    counts[`jobs ${role}`] = (counts[`jobs ${role}`] ?? 0) + 1
    const full = await ws.api('GET', `${JOBS}/get?job_id=${job.job_id}`)
    const runs = await ws.jobRuns(job.job_id)
    counts[`runs of ${role}`] = runs.length
    state[role] = {
      settings: full.settings,
      active: runs.filter((r) => ['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING'].includes(r.state.life_cycle_state)).map((r) => r.state.life_cycle_state),
    }
  }
  return {state, counts}
}

async function lakehouseState(ws: TestWorkspace): Promise<State> {
  const jobs = await jobsState(ws)
  const catalog = await ws.api('GET', `${UC}/catalogs/${CATALOG}`)
  const schemas = ((await ws.api('GET', `${UC}/schemas?catalog_name=${CATALOG}&max_results=0`)).schemas ?? []).map((s: any) => ({name: s.name, comment: s.comment ?? null}))
  const perSchema: Record<string, unknown> = {}
  for (const schema of SCHEMAS) {
    const tables = ((await ws.api('GET', `${UC}/tables?catalog_name=${CATALOG}&schema_name=${schema}&max_results=0`)).tables ?? []).map((t: any) => ({
      name: t.name,
      columns: (t.columns ?? []).map((c: any) => `${c.name} ${c.type_text}`),
    }))
    const volumes = ((await ws.api('GET', `${UC}/volumes?catalog_name=${CATALOG}&schema_name=${schema}&max_results=0`)).volumes ?? []).map((v: any) => v.name)
    const grants = ((await ws.api('GET', `${UC}/permissions/schema/${CATALOG}.${schema}`)).privilege_assignments ?? []).map((a: any) => `${a.principal}: ${[...a.privileges].sort().join(',')}`)
    perSchema[schema] = {tables: sortBy(tables, (t: any) => t.name), volumes: volumes.sort(), grants: grants.sort()}
  }
  const catalogGrants = ((await ws.api('GET', `${UC}/permissions/catalog/${CATALOG}`)).privilege_assignments ?? []).map((a: any) => `${a.principal}: ${[...a.privileges].sort().join(',')}`)
  const rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
  const counts: Record<string, number> = {...jobs.counts}
  for (const table of ['silver.customers', 'silver.products']) counts[`rows of ${table}`] = Number((await rows(`SELECT count(*) FROM ${CATALOG}.${table}`))[0][0])
  return {
    state: {catalog: catalog.comment ?? null, catalogGrants: catalogGrants.sort(), schemas: sortBy(schemas, (s: any) => s.name), perSchema, files: await files(ws, '/Shared/lakectl'), jobs: jobs.state},
    counts,
  }
}

async function files(ws: TestWorkspace, folder: string): Promise<string[]> {
  const {objects = []} = await ws.api('GET', `/api/2.0/workspace/list?path=${encodeURIComponent(folder)}`)
  const out: string[] = []
  for (const object of objects) {
    if (object.object_type === 'DIRECTORY') out.push(`${object.path}/`, ...(await files(ws, object.path)))
    else {
      const exported = await ws.api('GET', `/api/2.0/workspace/export?path=${encodeURIComponent(object.path)}&format=SOURCE`)
      out.push(`${object.path} ${exported.content?.length ?? 0}`)
    }
  }
  return out.sort()
}

async function streamsState(ws: TestWorkspace): Promise<State> {
  const {state, counts} = await jobsState(ws)
  const layers = Object.fromEntries(['bronze', 'silver', 'gold'].map((layer) => {
    const job = (state as Record<string, any>)[layer]
    return [layer, {pause: job.settings.continuous?.pause_status, active: job.active}]
  }))
  return {state: layers, counts: Object.fromEntries(Object.entries(counts).filter(([k]) => /bronze|silver|gold/.test(k)))}
}

async function modelState(ws: TestWorkspace): Promise<State> {
  const model = await ws.api('GET', `${UC}/models/${MODEL}?include_aliases=true`)
  const {model_versions: versions = []} = await ws.api('GET', `${UC}/models/${MODEL}/versions?max_results=100`)
  const counts: Record<string, number> = {versions: versions.length}
  const tags: Record<string, string[]> = {}
  for (const v of versions) {
    const {model_version: found} = await ws.api('GET', `/api/2.0/mlflow/unity-catalog/model-versions/get?name=${MODEL}&version=${v.version}`)
    const keys = (found.tags ?? []).map((t: {key: string}) => t.key.replace(/^lakectl\.move\.\d+$/, 'lakectl.move.*')).sort()
    tags[v.version] = keys
    counts[`tags of version ${v.version}`] = keys.length
    counts[`alias moves to version ${v.version}`] = keys.filter((k: string) => k === 'lakectl.move.*').length
  }
  const served = await ws.api('GET', `/api/2.0/serving-endpoints/${ENDPOINT}`)
  return {
    state: {
      aliases: sortBy((model.aliases ?? []).map((a: any) => `${a.alias_name}=${a.version_num}`), (a: string) => a),
      tags,
      endpoint: {served: (served.config?.served_entities ?? []).map((e: any) => `${e.entity_name}@${e.entity_version}`), update: served.state?.config_update},
    },
    counts,
  }
}

async function trainState(ws: TestWorkspace): Promise<State> {
  const model = await modelState(ws)
  const jobs = await jobsState(ws)
  return {state: {model: model.state}, counts: {...model.counts, 'runs of train': jobs.counts['runs of train'] ?? 0}}
}

function sortBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => key(a).localeCompare(key(b)))
}

// ---------------------------------------------------------------------------------------------------
// Prepared starting points: copies of closed workspaces.

const templates: Record<string, string> = {}
const frozen: TestWorkspace[] = []

async function prepare(): Promise<void> {
  // T0: bootstrapped, reviews in Silver, nothing trained, streams stopped.
  const base = await TestWorkspace.start()
  await ok(await base.run(['bootstrap', '--yes']), 'bootstrap')
  await loadReviews(base, syntheticReviews(400, 1), 'clean')
  templates.bootstrapped = await base.freeze()
  frozen.push(base)
  // T1: two versions trained, champion on version 1 and served.
  const trained = await TestWorkspace.start({from: templates.bootstrapped})
  await ok(await trained.run(['model', 'train', '--wait']), 'train 1')
  await loadReviews(trained, syntheticReviews(70, 3, {mislabelled: 0.3}), 'noisy')
  await ok(await trained.run(['model', 'train', '--wait']), 'train 2')
  await ok(await trained.run(['model', 'promote', '--yes', '--version', '1']), 'promote 1')
  templates.champion1 = await trained.freeze()
  frozen.push(trained)
  // T2: champion moved on to version 2 (forced): there is something to roll back.
  const promoted = await TestWorkspace.start({from: templates.champion1})
  await ok(await promoted.run(['model', 'promote', '--yes', '--version', '2', '--force', '--reason', 'matrix']), 'promote 2')
  templates.champion2 = await promoted.freeze()
  frozen.push(promoted)
}

const SCENARIOS: Scenario[] = [
  {name: 'bootstrap from scratch', from: () => undefined, args: ['bootstrap', '--yes'], read: lakehouseState},
  {name: 'bootstrap converged', from: () => templates.bootstrapped, args: ['bootstrap', '--yes'], read: lakehouseState},
  {name: 'stream start', from: () => templates.bootstrapped, args: ['stream', 'start'], read: streamsState},
  {
    name: 'stream stop',
    from: () => templates.bootstrapped,
    prepare: async (ws) => void (await ok(await ws.run(['stream', 'start']), 'stream start')),
    args: ['stream', 'stop'],
    read: streamsState,
  },
  {name: 'model promote', from: () => templates.champion1, args: ['model', 'promote', '--yes', '--version', '2', '--force', '--reason', 'matrix'], read: modelState},
  {name: 'model rollback', from: () => templates.champion2, args: ['model', 'rollback', '--yes'], read: modelState},
  {name: 'model train', from: () => templates.champion1, args: ['model', 'train', '--wait'], read: trainState},
]

/** A fault path for a route: its {parameters} match one path segment each. */
function routePattern(route: string): string {
  return `^${route.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`
}

/** Counters that grew beyond the reference: a duplicated job, run, version, tag or alias move. */
function duplicatesOf(actual: State, reference: State): string[] {
  return Object.entries(actual.counts)
    .filter(([key, n]) => n > (reference.counts[key] ?? 0))
    .map(([key, n]) => `${key}: ${n} (reference ${reference.counts[key] ?? 0})`)
}

/** A clean failure: exit 1, an error line, no stack trace. */
function cleanFailure(result: CliResult): boolean {
  const output = result.stdout + result.stderr
  return result.code === 1 && /^(Error \(\w+\): .+|✗ .+)$/m.test(output) && !/^\s+at .+:\d+:\d+\)?$/m.test(output)
}

interface Reference {
  endpoints: Array<{method: string; route: string}>
  state: State
}

async function referenceRun(scenario: Scenario): Promise<Reference> {
  const ws = await TestWorkspace.start({from: scenario.from()})
  try {
    await scenario.prepare?.(ws)
    await ws.clearRequests()
    await ok(await ws.run(scenario.args), `${scenario.name} (reference)`)
    const requests = await ws.requests()
    const seen = new Map<string, {method: string; route: string}>()
    for (const r of requests) if (r.route) seen.set(`${r.method} ${r.route}`, {method: r.method, route: r.route})
    return {endpoints: [...seen.values()], state: await scenario.read(ws)}
  } finally {
    await ws.stop()
  }
}

async function faultedRun(scenario: Scenario, reference: Reference, endpoint: {method: string; route: string}, kind: (typeof KINDS)[number]): Promise<Outcome> {
  const ws = await TestWorkspace.start({from: scenario.from()})
  const outcome: Outcome = {scenario: scenario.name, endpoint: `${endpoint.method} ${endpoint.route}`, kind: kind.name, reached: false, result: 'failed badly', converged: false, duplicates: []}
  try {
    await scenario.prepare?.(ws)
    await ws.fault({method: endpoint.method, path: routePattern(endpoint.route), count: 1, ...kind.fault})
    const result = await ws.run(scenario.args)
    // A spent fault is gone from the list: it was hit.
    outcome.reached = (await ws.control<unknown[]>('GET', '/__lakectl/faults')).length === 0
    await ws.clearFaults()
    let state: State
    if (result.code === 0) {
      state = await scenario.read(ws)
      outcome.result = isDeepStrictEqual(state.state, reference.state.state) && duplicatesOf(state, reference.state).length === 0 ? 'survived' : 'failed badly'
      outcome.converged = outcome.result === 'survived'
      if (!outcome.converged) outcome.detail = `exit 0 but the state differs:\n${JSON.stringify(state)}\nreference:\n${JSON.stringify(reference.state)}`
    } else {
      outcome.result = cleanFailure(result) ? 'failed cleanly' : 'failed badly'
      outcome.detail = `exit ${result.code}: ${(result.stderr || result.stdout).trim().split('\n').slice(0, 4).join(' | ')}`
      const again = await ws.run(scenario.args)
      state = await scenario.read(ws)
      outcome.converged = again.code === 0 && isDeepStrictEqual(state.state, reference.state.state)
      if (!outcome.converged) outcome.detail += `\nre-run exit ${again.code}; state ${JSON.stringify(state)}`
    }
    outcome.duplicates = duplicatesOf(state, reference.state)
  } catch (error) {
    outcome.detail = `harness: ${error instanceof Error ? error.message : String(error)}`
  } finally {
    await ws.stop()
  }
  return outcome
}

describe('fault matrix', () => {
  beforeAll(prepare, 300_000)

  afterAll(() => {
    for (const ws of frozen) ws.discard()
    for (const dir of Object.values(templates)) rmSync(dir, {recursive: true, force: true})
  })

  it('survives or fails cleanly on one fault of each kind at every endpoint of every command, converging without duplicates', async () => {
    const started = Date.now()
    const limit = pLimit(LANES)
    const references = await Promise.all(SCENARIOS.map((scenario) => limit(() => referenceRun(scenario))))
    const cases = SCENARIOS.flatMap((scenario, i) => references[i].endpoints.flatMap((endpoint) => KINDS.map((kind) => ({scenario, reference: references[i], endpoint, kind}))))
    const outcomes = await Promise.all(cases.map((c) => limit(() => faultedRun(c.scenario, c.reference, c.endpoint, c.kind))))

    const reached = outcomes.filter((o) => o.reached)
    const survived = reached.filter((o) => o.result === 'survived').length
    const cleanly = reached.filter((o) => o.result === 'failed cleanly').length
    const converged = reached.filter((o) => o.converged).length
    const duplicates = outcomes.flatMap((o) => o.duplicates.map((d) => `${o.scenario} / ${o.endpoint} / ${o.kind}: ${d}`))
    const seconds = ((Date.now() - started) / 1000).toFixed(0)
    const percent = (n: number) => `${reached.length ? ((100 * n) / reached.length).toFixed(1) : '0'}%`
    console.log(
      `fault matrix: ${reached.length} faults over ${references.reduce((n, r) => n + r.endpoints.length, 0)} endpoints of ${SCENARIOS.length} commands` +
        ` (${outcomes.length - reached.length} not reached), survived ${survived} (${percent(survived)}), failed cleanly ${cleanly},` +
        ` converged ${converged} (${percent(converged)}), duplicates ${duplicates.length}, ${seconds} s`,
    )
    for (const o of outcomes.filter((x) => x.result !== 'survived' || !x.converged)) console.log(`  ${o.result}${o.converged ? ', converged' : ', NOT converged'}: ${o.scenario} / ${o.endpoint} / ${o.kind}: ${o.detail ?? ''}`)

    expect(references.every((r) => r.endpoints.length > 0)).toBe(true)
    expect(outcomes.filter((o) => o.result === 'failed badly').map((o) => `${o.scenario} / ${o.endpoint} / ${o.kind}: ${o.detail}`)).toEqual([])
    expect(duplicates).toEqual([])
    expect(converged).toBe(reached.length)
    expect(survived / reached.length).toBeGreaterThanOrEqual(0.95)
  }, 1_500_000)
})
