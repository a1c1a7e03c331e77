/**
 * The lineage of SQL statements, parsed by DuckDB's own parser: written table, tables read, and the
 * source columns of each written column, for the shapes the lakehouse uses (INSERT ... SELECT, MERGE,
 * CREATE VIEW / TABLE AS, UPDATE) and the query forms in them (joins, subqueries, CTEs, set operations,
 * star expansion, struct fields). And the manifest's layers, checked against what manifest.yaml
 * declares, read independently.
 */
import {DuckDBInstance} from '@duckdb/node-api'
import {parse as parseYaml} from 'yaml'
import {readFileSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'

import {layerWrites} from '../../src/local/lineage/pipeline-lineage.js'
import {type ParseSelect, type Relation, statementLineage} from '../../src/local/lineage/sql-lineage.js'
import {RESOURCES_DIR} from '../../src/pipeline/resources.js'

let parse: ParseSelect

beforeAll(async () => {
  const connection = await (await DuckDBInstance.create(':memory:')).connect()
  parse = async (sql) => {
    const reader = await connection.runAndReadAll('SELECT json_serialize_sql(CAST($1 AS VARCHAR)) AS t', [sql])
    const tree = JSON.parse(String(reader.getRowObjectsJS()[0].t))
    if (tree.error) throw new Error(tree.error_message)
    return tree.statements[0].node
  }
})

const TABLES: Record<string, string[]> = {
  'c.s.orders': ['order_id', 'customer_id', 'amount', 'status', 'ts'],
  'c.s.customers': ['customer_id', 'segment', 'country'],
  'c.s.refunds': ['order_id', 'refund'],
  'c.g.daily': ['customer_id', 'day', 'revenue', 'orders'],
}
const resolve = (parts: string[]): Relation | undefined => {
  const name = parts.length === 3 ? parts.join('.') : `c.${parts.join('.')}`
  return TABLES[name] ? {kind: 'table', name, columns: TABLES[name]} : undefined
}
const sources = (columns: Array<{column: string; sources: Array<{table: string; column: string}>}>) =>
  Object.fromEntries(columns.map((c) => [c.column, c.sources.map((s) => `${s.table}.${s.column}`)]))

describe('statement lineage', () => {
  it('INSERT ... SELECT: columns by position of the target, joins by alias, filter-only tables read', async () => {
    const lineage = await statementLineage(
      `INSERT INTO c.g.daily
       SELECT o.customer_id, to_date(o.ts) AS day, sum(CASE WHEN o.status = 'paid' THEN o.amount END) AS revenue, count(*) AS n
       FROM c.s.orders AS o JOIN c.s.customers AS cu ON cu.customer_id = o.customer_id
       WHERE o.order_id NOT IN (SELECT r.order_id FROM c.s.refunds AS r)
       GROUP BY o.customer_id, to_date(o.ts)`,
      parse,
      resolve,
    )
    expect(lineage).toMatchObject({kind: 'insert', target: ['c', 'g', 'daily'], reads: ['c.s.customers', 'c.s.orders', 'c.s.refunds']})
    // count(*) reads no column: `orders` has no source and is absent.
    expect(sources(lineage.columns)).toEqual({
      customer_id: ['c.s.orders.customer_id'],
      day: ['c.s.orders.ts'],
      revenue: ['c.s.orders.amount', 'c.s.orders.status'],
    })
  })

  it('MERGE: UPDATE SET and INSERT VALUES from the USING subquery; the target itself is not a source', async () => {
    const lineage = await statementLineage(
      `MERGE INTO c.g.daily AS t
       USING (SELECT o.customer_id, o.ts, o.amount FROM c.s.orders AS o) AS u
       ON t.customer_id = u.customer_id
       WHEN MATCHED THEN UPDATE SET revenue = t.revenue + u.amount
       WHEN NOT MATCHED THEN INSERT (customer_id, day, revenue) VALUES (u.customer_id, to_date(u.ts), u.amount)`,
      parse,
      resolve,
    )
    expect(lineage).toMatchObject({kind: 'merge', target: ['c', 'g', 'daily'], reads: ['c.s.orders']})
    expect(sources(lineage.columns)).toEqual({revenue: ['c.s.orders.amount'], customer_id: ['c.s.orders.customer_id'], day: ['c.s.orders.ts']})
  })

  it('CREATE VIEW with a CTE, a UNION ALL and a star: columns renamed by the view column list', async () => {
    const lineage = await statementLineage(
      `CREATE OR REPLACE VIEW c.g.v (who, money) AS
       WITH paid AS (SELECT o.customer_id, o.amount FROM c.s.orders AS o WHERE o.status = 'paid')
       SELECT p.* FROM paid AS p
       UNION ALL
       SELECT r.order_id, -r.refund FROM c.s.refunds AS r`,
      parse,
      resolve,
    )
    expect(lineage).toMatchObject({kind: 'create-view', target: ['c', 'g', 'v'], reads: ['c.s.orders', 'c.s.refunds']})
    expect(sources(lineage.columns)).toEqual({who: ['c.s.orders.customer_id', 'c.s.refunds.order_id'], money: ['c.s.orders.amount', 'c.s.refunds.refund']})
  })

  it('unqualified columns, struct fields, a scalar subquery and a CTAS in the session schema', async () => {
    const lineage = await statementLineage(
      `CREATE TABLE s.t AS SELECT customer_id, named_struct('a', amount).a AS a,
         (SELECT max(cu.country) FROM s.customers AS cu WHERE cu.customer_id = o.customer_id) AS country
       FROM s.orders AS o`,
      parse,
      resolve,
    )
    expect(lineage).toMatchObject({kind: 'create-table', target: ['s', 't'], reads: ['c.s.customers', 'c.s.orders']})
    expect(sources(lineage.columns)).toMatchObject({customer_id: ['c.s.orders.customer_id'], country: ['c.s.customers.country']})
  })

  it('a SELECT writes nothing; an INSERT of VALUES reads nothing', async () => {
    expect(await statementLineage('SELECT 1 AS x', parse, resolve)).toEqual({kind: 'select', reads: [], columns: [{column: 'x', sources: []}]})
    expect(await statementLineage("INSERT INTO c.s.refunds VALUES ('o1', 2)", parse, resolve)).toEqual({kind: 'insert', target: ['c', 's', 'refunds'], reads: [], columns: []})
  })
})

describe('the pipeline layers', () => {
  /** What manifest.yaml declares, read on its own: each layer's input shape and the tables its SQL names. */
  const declared = () => {
    const manifest = parseYaml(readFileSync(`${RESOURCES_DIR}/pipeline/manifest.yaml`, 'utf8')) as {
      layers: Record<string, {input: {shape: string}; steps: Array<{sql: string; write?: string; append?: string}>}>
    }
    return Object.entries(manifest.layers).map(([layer, spec]) => {
      const named = new Set(spec.steps.flatMap((step) => [...readFileSync(`${RESOURCES_DIR}/sql/${step.sql}`, 'utf8').matchAll(/\{\{catalog\}\}\.([a-z_]+\.[a-z_]+)/g)].map((m) => m[1])))
      const targets = spec.steps.flatMap((step) => (step.write ?? step.append ? [step.write ?? step.append!] : []))
      return {layer, shape: spec.input.shape, targets, named: [...named].filter((t) => !targets.includes(t))}
    })
  }

  it('each layer writes exactly the tables its steps name, reading its input shape and every other table its SQL names', async () => {
    for (const {layer, shape, targets, named} of declared()) {
      const writes = await layerWrites(layer as 'silver' | 'gold', 'lakehouse', parse)
      expect(writes.map((w) => w.target.replace('lakehouse.', '')), layer).toEqual(targets)
      const reads = new Set(writes.flatMap((w) => w.reads.map((r) => r.replace('lakehouse.', ''))))
      expect(reads.has(shape), `${layer} reads ${shape}`).toBe(true)
      for (const table of named) expect(reads.has(table), `${layer} reads ${table}`).toBe(true)
    }
  })

  it('a backfilled partition writes what its mode\'s steps name; a replace step writes its view\'s sources', async () => {
    for (const layer of ['silver', 'gold'] as const) {
      const stream = await layerWrites(layer, 'lakehouse', parse)
      for (const mode of ['missing', 'replace'] as const) {
        const writes = await layerWrites(layer, 'lakehouse', parse, mode)
        expect(writes.map((w) => w.target).sort(), `${layer} ${mode}`).toEqual(stream.map((w) => w.target).sort())
        for (const write of writes) expect(write.reads.sort(), `${layer} ${mode} ${write.target}`).toEqual(stream.find((w) => w.target === write.target)!.reads.sort())
      }
    }
    const replaced = (await layerWrites('gold', 'lakehouse', parse, 'replace')).find((w) => w.target === 'lakehouse.gold.customer_behavior_daily')!
    expect(sources(replaced.columns).revenue).toEqual(['lakehouse.silver.customer_events_cleaned.amount', 'lakehouse.silver.customer_events_cleaned.event_type'])
  })

  it('Gold revenue comes from Silver amount and event_type; Silver product_category from the products reference', async () => {
    const gold = await layerWrites('gold', 'lakehouse', parse)
    const daily = gold.find((w) => w.target === 'lakehouse.gold.customer_behavior_daily')!
    expect(sources(daily.columns).revenue).toEqual(['lakehouse.silver.customer_events_cleaned.amount', 'lakehouse.silver.customer_events_cleaned.event_type'])
    const silver = await layerWrites('silver', 'lakehouse', parse)
    const cleaned = silver.find((w) => w.target === 'lakehouse.silver.customer_events_cleaned')!
    expect(sources(cleaned.columns).product_category).toEqual(['lakehouse.silver.products.product_category'])
    expect(sources(cleaned.columns).amount).toEqual(['lakehouse.bronze.customer_events_raw.value'])
  })
})
