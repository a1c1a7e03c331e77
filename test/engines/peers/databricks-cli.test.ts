/**
 * The Databricks CLI (Go, built from the pinned github.com/databricks/cli) runs a tour against a
 * local workspace. The CLI decodes every answer into the Go SDK's structs and prints them again, so a
 * field of ours that the Go SDK does not know disappears from its output: each read is compared with
 * the raw answer fetched over REST. Errors must reach it as the API's error (exit 1, the message, and
 * the error_code in its --debug trace of the response).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {TestServer} from '../../local/harness.js'
import {installed, run, seededWorkspace, TOUR_ENDPOINT, TOUR_MODEL} from './harness.js'

const UC = '/api/2.1/unity-catalog'
const WAREHOUSE = 'local00000000001'

/** Every non-empty field of the raw answer survives the CLI's decode and re-encode. */
function kept(cli: unknown, raw: unknown, where = '$'): string[] {
  if (raw === null || raw === undefined || raw === false || raw === 0 || raw === '' || (Array.isArray(raw) && raw.length === 0)) return []
  if (Array.isArray(raw)) {
    if (!Array.isArray(cli)) return [`${where}: not a list in the CLI's output`]
    return raw.flatMap((item, i) => kept(cli[i], item, `${where}[${i}]`))
  }
  if (typeof raw === 'object') {
    if (typeof cli !== 'object' || cli === null) return Object.keys(raw).length === 0 ? [] : [`${where}: dropped by the CLI`]
    return Object.entries(raw).flatMap(([key, value]) => kept((cli as Record<string, unknown>)[key], value, `${where}.${key}`))
  }
  return cli === undefined ? [`${where}: dropped by the CLI (${JSON.stringify(raw).slice(0, 60)})`] : []
}

describe('Databricks CLI against the local workspace', () => {
  let server: TestServer
  let cli: string
  beforeAll(async () => {
    cli = installed('bin/databricks')
    server = await seededWorkspace()
  }, 120_000)
  afterAll(async () => server?.stop())

  async function databricks(args: string[], options: {input?: string; expectCode?: number} = {}): Promise<{json: any; stdout: string; stderr: string}> {
    const result = await run(cli, [...args, '--output', 'json'], {
      env: {DATABRICKS_HOST: server.url, DATABRICKS_TOKEN: server.token, DATABRICKS_CLI_UPSTREAM: 'lakectl-peers', HOME: server.stateDir},
      input: options.input,
      timeoutMs: 60_000,
    })
    const expected = options.expectCode ?? 0
    if (result.code !== expected) throw new Error(`databricks ${args.join(' ')} exited ${result.code} (want ${expected}):\n${result.stdout}\n${result.stderr}`)
    let json: any
    try {
      json = result.stdout.trim() ? JSON.parse(result.stdout) : undefined
    } catch {
      json = undefined
    }
    return {json, stdout: result.stdout, stderr: result.stderr}
  }

  async function same(args: string[], rawPath: string): Promise<any> {
    const {json} = await databricks(args)
    const raw = await server.ok('GET', rawPath)
    expect(kept(json, raw), `databricks ${args.join(' ')}`).toEqual([])
    return json
  }

  /** A failing call: exit 1, the API's message on stderr and its error_code in the debug trace. */
  async function fails(args: string[], status: number, errorCode: string, message: string): Promise<void> {
    const {stderr} = await databricks([...args, '--debug'], {expectCode: 1})
    expect(stderr).toContain(`Error: ${message}`)
    expect(stderr).toMatch(new RegExp(`< HTTP/1.1 ${status}`))
    expect(stderr).toContain(`"error_code": "${errorCode}"`)
  }

  it('current user', async () => {
    const me = await databricks(['current-user', 'me'])
    expect(me.json).toMatchObject({userName: 'local-admin@lakectl.local', active: true})
  })

  it('catalogs, schemas, tables and volumes: create, get, list page by page, update, delete', async () => {
    for (const name of ['cli_tour', 'cli_tour_b', 'cli_tour_c']) await databricks(['catalogs', 'create', name, '--comment', 'tour'])
    const catalog = await same(['catalogs', 'get', 'cli_tour'], `${UC}/catalogs/cli_tour`)
    expect(catalog).toMatchObject({name: 'cli_tour', comment: 'tour', catalog_type: 'MANAGED_CATALOG'})
    const listed = (await databricks(['catalogs', 'list'])).json.map((c: {name: string}) => c.name)
    expect(listed).toEqual(expect.arrayContaining(['cli_tour', 'cli_tour_b', 'cli_tour_c']))
    expect(new Set(listed).size).toBe(listed.length)
    expect((await databricks(['catalogs', 'update', 'cli_tour', '--comment', 'updated'])).json.comment).toBe('updated')
    expect((await server.ok('GET', `${UC}/catalogs/cli_tour`)).comment).toBe('updated')

    await databricks(['schemas', 'create', 'raw', 'cli_tour', '--comment', 'raw layer'])
    await databricks(['schemas', 'create', 'clean', 'cli_tour'])
    await same(['schemas', 'get', 'cli_tour.raw'], `${UC}/schemas/cli_tour.raw`)
    expect((await databricks(['schemas', 'list', 'cli_tour'])).json.map((s: {name: string}) => s.name).sort()).toEqual(['clean', 'default', 'raw'])
    await databricks(['schemas', 'update', 'cli_tour.clean', '--comment', 'clean layer'])
    expect((await server.ok('GET', `${UC}/schemas/cli_tour.clean`)).comment).toBe('clean layer')

    await server.rows('CREATE TABLE cli_tour.raw.events (id BIGINT NOT NULL, payload STRING)')
    await server.rows('CREATE TABLE cli_tour.raw.other (id BIGINT)')
    const table = await same(['tables', 'get', 'cli_tour.raw.events'], `${UC}/tables/cli_tour.raw.events`)
    expect(table.columns.map((c: {name: string}) => c.name)).toEqual(['id', 'payload'])
    expect((await databricks(['tables', 'list', 'cli_tour', 'raw'])).json.map((t: {name: string}) => t.name).sort()).toEqual(['events', 'other'])
    expect((await databricks(['tables', 'exists', 'cli_tour.raw.events'])).json).toEqual({table_exists: true})
    await databricks(['tables', 'update', 'cli_tour.raw.events', '--owner', 'analysts'])
    expect((await server.ok('GET', `${UC}/tables/cli_tour.raw.events`)).owner).toBe('analysts')
    await databricks(['tables', 'delete', 'cli_tour.raw.other'])
    await fails(['tables', 'get', 'cli_tour.raw.other'], 404, 'TABLE_DOES_NOT_EXIST', "Table 'cli_tour.raw.other' does not exist.")

    await databricks(['volumes', 'create', 'cli_tour', 'raw', 'landing', 'MANAGED', '--comment', 'drops'])
    await databricks(['volumes', 'create', 'cli_tour', 'raw', 'checkpoints', 'MANAGED'])
    await same(['volumes', 'read', 'cli_tour.raw.landing'], `${UC}/volumes/cli_tour.raw.landing`)
    expect((await databricks(['volumes', 'list', 'cli_tour', 'raw'])).json.map((v: {name: string}) => v.name).sort()).toEqual(['checkpoints', 'landing'])
    await databricks(['volumes', 'update', 'cli_tour.raw.landing', '--comment', 'raw drops'])
    expect((await server.ok('GET', `${UC}/volumes/cli_tour.raw.landing`)).comment).toBe('raw drops')
    await databricks(['volumes', 'delete', 'cli_tour.raw.checkpoints'])
  })

  it('grants: update with changes, get, effective', async () => {
    const changes = {changes: [{principal: 'analysts', add: ['USE_CATALOG', 'USE_SCHEMA', 'SELECT']}]}
    const updated = await databricks(['grants', 'update', 'catalog', 'cli_tour', '--json', JSON.stringify(changes)])
    expect(updated.json.privilege_assignments).toEqual([{principal: 'analysts', privileges: ['SELECT', 'USE_CATALOG', 'USE_SCHEMA']}])
    await same(['grants', 'get', 'catalog', 'cli_tour'], `${UC}/permissions/catalog/cli_tour`)
    const effective = await same(['grants', 'get-effective', 'table', 'cli_tour.raw.events'], `${UC}/effective-permissions/table/cli_tour.raw.events`)
    expect(effective.privilege_assignments[0].privileges).toContainEqual({privilege: 'SELECT', inherited_from_type: 'CATALOG', inherited_from_name: 'cli_tour'})
    await fails(
      ['grants', 'update', 'catalog', 'cli_tour', '--json', JSON.stringify({changes: [{principal: 'analysts', add: ['SELECT'], remove: ['SELECT']}]})],
      400,
      'INVALID_PARAMETER_VALUE',
      'Duplicate privileges to add and delete for principal analysts.',
    )
  })

  it('SQL warehouses and statements: named parameters, polling, several chunks, cancel', async () => {
    expect((await databricks(['warehouses', 'list'])).json.map((w: {id: string}) => w.id)).toEqual([WAREHOUSE])
    await same(['warehouses', 'get', WAREHOUSE], `/api/2.0/sql/warehouses/${WAREHOUSE}`)
    const body = {
      statement: 'SELECT id, :label AS label FROM range(0, 25) AS t(id) ORDER BY id',
      warehouse_id: WAREHOUSE,
      parameters: [{name: 'label', value: 'x'}],
      wait_timeout: '0s',
    }
    const started = (await databricks(['api', 'post', '/api/2.0/sql/statements', '--json', JSON.stringify(body)])).json
    let statement = started
    for (let i = 0; ['PENDING', 'RUNNING'].includes(statement.status.state) && i < 200; i++) {
      statement = (await databricks(['api', 'get', `/api/2.0/sql/statements/${started.statement_id}`])).json
    }
    expect(statement.status.state).toBe('SUCCEEDED')
    expect(statement.manifest.total_chunk_count).toBeGreaterThan(1)
    const rows = [...statement.result.data_array]
    for (let next = statement.result.next_chunk_index; next !== undefined; ) {
      const chunk = (await databricks(['api', 'get', `/api/2.0/sql/statements/${started.statement_id}/result/chunks/${next}`])).json
      rows.push(...chunk.data_array)
      next = chunk.next_chunk_index
    }
    expect(rows).toHaveLength(25)
    expect(rows[24]).toEqual(['24', 'x'])
    const long = (await databricks(['api', 'post', '/api/2.0/sql/statements', '--json', JSON.stringify({statement: 'SELECT count(*) FROM range(0, 100000000000)', warehouse_id: WAREHOUSE, wait_timeout: '0s'})])).json
    await databricks(['api', 'post', `/api/2.0/sql/statements/${long.statement_id}/cancel`])
    let state = ''
    for (let i = 0; !['CANCELED', 'FAILED', 'SUCCEEDED'].includes(state) && i < 200; i++) state = (await server.ok('GET', `/api/2.0/sql/statements/${long.statement_id}`)).status.state
    expect(state).toBe('CANCELED')
  })

  it('jobs: create, get, list, reset, run-now, runs get and list, cancel; a continuous job paused and unpaused', async () => {
    const settings = (name: string) => ({name, tasks: [{task_key: 'main', spark_python_task: {python_file: '/Workspace/cli-tour/missing.py'}}], max_concurrent_runs: 1})
    const ids: number[] = []
    for (const name of ['cli-tour-0', 'cli-tour-1']) ids.push((await databricks(['jobs', 'create', '--json', JSON.stringify(settings(name))])).json.job_id)
    const job = await same(['jobs', 'get', String(ids[0])], `/api/2.2/jobs/get?job_id=${ids[0]}`)
    expect(job.settings.name).toBe('cli-tour-0')
    expect((await databricks(['jobs', 'list'])).json.map((j: {job_id: number}) => j.job_id)).toEqual(expect.arrayContaining(ids))
    await databricks(['jobs', 'reset', '--json', JSON.stringify({job_id: ids[1], new_settings: settings('cli-tour-1-reset')})])
    expect((await server.ok('GET', `/api/2.2/jobs/get?job_id=${ids[1]}`)).settings.name).toBe('cli-tour-1-reset')
    const {run_id: runId} = (await databricks(['jobs', 'run-now', String(ids[0]), '--no-wait'])).json
    const run = await same(['jobs', 'get-run', String(runId)], `/api/2.2/jobs/runs/get?run_id=${runId}`)
    expect(run).toMatchObject({run_id: runId, job_id: ids[0], trigger: 'ONE_TIME'})
    await databricks(['jobs', 'cancel-run', String(runId), '--no-wait'])
    const runs = (await databricks(['jobs', 'list-runs', '--job-id', String(ids[0])])).json
    expect(runs.map((r: {run_id: number}) => r.run_id)).toEqual([runId])
    await fails(['jobs', 'get', '999999999'], 404, 'RESOURCE_DOES_NOT_EXIST', 'Job 999999999 does not exist.')

    const continuous = (await databricks(['jobs', 'create', '--json', JSON.stringify({...settings('cli-tour-continuous'), continuous: {pause_status: 'PAUSED'}})])).json.job_id
    expect((await server.ok('GET', `/api/2.2/jobs/runs/list?job_id=${continuous}&active_only=true`)).runs ?? []).toEqual([])
    await databricks(['jobs', 'update', '--json', JSON.stringify({job_id: continuous, new_settings: {continuous: {pause_status: 'UNPAUSED'}}})])
    const deadline = Date.now() + 30_000
    let started: any[] | undefined
    while (!(started = (await server.ok('GET', `/api/2.2/jobs/runs/list?job_id=${continuous}`)).runs)?.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(started?.[0]?.trigger).toMatch(/^CONTINUOUS/)
    await databricks(['jobs', 'update', '--json', JSON.stringify({job_id: continuous, new_settings: {continuous: {pause_status: 'PAUSED'}}})])
    expect((await databricks(['jobs', 'get', String(continuous)])).json.settings.continuous.pause_status).toBe('PAUSED')
  })

  it('registered models, versions and aliases', async () => {
    await same(['registered-models', 'get', TOUR_MODEL], `${UC}/models/${TOUR_MODEL}`)
    const [catalog, schema] = TOUR_MODEL.split('.')
    expect((await databricks(['registered-models', 'list', '--catalog-name', catalog, '--schema-name', schema])).json.map((m: {full_name: string}) => m.full_name)).toEqual([TOUR_MODEL])
    expect((await databricks(['model-versions', 'list', TOUR_MODEL])).json.map((v: {version: number}) => v.version).sort()).toEqual([1, 2])
    await same(['model-versions', 'get', TOUR_MODEL, '2'], `${UC}/models/${TOUR_MODEL}/versions/2`)
    expect((await databricks(['registered-models', 'set-alias', TOUR_MODEL, 'challenger', '2'])).json).toMatchObject({alias_name: 'challenger', version_num: 2})
    await same(['model-versions', 'get-by-alias', TOUR_MODEL, 'challenger'], `${UC}/models/${TOUR_MODEL}/aliases/challenger`)
    await databricks(['registered-models', 'delete-alias', TOUR_MODEL, 'challenger'])
    await fails(['model-versions', 'get-by-alias', TOUR_MODEL, 'challenger'], 404, 'RESOURCE_DOES_NOT_EXIST', '')
  })

  it('serving endpoints: get, update config and wait, query', async () => {
    await same(['serving-endpoints', 'get', TOUR_ENDPOINT], `/api/2.0/serving-endpoints/${TOUR_ENDPOINT}`)
    const config = {served_entities: [{entity_name: TOUR_MODEL, entity_version: '2', workload_size: 'Small', scale_to_zero_enabled: true}]}
    const updated = (await databricks(['serving-endpoints', 'update-config', TOUR_ENDPOINT, '--json', JSON.stringify(config)])).json
    expect(updated.state.config_update).toBe('NOT_UPDATING')
    expect(updated.config.served_entities[0].entity_version).toBe('2')
    const answer = (await databricks(['serving-endpoints', 'query', TOUR_ENDPOINT, '--json', JSON.stringify({dataframe_records: [{review_text: 'love it, great'}, {review_text: 'awful, broken'}]})])).json
    expect(answer.predictions).toHaveLength(2)
    expect(answer.predictions[0]).toBeGreaterThan(answer.predictions[1])
  })

  it('workspace: mkdirs, import, export, get-status, list', async () => {
    await databricks(['workspace', 'mkdirs', '/Shared/cli-tour'])
    const source = Buffer.from("# Databricks notebook source\nprint('hi')\n").toString('base64')
    await databricks(['workspace', 'import', '/Shared/cli-tour/notebook', '--content', source, '--format', 'SOURCE', '--language', 'PYTHON'])
    const status = await same(['workspace', 'get-status', '/Shared/cli-tour/notebook'], `/api/2.0/workspace/get-status?path=/Shared/cli-tour/notebook`)
    expect(status).toMatchObject({object_type: 'NOTEBOOK', language: 'PYTHON'})
    const exported = (await databricks(['workspace', 'export', '/Shared/cli-tour/notebook', '--format', 'SOURCE'])).json
    expect(Buffer.from(exported.content, 'base64').toString()).toContain("print('hi')")
    expect((await databricks(['workspace', 'list', '/Shared/cli-tour'])).json.map((o: {path: string}) => o.path)).toEqual(['/Shared/cli-tour/notebook'])
    await fails(
      ['workspace', 'import', '/Shared/cli-tour/notebook', '--content', source, '--format', 'SOURCE', '--language', 'PYTHON'],
      409,
      'RESOURCE_ALREADY_EXISTS',
      'Path (/Shared/cli-tour/notebook) already exists.',
    )
    await fails(['workspace', 'get-status', '/Shared/cli-tour/missing'], 404, 'RESOURCE_DOES_NOT_EXIST', "Path (/Shared/cli-tour/missing) doesn't exist.")
  })

  it('errors: 404, 409 and 400 reach the CLI with their error codes; clean up', async () => {
    await fails(['catalogs', 'get', 'no_such_catalog'], 404, 'CATALOG_DOES_NOT_EXIST', "Catalog 'no_such_catalog' does not exist.")
    await fails(['catalogs', 'create', 'cli_tour'], 409, 'CATALOG_ALREADY_EXISTS', "Catalog 'cli_tour' already exists.")
    await fails(['schemas', 'create', 'raw', 'cli_tour'], 409, 'SCHEMA_ALREADY_EXISTS', "Schema 'cli_tour.raw' already exists.")
    await fails(['catalogs', 'create', 'bad name'], 400, 'INVALID_PARAMETER_VALUE', "Invalid catalog name 'bad name'")
    await fails(['schemas', 'delete', 'cli_tour.raw'], 400, 'SCHEMA_NOT_EMPTY', "Schema 'cli_tour.raw' is not empty.")
    await databricks(['catalogs', 'delete', 'cli_tour', '--force'])
    for (const name of ['cli_tour_b', 'cli_tour_c']) await databricks(['catalogs', 'delete', name])
    expect((await server.call('GET', `${UC}/catalogs/cli_tour`)).status).toBe(404)
  })
})
