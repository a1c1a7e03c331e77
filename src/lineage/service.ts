/**
 * `lakectl lineage`: the graph around a table (or a column) from the target's lineage, and the impact
 * of a table: everything downstream of it (tables and views, the jobs that connect them, the
 * dashboards and alerts that read them, the models trained on them).
 *
 * The source is system.access.table_lineage when the target has it (one statement per hop, with the
 * writing statement too), otherwise the lineage-tracking API; `--source` chooses.
 */
import pLimit from 'p-limit'

import type {Settings} from '../config/targets.js'
import type {DatabricksClient} from '../databricks/client.js'
import {ApiError} from '../databricks/errors.js'
import {IDENTIFIER} from '../databricks/identifiers.js'
import {SqlError} from '../databricks/sql.js'
import {resolveWarehouse} from '../databricks/warehouses.js'
import {UsageError} from '../errors.js'
import {type Direction, type EntityRef, GraphBuilder, type LineageGraph, type LineageReader, type NodeKind} from './graph.js'
import {apiReader, systemReader} from './sources.js'

export type SourceChoice = 'auto' | 'api' | 'system'

export interface LineageRequest {
  /** `catalog.schema.table`, or `schema.table` in the target's catalog. */
  table: string
  column?: string
  direction: Direction | 'both'
  /** Hops to follow (null: all). */
  depth: number | null
  source: SourceChoice
}

/** Conditions that mean "this target has no lineage system tables for you": fall back to the API. */
const NO_SYSTEM_TABLES = /TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND|PERMISSION_DENIED|INSUFFICIENT_PERMISSIONS|NOT_FOUND/

export async function lineageGraph(client: DatabricksClient, settings: Settings, request: LineageRequest): Promise<LineageGraph> {
  const table = await existingTable(client, settings, request.table)
  const column = request.column === undefined ? undefined : validColumn(request.column)
  const root = column === undefined ? {kind: 'table' as const, name: table} : {kind: 'column' as const, name: `${table}.${column}`}
  const directions: Direction[] = request.direction === 'both' ? ['upstream', 'downstream'] : [request.direction]
  const {graph, reader, fallback} = await withSource(client, settings, request.source, async (reader) => {
    const builder = new GraphBuilder(root)
    for (const direction of directions) await builder.walk(reader, direction, request.depth)
    return builder
  })
  graph.label(await labels(client, graph.entities()))
  return graph.result({direction: request.direction, depth: request.depth, source: reader.name, ...(fallback ? {fallback} : {})})
}

/**
 * The graph downstream of each table (full names) from the lineage-tracking API, every hop, without
 * labels: for a caller that follows the tables (backfill --downstream), not one that shows them.
 */
export async function downstreamGraphs(client: DatabricksClient, tables: string[]): Promise<LineageGraph[]> {
  const reader = apiReader(client)
  return Promise.all(
    tables.map(async (name) => {
      const builder = new GraphBuilder({kind: 'table', name})
      await builder.walk(reader, 'downstream', null)
      return builder.result({direction: 'downstream', depth: null, source: reader.name})
    }),
  )
}

export interface ImpactItem {
  kind: NodeKind
  name: string
  label?: string
  /** Hops from the table (1: reads it directly). */
  depth: number
  /** How it is reached: the node upstream of it and, for a table, the entities that wrote it. */
  from: string
  via: EntityRef[]
}

export interface ImpactResult {
  table: string
  source: LineageGraph['source']
  fallback?: string
  tables: ImpactItem[]
  jobs: ImpactItem[]
  dashboards: ImpactItem[]
  alerts: ImpactItem[]
  models: ImpactItem[]
  /** Notebooks, pipelines, queries. */
  other: ImpactItem[]
  graph: LineageGraph
}

export async function impact(client: DatabricksClient, settings: Settings, table: string, source: SourceChoice): Promise<ImpactResult> {
  const graph = await lineageGraph(client, settings, {table, direction: 'downstream', depth: null, source})
  const items = new Map<string, ImpactItem>()
  const add = (item: ImpactItem) => {
    const key = `${item.kind === 'view' ? 'table' : item.kind}:${item.name}`
    const known = items.get(key)
    if (!known || known.depth > item.depth) items.set(key, item)
  }
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]))
  for (const edge of graph.edges) {
    const target = nodes.get(edge.to)!
    const from = nodes.get(edge.from)!
    add({kind: target.kind, name: target.name, label: target.label, depth: target.depth, from: from.name, via: edge.via})
    // The jobs on an edge read `from` to write `to`: they are downstream of the table too.
    for (const ref of edge.via) if (ref.kind !== 'statement') add({kind: ref.kind, name: ref.id, label: ref.label, depth: from.depth + 1, from: from.name, via: []})
  }
  const all = [...items.values()].sort((a, b) => a.depth - b.depth || a.name.localeCompare(b.name))
  const of = (...kinds: NodeKind[]) => all.filter((i) => kinds.includes(i.kind))
  return {
    table: graph.root.slice('table:'.length),
    source: graph.source,
    ...(graph.fallback ? {fallback: graph.fallback} : {}),
    tables: of('table', 'view'),
    jobs: of('job'),
    dashboards: of('dashboard'),
    alerts: of('alert'),
    models: of('model'),
    other: of('notebook', 'pipeline', 'query'),
    graph,
  }
}

/**
 * Runs the walk on the chosen source. `auto` tries the system tables first and falls back to the API
 * when the target has none (or the caller may not read them), saying why.
 */
async function withSource(
  client: DatabricksClient,
  settings: Settings,
  choice: SourceChoice,
  walk: (reader: LineageReader) => Promise<GraphBuilder>,
): Promise<{graph: GraphBuilder; reader: LineageReader; fallback?: string}> {
  if (choice === 'api') {
    const reader = apiReader(client)
    return {graph: await walk(reader), reader}
  }
  const warehouseId = (await resolveWarehouse(client, settings.target.warehouse)).id
  const system = systemReader(client, warehouseId)
  try {
    return {graph: await walk(system), reader: system}
  } catch (error) {
    if (choice === 'system' || !(error instanceof SqlError) || !NO_SYSTEM_TABLES.test(`${error.code} ${String(error.details?.error_code ?? '')}`)) throw error
    const reader = apiReader(client)
    return {graph: await walk(reader), reader, fallback: `system.access.table_lineage is not readable here (${error.code})`}
  }
}

/** `catalog.schema.table` (or `schema.table` in the target's catalog) that exists. */
async function existingTable(client: DatabricksClient, settings: Settings, given: string): Promise<string> {
  const parts = given.toLowerCase().split('.')
  if (parts.length === 2) parts.unshift(settings.target.catalog)
  if (parts.length !== 3 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new UsageError(`'${given}' is not a table name: expected catalog.schema.table or schema.table.`, {code: 'INVALID_TABLE', hint: `lakectl lineage ${settings.target.catalog}.gold.customer_behavior_daily`})
  }
  const name = parts.join('.')
  if (!(await client.find(`/api/2.1/unity-catalog/tables/${encodeURIComponent(name)}`))) {
    throw new UsageError(`Table ${name} does not exist on ${settings.target.name}.`, {code: 'TABLE_NOT_FOUND', hint: 'lakectl bootstrap --plan   (the lakehouse tables are created by bootstrap)'})
  }
  return name
}

function validColumn(column: string): string {
  const name = column.toLowerCase()
  if (!IDENTIFIER.test(name)) throw new UsageError(`'${column}' is not a column name.`, {code: 'INVALID_COLUMN'})
  return name
}

/** Readable names of the jobs and dashboards that appear (best effort: an entity that is gone keeps its id). */
async function labels(client: DatabricksClient, entities: EntityRef[]): Promise<Map<string, string>> {
  const limit = pLimit(8)
  const out = new Map<string, string>()
  const lookups: Partial<Record<EntityRef['kind'], (id: string) => Promise<string | undefined>>> = {
    job: async (id) => (await client.find<{settings?: {name?: string}}>('/api/2.2/jobs/get', {job_id: id}))?.settings?.name,
    dashboard: async (id) => (await client.find<{display_name?: string}>(`/api/2.0/lakeview/dashboards/${encodeURIComponent(id)}`))?.display_name,
  }
  await Promise.all(
    entities.map((entity) =>
      limit(async () => {
        const lookup = lookups[entity.kind]
        if (!lookup) return
        try {
          const label = await lookup(entity.id)
          if (label) out.set(`${entity.kind}:${entity.id}`, label)
        } catch (error) {
          // A job id that is no longer valid answers 400 on some workspaces (reference 1.4); a name is cosmetic.
          if (!(error instanceof ApiError)) throw error
        }
      }),
    ),
  )
  return out
}

