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
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {isDeepStrictEqual} from 'node:util'

import pLimit from 'p-limit'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateEvents} from '../../src/pipeline/index.js'
import {rowReader, waitFor} from '../engine/helpers.js'
import {loadReviews, syntheticReviews} from '../helpers/reviews.js'
import {type CliResult, type Fault, TestWorkspace} from '../helpers/workspace.js'

const UC = '/api/2.1/unity-catalog'
const JOBS = '/api/2.2/jobs'
const CATALOG = 'lakehouse'
const SCHEMAS = ['bronze', 'silver', 'gold', 'ops', 'ml']
const MODEL = 'lakehouse.ml.sentiment'
const ENDPOINT = 'lakectl-sentiment'
/**
 * Cases run at once, each on its own workspace (faults are per workspace). Two cores, but a case spends
 * part of its time waiting out Retry-After and back-off, so a third lane still shortens the matrix.
 */
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
  args: string[]
  /** The command that finishes the job after a clean failure, when it is not `args` again. */
  rerun?: (failed: CliResult) => string[] | undefined
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
  /** Wall time of the case: start, run(s), read-back, stop. */
  ms: number
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
  const details = await Promise.all(jobs.map((job) => Promise.all([ws.api('GET', `${JOBS}/get?job_id=${job.job_id}`), ws.jobRuns(job.job_id)])))
  for (const [i, job] of jobs.entries()) {
    const role = job.settings.tags.lakectl_layer
    counts[`jobs ${role}`] = (counts[`jobs ${role}`] ?? 0) + 1
    const [full, runs] = details[i]
    counts[`runs of ${role}`] = (counts[`runs of ${role}`] ?? 0) + runs.length
    state[role] = {
      settings: full.settings,
      active: runs.filter((r) => ['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING'].includes(r.state.life_cycle_state)).map((r) => r.state.life_cycle_state),
    }
  }
  return {state, counts}
}

async function lakehouseState(ws: TestWorkspace): Promise<State> {
  // Independent reads, made at once: the matrix reads this back after every run of bootstrap.
  const rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
  const schemaState = async (schema: string) => {
    const [tables, volumes, grants] = await Promise.all([
      ws.api('GET', `${UC}/tables?catalog_name=${CATALOG}&schema_name=${schema}&max_results=0`),
      ws.api('GET', `${UC}/volumes?catalog_name=${CATALOG}&schema_name=${schema}&max_results=0`),
      ws.api('GET', `${UC}/permissions/schema/${CATALOG}.${schema}`),
    ])
    return {
      tables: sortBy((tables.tables ?? []).map((t: any) => ({name: t.name, columns: (t.columns ?? []).map((c: any) => `${c.name} ${c.type_text}`)})), (t: any) => t.name),
      volumes: (volumes.volumes ?? []).map((v: any) => v.name).sort(),
      grants: grantsOf(grants),
    }
  }
  const [jobs, catalog, schemas, perSchema, catalogGrants, tableRows, workspaceFiles] = await Promise.all([
    jobsState(ws),
    ws.api('GET', `${UC}/catalogs/${CATALOG}`),
    ws.api('GET', `${UC}/schemas?catalog_name=${CATALOG}&max_results=0`),
    Promise.all(SCHEMAS.map(async (schema) => [schema, await schemaState(schema)] as const)),
    ws.api('GET', `${UC}/permissions/catalog/${CATALOG}`),
    Promise.all(['silver.customers', 'silver.products'].map(async (table) => [`rows of ${table}`, Number((await rows(`SELECT count(*) FROM ${CATALOG}.${table}`))[0][0])] as const)),
    files(ws, '/Shared/lakectl'),
  ])
  return {
    state: {
      catalog: catalog.comment ?? null,
      catalogGrants: grantsOf(catalogGrants),
      schemas: sortBy((schemas.schemas ?? []).map((s: any) => ({name: s.name, comment: s.comment ?? null})), (s: any) => s.name),
      perSchema: Object.fromEntries(perSchema),
      files: workspaceFiles,
      jobs: jobs.state,
    },
    counts: {...jobs.counts, ...Object.fromEntries(tableRows)},
  }
}

function grantsOf(permissions: any): string[] {
  return (permissions.privilege_assignments ?? []).map((a: any) => `${a.principal}: ${[...a.privileges].sort().join(',')}`).sort()
}

async function files(ws: TestWorkspace, folder: string): Promise<string[]> {
  const {objects = []} = await ws.api('GET', `/api/2.0/workspace/list?path=${encodeURIComponent(folder)}`)
  const listed = await Promise.all(
    objects.map(async (object: any) => {
      if (object.object_type === 'DIRECTORY') return [`${object.path}/`, ...(await files(ws, object.path))]
      const exported = await ws.api('GET', `/api/2.0/workspace/export?path=${encodeURIComponent(object.path)}&format=SOURCE`)
      return [`${object.path} ${exported.content?.length ?? 0}`]
    }),
  )
  return listed.flat().sort()
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

/** Starts a workspace from a template, prepares it and keeps the result as a template of its own. */
async function derive(name: string, from: string | undefined, steps: (ws: TestWorkspace) => Promise<void>): Promise<void> {
  const ws = await TestWorkspace.start({from})
  frozen.push(ws)
  await steps(ws)
  templates[name] = await ws.freeze()
}

/** The day the backfill scenario restores (Silver rows deleted in its template). */
let backfillDay = ''

async function prepare(): Promise<void> {
  // T0: bootstrapped, reviews in Silver, nothing trained, streams stopped.
  await derive('bootstrapped', undefined, async (ws) => {
    await ok(await ws.run(['bootstrap', '--yes']), 'bootstrap')
    await loadReviews(ws, syntheticReviews(400, 1), 'clean')
  })
  // Three independent chains from T0, as many at a time as the runs.
  const limit = pLimit(LANES)
  await Promise.all([
    // Streams running (a copy restarts each continuous job with a new run): there is something to stop.
    limit(() => derive('streaming', templates.bootstrapped, async (ws) => void (await ok(await ws.run(['stream', 'start']), 'stream start')))),
    limit(async () => {
      // T1: two versions trained, champion on version 1 and served.
      await derive('champion1', templates.bootstrapped, async (ws) => {
        await ok(await ws.run(['model', 'train', '--wait']), 'train 1')
        await loadReviews(ws, syntheticReviews(70, 3, {mislabelled: 0.3}), 'noisy')
        await ok(await ws.run(['model', 'train', '--wait']), 'train 2')
        await ok(await ws.run(['model', 'promote', '--yes', '--version', '1']), 'promote 1')
      })
      // T2: champion moved on to version 2 (forced): there is something to roll back.
      await derive('champion2', templates.champion1, async (ws) => void (await ok(await ws.run(['model', 'promote', '--yes', '--version', '2', '--force', '--reason', 'matrix']), 'promote 2')))
    }),
    // Events through every layer, streams stopped, then the Silver rows of the busiest day deleted.
    limit(() => derive('backfill', templates.bootstrapped, prepareBackfill)),
  ])
}

async function prepareBackfill(ws: TestWorkspace): Promise<void> {
  const rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
  const file = path.join(ws.projectDir, 'events.jsonl')
  writeFileSync(file, [...generateEvents({count: 800, seed: 41, eventsPerSecond: 0.01, lateFraction: 0.05})].join('\n') + '\n')
  // One record per non-empty line (the file ends with a newline): what Bronze receives.
  const produced = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').length
  await ok(await ws.run(['stream', 'start']), 'stream start')
  await ok(await ws.run(['local', 'produce', '--from-file', file]), 'produce')
  await waitFor(
    'Silver to read every event and Gold every Silver batch',
    async () => {
      const [[silverIn, silverLast, goldEnd]] = await rows(`
        SELECT (SELECT coalesce(sum(rows_in), 0) FROM ${CATALOG}.ops.quality_metrics WHERE stream = 'silver'),
               (SELECT max(batch_id) FROM ${CATALOG}.ops.stream_progress WHERE stream = 'silver'),
               (SELECT max(CAST(json_extract_string(end_offset, '$.silver_batch_id') AS BIGINT)) FROM ${CATALOG}.ops.stream_progress WHERE stream = 'gold')`)
      return Number(silverIn) === produced && goldEnd !== null && Number(goldEnd) >= Number(silverLast) ? true : undefined
    },
    60_000,
  )
  await ok(await ws.run(['stream', 'stop']), 'stream stop')
  const [[day]] = await rows(`SELECT CAST(event_date AS VARCHAR) FROM ${CATALOG}.silver.customer_events_cleaned GROUP BY event_date ORDER BY count(*) DESC, 1 LIMIT 1`)
  backfillDay = String(day)
  await rows(`DELETE FROM ${CATALOG}.silver.customer_events_cleaned WHERE event_date = '${backfillDay}'`)
}

/** Rows per day of the layer tables, the restored day's Gold rows, the backfill record and the backfill job's runs. */
async function backfillState(ws: TestWorkspace): Promise<State> {
  const rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
  const gold = await ws.api('GET', `${UC}/tables/${CATALOG}.gold.customer_behavior_daily`)
  // What a recomputation gives again: every column but the times and batch ids of the write.
  const content = (gold.columns as Array<{name: string}>).map((c) => c.name).filter((name) => !/(_at|_ts|_time|batch_id)$/.test(name))
  const [silverDays, goldDays, goldRows, backfills, partitions, jobs] = await Promise.all([
    rows(`SELECT CAST(event_date AS VARCHAR), count(*) FROM ${CATALOG}.silver.customer_events_cleaned GROUP BY 1 ORDER BY 1`),
    rows(`SELECT CAST(event_date AS VARCHAR), count(*) FROM ${CATALOG}.gold.customer_behavior_daily GROUP BY 1 ORDER BY 1`),
    rows(`SELECT ${content.join(', ')} FROM ${CATALOG}.gold.customer_behavior_daily WHERE event_date = '${backfillDay}' ORDER BY ${content.join(', ')}`),
    rows(`SELECT layer, mode, CAST(from_date AS VARCHAR), CAST(to_date AS VARCHAR), state, partitions, succeeded, failed, skipped, cancelled, ended_at IS NOT NULL FROM ${CATALOG}.ops.backfills`),
    rows(`SELECT layer, CAST(partition_date AS VARCHAR), attempt, state, run_id IS NOT NULL, rows_before, rows_after, error FROM ${CATALOG}.ops.backfill_partitions ORDER BY 1, 2, 3`),
    jobsState(ws),
  ])
  const runs = (await ws.jobRuns((await projectJobs(ws)).find((j) => j.settings.tags.lakectl_layer === 'backfill').job_id)).map((r) => r.state.result_state ?? r.state.life_cycle_state)
  return {
    state: {silverDays, goldDays, goldRows, backfills, partitions, runs: runs.sort()},
    counts: {'runs of backfill': jobs.counts['runs of backfill'] ?? 0, 'backfills recorded': backfills.length, 'partition rows recorded': partitions.length},
  }
}

const SCENARIOS: Scenario[] = [
  {name: 'bootstrap from scratch', from: () => undefined, args: ['bootstrap', '--yes'], read: lakehouseState},
  {name: 'bootstrap converged', from: () => templates.bootstrapped, args: ['bootstrap', '--yes'], read: lakehouseState},
  {name: 'stream start', from: () => templates.bootstrapped, args: ['stream', 'start'], read: streamsState},
  {name: 'stream stop', from: () => templates.streaming, args: ['stream', 'stop'], read: streamsState},
  {name: 'model promote', from: () => templates.champion1, args: ['model', 'promote', '--yes', '--version', '2', '--force', '--reason', 'matrix'], read: modelState},
  {name: 'model rollback', from: () => templates.champion2, args: ['model', 'rollback', '--yes'], read: modelState},
  {name: 'model train', from: () => templates.champion1, args: ['model', 'train', '--wait'], read: trainState},
  {
    name: 'backfill',
    from: () => templates.backfill,
    get args() {
      return ['backfill', 'silver', '--from', backfillDay, '--to', backfillDay, '--yes']
    },
    // A backfill already recorded is continued, not started again (that would record a second one).
    rerun: (failed) => {
      const recorded = /lakectl backfill resume (bf-\S+)/.exec(failed.stdout + failed.stderr)
      return recorded ? ['backfill', 'resume', recorded[1]] : undefined
    },
    read: backfillState,
  },
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
  const started = Date.now()
  const ws = await TestWorkspace.start({from: scenario.from()})
  const outcome: Outcome = {scenario: scenario.name, endpoint: `${endpoint.method} ${endpoint.route}`, kind: kind.name, reached: false, result: 'failed badly', converged: false, duplicates: [], ms: 0}
  try {
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
      const again = await ws.run(scenario.rerun?.(result) ?? scenario.args)
      state = await scenario.read(ws)
      outcome.converged = again.code === 0 && isDeepStrictEqual(state.state, reference.state.state)
      if (!outcome.converged) outcome.detail += `\nre-run exit ${again.code}; state ${JSON.stringify(state)}`
    }
    outcome.duplicates = duplicatesOf(state, reference.state)
  } catch (error) {
    outcome.detail = `harness: ${error instanceof Error ? error.message : String(error)}`
  } finally {
    await ws.stop()
    outcome.ms = Date.now() - started
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
    const perScenario = SCENARIOS.map((s) => {
      const mine = outcomes.filter((o) => o.scenario === s.name)
      return `${s.name} ${mine.length} cases ${(mine.reduce((n, o) => n + o.ms, 0) / 1000).toFixed(0)} s`
    })
    console.log(`  case time per command (sum over lanes): ${perScenario.join('; ')}`)
    for (const o of outcomes.filter((x) => x.result !== 'survived' || !x.converged)) console.log(`  ${o.result}${o.converged ? ', converged' : ', NOT converged'}: ${o.scenario} / ${o.endpoint} / ${o.kind}: ${o.detail ?? ''}`)

    expect(references.every((r) => r.endpoints.length > 0)).toBe(true)
    // The reference backfill restored the deleted day and recomputed its Gold: a run that does nothing differs.
    const backfilled = references[SCENARIOS.findIndex((s) => s.name === 'backfill')].state.state as {partitions: unknown[][]}
    expect(backfilled.partitions).toEqual([
      ['gold', backfillDay, '1', 'succeeded', 'true', expect.any(String), expect.stringMatching(/^[1-9]\d*$/), null],
      ['silver', backfillDay, '1', 'succeeded', 'true', '0', expect.stringMatching(/^[1-9]\d*$/), null],
    ])
    expect(outcomes.filter((o) => o.result === 'failed badly').map((o) => `${o.scenario} / ${o.endpoint} / ${o.kind}: ${o.detail}`)).toEqual([])
    expect(duplicates).toEqual([])
    expect(converged).toBe(reached.length)
    expect(survived / reached.length).toBeGreaterThanOrEqual(0.95)
  }, 1_500_000)
})
