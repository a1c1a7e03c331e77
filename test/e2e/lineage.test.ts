/**
 * `lakectl lineage` with the BUILT CLI after a quickstart-sized run on a local workspace (bootstrap, the
 * three streams over 2,000 events, a training run): the graph Bronze -> Silver -> Gold with the jobs
 * that wrote each edge matches what resources/pipeline/manifest.yaml declares (read independently
 * here), from both sources (system tables and the lineage-tracking API); column lineage of a Gold
 * column; --impact on Silver; a statement's lineage; and the wire shapes of both endpoints and of the
 * system tables against the reference (src/local/api/lineage.ts and Databricks' system tables docs).
 */
import {readFileSync} from 'node:fs'
import http from 'node:http'

import {parse as parseYaml} from 'yaml'
import {z} from 'zod'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {RESOURCES_DIR} from '../../src/pipeline/resources.js'
import {TestWorkspace} from '../helpers/workspace.js'

let ws: TestWorkspace
/** lakectl_layer tag -> job id, read from the Jobs API. */
const jobs: Record<string, number> = {}

const manifest = parseYaml(readFileSync(`${RESOURCES_DIR}/pipeline/manifest.yaml`, 'utf8')) as {
  layers: Record<string, {input: {shape: string}; steps: Array<{sql: string; write?: string; append?: string}>}>
}

/**
 * What the manifest declares: each write or append step writes its table from the layer's input shape
 * (the batch) and from every other table its own SQL names.
 */
function declaredEdges(): Array<{from: string; to: string; layer: string}> {
  const edges: Array<{from: string; to: string; layer: string}> = []
  for (const [layer, spec] of Object.entries(manifest.layers)) {
    for (const step of spec.steps) {
      const target = step.write ?? step.append
      if (!target) continue
      const named = new Set([spec.input.shape])
      for (const m of readFileSync(`${RESOURCES_DIR}/sql/${step.sql}`, 'utf8').matchAll(/\{\{catalog\}\}\.([a-z_]+\.[a-z_]+)/g)) named.add(m[1])
      for (const from of named) if (from !== target) edges.push({from: `lakehouse.${from}`, to: `lakehouse.${target}`, layer})
    }
  }
  return edges
}

/** A GET with a JSON body, as Databricks' lineage examples send it (fetch refuses a GET body). */
function getWithBody(path: string, body: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, ws.url)
    const data = JSON.stringify(body)
    const request = http.request(url, {method: 'GET', headers: {authorization: `Bearer ${ws.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data)}}, (response) => {
      let text = ''
      response.on('data', (chunk) => (text += chunk))
      response.on('end', () => (response.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${response.statusCode} ${text}`))))
    })
    request.on('error', reject)
    request.end(data)
  })
}

async function lineage(args: string[]): Promise<any> {
  const result = await ws.run(['lineage', ...args, '--json'])
  expect(result.code, result.stderr).toBe(0)
  return result.json()
}

function edgeSet(graph: any): string[] {
  return graph.edges.map((e: any) => `${e.from} > ${e.to} [${e.via.filter((v: any) => v.kind === 'job').map((v: any) => v.id).join(',')}]`).sort()
}

beforeAll(async () => {
  ws = await TestWorkspace.start()
  for (const args of [['bootstrap', '--yes'], ['stream', 'start'], ['local', 'produce', '--count', '2000', '--seed', '1'], ['stream', 'wait', '--timeout', '120'], ['model', 'train', '--wait']]) {
    const result = await ws.run(args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  }
  const {jobs: list} = await ws.api('GET', '/api/2.2/jobs/list?limit=100')
  for (const job of list) jobs[job.settings.tags.lakectl_layer] = job.job_id
}, 240_000)

afterAll(async () => {
  await ws?.run(['stream', 'stop'])
  await ws?.stop()
})

describe('lineage after a quickstart-sized run', () => {
  it('upstream of every Gold table: the manifest\'s edges, each written by its layer\'s job, from the system tables', async () => {
    const declared = declaredEdges()
    for (const gold of ['gold.customer_behavior_daily', 'gold.sentiment_summary', 'gold.customer_features']) {
      const graph = await lineage([`lakehouse.${gold}`, '--upstream'])
      expect(graph).toMatchObject({root: `table:lakehouse.${gold}`, direction: 'upstream', depth: null, source: 'system-tables'})
      // The tables upstream of this Gold table, transitively, by the manifest alone.
      const upstream = new Set<string>()
      const visit = (to: string) => declared.filter((e) => e.to === to).forEach((e) => !upstream.has(e.from) && (upstream.add(e.from), visit(e.from)))
      visit(`lakehouse.${gold}`)
      const expected = declared
        .filter((e) => (e.to === `lakehouse.${gold}` || upstream.has(e.to)) && upstream.has(e.from))
        .map((e) => `table:${e.from} > table:${e.to} [${jobs[e.layer]}]`)
      // Bronze is written from the topic by the Bronze job: an entity without a source table.
      expected.push(`job:${jobs.bronze} > table:lakehouse.bronze.customer_events_raw []`)
      expect(edgeSet(graph)).toEqual([...new Set(expected)].sort())
      for (const edge of graph.edges) expect(Date.parse(edge.last_seen)).toBeGreaterThan(Date.now() - 600_000)
      expect(graph.nodes.find((n: any) => n.id === `job:${jobs.gold}`)).toBeUndefined()
      expect(graph.edges.find((e: any) => e.to === `table:lakehouse.${gold}`).via).toEqual([{kind: 'job', id: String(jobs.gold), label: 'lakectl gold stream'}])
    }
  })

  it('the lineage-tracking API answers the same graph', async () => {
    const fromSystem = await lineage(['lakehouse.gold.customer_behavior_daily'])
    const fromApi = await lineage(['lakehouse.gold.customer_behavior_daily', '--source', 'api'])
    expect(fromApi.source).toBe('lineage-api')
    expect(edgeSet(fromApi)).toEqual(edgeSet(fromSystem))
    expect(fromApi.nodes.map((n: any) => n.id).sort()).toEqual(fromSystem.nodes.map((n: any) => n.id).sort())
  })

  it('--depth limits the hops; a plain listing through a pipe names the source', async () => {
    const one = await lineage(['gold.customer_behavior_daily', '--upstream', '--depth', '1'])
    expect(one.nodes.map((n: any) => n.id)).toEqual(['table:lakehouse.gold.customer_behavior_daily', 'table:lakehouse.silver.customer_events_cleaned'])
    const plain = await ws.run(['lineage', 'gold.customer_behavior_daily', '--upstream', '--depth', '1'])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toMatch(/^Lineage of lakehouse\.gold\.customer_behavior_daily from system\.access\.table_lineage, 1 hop:$/m)
    expect(plain.stdout).toMatch(new RegExp(`^lakehouse\\.silver\\.customer_events_cleaned +lakehouse\\.gold\\.customer_behavior_daily +job lakectl gold stream \\(${jobs.gold}\\) +\\d{4}-`, 'm'))
  })

  it('column lineage of a Gold column, through Silver to the Bronze value it was parsed from', async () => {
    for (const source of ['system', 'api']) {
      const graph = await lineage(['gold.customer_behavior_daily', '--columns', 'revenue', '--upstream', '--source', source])
      expect(graph.root).toBe('column:lakehouse.gold.customer_behavior_daily.revenue')
      expect(graph.edges.map((e: any) => `${e.from} > ${e.to}`).sort()).toEqual([
        'column:lakehouse.bronze.customer_events_raw.value > column:lakehouse.silver.customer_events_cleaned.amount',
        'column:lakehouse.bronze.customer_events_raw.value > column:lakehouse.silver.customer_events_cleaned.event_type',
        'column:lakehouse.silver.customer_events_cleaned.amount > column:lakehouse.gold.customer_behavior_daily.revenue',
        'column:lakehouse.silver.customer_events_cleaned.event_type > column:lakehouse.gold.customer_behavior_daily.revenue',
      ])
    }
  })

  it('--impact on Silver lists the Gold tables, the analyst views, the dashboard, the jobs that read it and the model trained on it', async () => {
    const result = await lineage(['--impact', 'lakehouse.silver.customer_events_cleaned'])
    expect(result.source).toBe('lineage-api')
    expect(result.tables.map((t: any) => t.name)).toEqual(
      expect.arrayContaining(['lakehouse.gold.customer_behavior_daily', 'lakehouse.gold.sentiment_summary', 'lakehouse.gold.customer_features', 'lakehouse.gold.customer_360', 'lakehouse.gold.daily_kpis', 'lakehouse.gold.sentiment_hourly']),
    )
    expect(result.dashboards.map((d: any) => d.name)).toEqual([expect.stringMatching(/^Customer behaviour|^[0-9a-f]{32}$/)])
    expect(result.jobs.map((j: any) => Number(j.name))).toEqual(expect.arrayContaining([jobs.gold, jobs.train]))
    expect(result.models).toEqual([expect.objectContaining({kind: 'model', name: 'lakehouse.ml.sentiment', depth: 1, via: [{kind: 'job', id: String(jobs.train), label: 'lakectl train sentiment model'}]})])
    const human = await ws.run(['lineage', '--impact', 'silver.customer_events_cleaned'])
    // The alert on ops.quality_metrics is in the impact once its schedule has evaluated it (it reads the
    // table then), which may or may not have happened yet.
    expect(human.stdout).toMatch(/^Impact of lakehouse\.silver\.customer_events_cleaned from the lineage-tracking API: \d+ tables and views, \d+ jobs, 1 dashboard, (1 alert, )?1 model\.$/m)
  })

  it('a statement that writes a table records its lineage, with the statement as the writer in the system tables', async () => {
    const created = await ws.run(['sql', 'CREATE TABLE lakehouse.gold.top_customers AS SELECT d.customer_id, sum(d.revenue) AS revenue FROM lakehouse.gold.customer_behavior_daily AS d GROUP BY d.customer_id'])
    expect(created.code, created.stderr).toBe(0)
    const graph = await lineage(['gold.top_customers', '--upstream', '--depth', '1'])
    expect(graph.edges).toEqual([
      {from: 'table:lakehouse.gold.customer_behavior_daily', to: 'table:lakehouse.gold.top_customers', via: [{kind: 'statement', id: expect.stringMatching(/^[0-9a-f-]{36}$/)}], last_seen: expect.any(String)},
    ])
    const column = await lineage(['gold.top_customers', '--columns', 'revenue', '--upstream', '--depth', '1', '--source', 'api'])
    expect(column.edges.map((e: any) => e.from)).toEqual(['column:lakehouse.gold.customer_behavior_daily.revenue'])
  })

  it('a table that does not exist exits 2 and says what creates it', async () => {
    const result = await ws.run(['lineage', 'lakehouse.gold.nope', '--json'])
    expect(result.code).toBe(2)
    expect(result.json().error).toMatchObject({code: 'TABLE_NOT_FOUND'})
  })
})

describe('wire shapes', () => {
  const timestamp = z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,9}$/)
  const entity = (id: string, type: z.ZodType) => z.array(z.strictObject({workspace_id: z.number().int(), [id]: type, lineage_timestamp: timestamp}))
  const entry = z
    .strictObject({
      tableInfo: z.strictObject({name: z.string(), catalog_name: z.string(), schema_name: z.string(), table_type: z.enum(['TABLE', 'VIEW']), lineage_timestamp: timestamp}).optional(),
      modelInfo: z.strictObject({model_name: z.string(), version: z.number().int(), lineage_timestamp: timestamp}).optional(),
      jobInfos: entity('job_id', z.number().int()).optional(),
      dashboardV3Infos: entity('dashboard_id', z.string()).optional(),
      alertInfos: entity('alert_id', z.string()).optional(),
      queryInfos: entity('query_id', z.string()).optional(),
      notebookInfos: entity('notebook_id', z.string()).optional(),
      pipelineInfos: entity('pipeline_id', z.string()).optional(),
    })
    .refine((e) => Object.keys(e).length > 0)
  const tableLineage = z.strictObject({upstreams: z.array(entry).optional(), downstreams: z.array(entry).optional()})
  const columnInfo = z.strictObject({name: z.string(), catalog_name: z.string(), schema_name: z.string(), table_name: z.string(), table_type: z.string(), lineage_timestamp: timestamp})
  const columnLineage = z.strictObject({upstream_cols: z.array(columnInfo).optional(), downstream_cols: z.array(columnInfo).optional()})

  it('table-lineage: query string or JSON body, entity lists only with include_entity_lineage', async () => {
    const query = await ws.api('GET', '/api/2.0/lineage-tracking/table-lineage?table_name=lakehouse.silver.customer_events_cleaned&include_entity_lineage=true')
    tableLineage.parse(query)
    expect(query.upstreams.map((e: any) => e.tableInfo?.name).filter(Boolean).sort()).toEqual(['customer_events_raw', 'customers', 'products'])
    expect(query.downstreams.some((e: any) => e.modelInfo?.model_name === 'lakehouse.ml.sentiment' && e.jobInfos[0].job_id === jobs.train)).toBe(true)
    const body = await getWithBody('/api/2.0/lineage-tracking/table-lineage', {table_name: 'lakehouse.silver.customer_events_cleaned', include_entity_lineage: true})
    expect(body).toEqual(query)
    const bare = await ws.api('GET', '/api/2.0/lineage-tracking/table-lineage?table_name=lakehouse.silver.customer_events_cleaned')
    tableLineage.parse(bare)
    expect(JSON.stringify(bare)).not.toMatch(/Infos/)
    // The Bronze job wrote Bronze from the topic: an upstream entry that is an entity alone.
    const bronze = await ws.api('GET', '/api/2.0/lineage-tracking/table-lineage?table_name=lakehouse.bronze.customer_events_raw&include_entity_lineage=true')
    expect(bronze.upstreams).toEqual([{jobInfos: [{workspace_id: expect.any(Number), job_id: jobs.bronze, lineage_timestamp: expect.any(String)}]}])
  })

  it('column-lineage, and the errors of both endpoints', async () => {
    const answer = await ws.api('GET', '/api/2.0/lineage-tracking/column-lineage?table_name=lakehouse.silver.customer_events_cleaned&column_name=product_category')
    columnLineage.parse(answer)
    expect(answer.upstream_cols).toEqual([expect.objectContaining({name: 'product_category', table_name: 'products', table_type: 'TABLE'})])
    expect(answer.downstream_cols).toEqual([expect.objectContaining({name: 'product_category', table_name: 'sentiment_summary'})])
    for (const [path, status, code] of [
      ['/api/2.0/lineage-tracking/table-lineage', 400, 'INVALID_PARAMETER_VALUE'],
      ['/api/2.0/lineage-tracking/column-lineage?table_name=lakehouse.silver.products', 400, 'INVALID_PARAMETER_VALUE'],
      ['/api/2.0/lineage-tracking/table-lineage?table_name=lakehouse.silver.nope', 404, 'TABLE_DOES_NOT_EXIST'],
    ] as const) {
      const response = await fetch(`${ws.url}${path}`, {headers: {authorization: `Bearer ${ws.token}`}})
      expect(response.status, path).toBe(status)
      expect(((await response.json()) as {error_code?: string}).error_code, path).toBe(code)
    }
  })

  it('system.access.table_lineage and column_lineage have Databricks\' columns, in order', async () => {
    const table = ['account_id', 'metastore_id', 'workspace_id', 'entity_type', 'entity_id', 'entity_run_id', 'source_table_full_name', 'source_table_catalog', 'source_table_schema', 'source_table_name', 'source_path', 'source_type']
    const target = ['target_table_full_name', 'target_table_catalog', 'target_table_schema', 'target_table_name', 'target_path', 'target_type']
    const tail = ['created_by', 'event_time', 'event_date', 'record_id', 'event_id', 'statement_id', 'entity_metadata']
    for (const [name, columns] of [
      ['table_lineage', [...table, ...target, ...tail]],
      ['column_lineage', [...table, 'source_column_name', ...target, 'target_column_name', ...tail]],
    ] as const) {
      const result = await ws.run(['sql', `SELECT * FROM system.access.${name} WHERE entity_type = 'JOB' LIMIT 1`, '--json'])
      expect(result.code, result.stderr).toBe(0)
      expect(result.json().columns.map((c: any) => c.name)).toEqual(columns)
      expect(result.json().rows[0].entity_metadata.job_info.job_id).toEqual(expect.any(String))
    }
  })
})
