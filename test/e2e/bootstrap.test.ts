import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadTableSpecs} from '../../src/pipeline/index.js'
import {TestWorkspace} from '../helpers/workspace.js'

const UC = '/api/2.1/unity-catalog'
const SCHEMAS = ['bronze', 'silver', 'gold', 'ops', 'ml']
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
let ws: TestWorkspace

/** Grants of one securable as principal -> sorted privileges, read through the API. */
async function grants(type: string, name: string): Promise<Record<string, string[]>> {
  const body = await ws.api('GET', `${UC}/permissions/${type}/${name}`)
  return Object.fromEntries((body.privilege_assignments ?? []).map((a: {principal: string; privileges: string[]}) => [a.principal, [...a.privileges].sort()]))
}

async function projectJobs(): Promise<Array<{job_id: number; settings: any}>> {
  const {jobs = []} = await ws.api('GET', '/api/2.2/jobs/list?limit=100')
  return Promise.all(jobs.filter((j: any) => j.settings?.tags?.lakectl_project === 'lakectl').map((j: any) => ws.api('GET', `/api/2.2/jobs/get?job_id=${j.job_id}`)))
}

/** Statements that only read (SELECT) still POST: what matters is that nothing was changed. */
function mutations(requests: Array<{method: string; path: string}>): string[] {
  return requests.filter((r) => MUTATING.has(r.method) && r.path !== '/api/2.0/sql/statements').map((r) => `${r.method} ${r.path}`)
}

beforeAll(async () => {
  ws = await TestWorkspace.start()
})

afterAll(async () => {
  await ws?.stop()
})

describe('bootstrap from an empty workspace', () => {
  it('exits 2 on invalid config before sending any request', async () => {
    await ws.clearRequests()
    for (const yaml of [
      'access:\n  bi:\n    principal: bi\n    layers: {gold: [SELECT, READ_EVERYTHING]}\n',
      'access:\n  bi:\n    principal: "x; DROP TABLE y"\n    layers: {gold: [SELECT]}\n',
      'catalog: "x; DROP TABLE y"\n',
    ]) {
      ws.writeConfig(yaml)
      const result = await ws.run(['bootstrap', '--yes'])
      expect(result.code, result.stderr).toBe(2)
      expect(result.stderr).toMatch(/lakectl\.yaml:\d+/)
    }
    expect(await ws.requests()).toEqual([])
    ws.writeConfig('catalog: lakehouse\n')
  })

  it('needs --yes without a terminal, and names the flag', async () => {
    const result = await ws.run(['bootstrap'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--yes/)
    expect(result.stdout).toMatch(/Plan for local/)
  })

  it('shows the plan with --plan and --exit-code exits 3 while changes are pending', async () => {
    const result = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(result.code).toBe(3)
    const plan = result.json()
    expect(plan.mode).toBe('plan')
    expect(plan.pending).toBeGreaterThan(20)
    const grantLines = plan.actions.filter((a: any) => a.object_type === 'grants').flatMap((a: any) => a.diff)
    expect(grantLines).toContain('+ SELECT on schema lakehouse.gold to analysts')
    expect(grantLines).toContain('+ USE_CATALOG on catalog lakehouse to analysts')
  })

  it('creates everything with --yes; reading it back through the API matches the config', async () => {
    const result = await ws.run(['bootstrap', '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json().failed).toBe(0)

    expect((await ws.api('GET', `${UC}/catalogs/lakehouse`)).name).toBe('lakehouse')
    const schemas = (await ws.api('GET', `${UC}/schemas?catalog_name=lakehouse&max_results=0`)).schemas.map((s: {name: string}) => s.name)
    expect(schemas).toEqual(expect.arrayContaining(SCHEMAS))

    for (const spec of loadTableSpecs()) {
      const table = await ws.api('GET', `${UC}/tables/lakehouse.${spec.id}`)
      expect(table.columns.map((c: {name: string; type_text: string}) => [c.name, c.type_text])).toEqual(spec.columns.map((c) => [c.name, c.type]))
    }

    expect(await grants('catalog', 'lakehouse')).toMatchObject({analysts: ['USE_CATALOG'], 'data-engineers': ['USE_CATALOG'], 'ml-engineers': ['USE_CATALOG']})
    expect(await grants('schema', 'lakehouse.gold')).toMatchObject({analysts: ['SELECT', 'USE_SCHEMA'], 'data-engineers': ['MODIFY', 'SELECT', 'USE_SCHEMA']})
    expect(await grants('schema', 'lakehouse.ml')).toMatchObject({'ml-engineers': ['CREATE_MODEL', 'SELECT', 'USE_SCHEMA']})
    expect((await grants('schema', 'lakehouse.bronze')).analysts).toBeUndefined()

    const jobs = await projectJobs()
    expect(jobs.map((j) => j.settings.tags.lakectl_layer).sort()).toEqual(['backfill', 'bronze', 'gold', 'silver', 'train'])
    for (const job of jobs.filter((j) => ['bronze', 'silver', 'gold'].includes(j.settings.tags.lakectl_layer))) {
      expect(job.settings.continuous.pause_status).toBe('PAUSED')
    }
    const status = await ws.api('GET', '/api/2.0/workspace/get-status?path=/Shared/lakectl/pyspark/silver.py')
    expect(status.object_type).toBe('FILE')

    const customers = await ws.run(['sql', 'SELECT count(*) AS n FROM lakehouse.silver.customers', '--json'])
    expect(customers.json().rows[0].n).toBeGreaterThan(100)
  })

  it('plans nothing on a second run, and sends no mutating call', async () => {
    await ws.clearRequests()
    const result = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(result.code, JSON.stringify(result.json().actions.filter((a: any) => a.action !== 'unchanged'))).toBe(0)
    expect(result.json().pending).toBe(0)
    const again = await ws.run(['bootstrap', '--yes'])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/Nothing to do/)
    expect(mutations(await ws.requests())).toEqual([])
  })
})

describe('drift and config changes', () => {
  it('plans exactly a new role, a changed job setting and an added column', async () => {
    ws.writeConfig(`catalog: lakehouse
access:
  data_engineers:
    principal: data-engineers
    layers: {bronze: [SELECT, MODIFY], silver: [SELECT, MODIFY], gold: [SELECT, MODIFY], ops: [SELECT, MODIFY]}
  analysts:
    principal: analysts
    layers: {gold: [SELECT]}
  ml_engineers:
    principal: ml-engineers
    layers: {silver: [SELECT], gold: [SELECT], ml: [SELECT, CREATE_MODEL]}
  auditors:
    principal: auditors
    layers: {ops: [SELECT]}
streams:
  gold: {trigger_seconds: 5}
`)
    await ws.run(['sql', 'ALTER TABLE lakehouse.gold.sentiment_summary DROP COLUMN reviews'])
    const result = await ws.run(['bootstrap', '--plan', '--json'])
    const changed = result.json().actions.filter((a: any) => a.action !== 'unchanged')
    expect(changed.map((a: any) => `${a.action} ${a.object_type} ${a.full_name}`).sort()).toEqual([
      'update grants catalog lakehouse',
      'update grants schema lakehouse.ops',
      'update job lakectl gold stream (' + (await projectJobs()).find((j) => j.settings.tags.lakectl_layer === 'gold')!.job_id + ')',
      'update table lakehouse.gold.sentiment_summary',
    ].sort())
  })

  it('shows an extra or retyped column as blocked for a human, never applies it, and exits 3', async () => {
    ws.writeConfig('catalog: lakehouse\n')
    await ws.run(['bootstrap', '--yes'])
    await ws.run(['sql', 'ALTER TABLE lakehouse.gold.customer_features ADD COLUMN legacy_score INT'])
    const plan = await ws.run(['bootstrap', '--plan', '--json'])
    expect(plan.code).toBe(3)
    const blocked = plan.json().actions.filter((a: any) => a.action === 'blocked')
    expect(blocked.map((a: any) => [a.full_name, a.diff])).toEqual([
      ['lakehouse.gold.customer_features', ['column legacy_score is not in the DDL any more: dropping it needs a human']],
    ])
    const applied = await ws.run(['bootstrap', '--yes'])
    expect(applied.code).toBe(3)
    expect(applied.stdout).toMatch(/blocked: needs a human/)
    const columns = (await ws.api('GET', `${UC}/tables/lakehouse.gold.customer_features`)).columns.map((c: {name: string}) => c.name)
    expect(columns).toContain('legacy_score')
    await ws.run(['sql', 'ALTER TABLE lakehouse.gold.customer_features DROP COLUMN legacy_score'])
    expect((await ws.run(['bootstrap', '--plan', '--exit-code'])).code).toBe(0)
  })

  it('reverts an out-of-band grant on a managed principal and leaves other principals alone', async () => {
    ws.writeConfig('catalog: lakehouse\n')
    await ws.api('PATCH', `${UC}/permissions/schema/lakehouse.gold`, {changes: [
      {principal: 'analysts', add: ['MODIFY']},
      {principal: 'someone-else@example.com', add: ['SELECT', 'MODIFY']},
    ]})
    const plan = await ws.run(['bootstrap', '--plan', '--json'])
    const gold = plan.json().actions.find((a: any) => a.full_name === 'schema lakehouse.gold')
    expect(gold.diff).toEqual(['- MODIFY on schema lakehouse.gold from analysts'])
    const applied = await ws.run(['bootstrap', '--yes'])
    expect(applied.code, applied.stderr).toBe(0)
    const after = await grants('schema', 'lakehouse.gold')
    expect(after.analysts).toEqual(['SELECT', 'USE_SCHEMA'])
    expect(after['someone-else@example.com']).toEqual(['MODIFY', 'SELECT'])
    expect((await ws.run(['bootstrap', '--plan', '--exit-code'])).code).toBe(0)
  })
})

describe('faults during apply', () => {
  it('a 500 on a create is settled by reading back in the same run, and nothing is created twice', async () => {
    ws.writeConfig('catalog: shop\n')
    await ws.fault({method: 'POST', path: '/api/2.1/unity-catalog/schemas', status: 500, error_code: 'INTERNAL_ERROR', message: 'injected', count: 1})
    await ws.fault({method: 'POST', path: '/api/2.2/jobs/create', reset: true, when: 'after', count: 1})
    const result = await ws.run(['bootstrap', '--yes'])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect((await ws.api('GET', `${UC}/schemas?catalog_name=shop`)).schemas.map((s: {name: string}) => s.name).sort()).toEqual(expect.arrayContaining(SCHEMAS))
    const roles = (await projectJobs()).map((j) => j.settings.tags.lakectl_layer).sort()
    expect(roles).toEqual([...new Set(roles)])
    expect((await ws.run(['bootstrap', '--plan', '--exit-code'])).code).toBe(0)
  })

  it('a connection reset mid-grants is settled by reading the permissions back in the same run', async () => {
    ws.writeConfig('catalog: shop2\n')
    await ws.fault({method: 'PATCH', path: '/api/2.1/unity-catalog/permissions/*', reset: true, when: 'after', count: 2})
    const first = await ws.run(['bootstrap', '--yes'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const plan = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(plan.code).toBe(0)
    expect(await grants('schema', 'shop2.gold')).toMatchObject({analysts: ['SELECT', 'USE_SCHEMA']})
  })
})
