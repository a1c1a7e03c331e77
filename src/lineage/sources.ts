/**
 * The two places Unity Catalog serves lineage from, behind one reader interface:
 *   - the lineage-tracking API: one GET per table (or column) and hop, concurrently (bounded);
 *   - the system tables system.access.table_lineage / column_lineage: one SQL statement per hop for
 *     the whole frontier, on the target's warehouse.
 * Wire shapes: src/local/api/lineage.ts (header) and Databricks' lineage system tables reference.
 */
import pLimit from 'p-limit'

import type {DatabricksClient} from '../databricks/client.js'
import {runStatement} from '../databricks/sql.js'
import type {EntityRef, LineageReader, Neighbour, NodeKind} from './graph.js'

/** Requests in flight at once for the per-table API. */
const CONCURRENCY = 8
/** Names per statement of the system-table reader (each one a parameter). */
const NAMES_PER_STATEMENT = 200

/** The API's entity lists and the kind each one holds. */
const ENTITY_LISTS: Record<string, {kind: NodeKind; id: string}> = {
  jobInfos: {kind: 'job', id: 'job_id'},
  notebookInfos: {kind: 'notebook', id: 'notebook_id'},
  pipelineInfos: {kind: 'pipeline', id: 'pipeline_id'},
  dashboardV3Infos: {kind: 'dashboard', id: 'dashboard_id'},
  dashboardInfos: {kind: 'dashboard', id: 'dashboard_id'},
  queryInfos: {kind: 'query', id: 'query_id'},
  alertInfos: {kind: 'alert', id: 'alert_id'},
}

/** system tables' entity_type -> kind. */
const ENTITY_TYPES: Record<string, NodeKind> = {
  JOB: 'job',
  NOTEBOOK: 'notebook',
  PIPELINE: 'pipeline',
  DASHBOARD_V3: 'dashboard',
  DBSQL_DASHBOARD: 'dashboard',
  DBSQL_QUERY: 'query',
}

interface ApiEntry {
  tableInfo?: {name?: string; catalog_name?: string; schema_name?: string; table_type?: string; lineage_timestamp?: string}
  modelInfo?: {model_name?: string; version?: number; lineage_timestamp?: string}
  fileInfo?: unknown
  [list: string]: unknown
}

interface ColumnInfo {
  name?: string
  catalog_name?: string
  schema_name?: string
  table_name?: string
  table_type?: string
  lineage_timestamp?: string
}

export function apiReader(client: DatabricksClient): LineageReader {
  const limit = pLimit(CONCURRENCY)
  return {
    name: 'lineage-api',
    async tables(names, direction) {
      const answers = await Promise.all(
        names.map((name) =>
          limit(() => client.get<{upstreams?: ApiEntry[]; downstreams?: ApiEntry[]}>('/api/2.0/lineage-tracking/table-lineage', {table_name: name, include_entity_lineage: true})),
        ),
      )
      return new Map(names.map((name, i) => [name, (answers[i][direction === 'upstream' ? 'upstreams' : 'downstreams'] ?? []).flatMap(apiNeighbours)]))
    },
    async columns(names, direction) {
      const answers = await Promise.all(
        names.map((name) => {
          const {table, column} = splitColumn(name)
          return limit(() => client.get<{upstream_cols?: ColumnInfo[]; downstream_cols?: ColumnInfo[]}>('/api/2.0/lineage-tracking/column-lineage', {table_name: table, column_name: column}))
        }),
      )
      return new Map(
        names.map((name, i) => [
          name,
          (answers[i][direction === 'upstream' ? 'upstream_cols' : 'downstream_cols'] ?? [])
            .filter((c) => c.name && c.table_name)
            .map((c): Neighbour => ({node: {kind: 'column', name: `${c.catalog_name}.${c.schema_name}.${c.table_name}.${c.name}`}, via: [], last_seen: apiTime(c.lineage_timestamp)})),
        ]),
      )
    },
  }
}

/** One API entry as neighbours: the related table or model (with the entities on the edge), or each entity alone. */
function apiNeighbours(entry: ApiEntry): Neighbour[] {
  const entities: Array<EntityRef & {last_seen: string | null}> = []
  for (const [list, {kind, id}] of Object.entries(ENTITY_LISTS)) {
    for (const info of (entry[list] as Array<Record<string, unknown>> | undefined) ?? []) {
      if (info[id] !== undefined && info[id] !== null) entities.push({kind, id: String(info[id]), last_seen: apiTime(info.lineage_timestamp as string | undefined)})
    }
  }
  const via = entities.map(({kind, id}) => ({kind, id}))
  const table = entry.tableInfo
  if (table?.name && table.catalog_name && table.schema_name) {
    const kind: NodeKind = /VIEW/.test(table.table_type ?? '') ? 'view' : 'table'
    return [{node: {kind, name: `${table.catalog_name}.${table.schema_name}.${table.name}`}, via, last_seen: apiTime(table.lineage_timestamp)}]
  }
  const model = entry.modelInfo
  if (model?.model_name) return [{node: {kind: 'model', name: model.model_name}, via, last_seen: apiTime(model.lineage_timestamp)}]
  return entities.map((entity) => ({node: {kind: entity.kind as NodeKind, name: entity.id}, via: [], last_seen: entity.last_seen}))
}

export function systemReader(client: DatabricksClient, warehouseId: string): LineageReader {
  return {
    name: 'system-tables',
    async tables(names, direction) {
      const [here, other] = direction === 'upstream' ? ['target', 'source'] : ['source', 'target']
      const rows = await inChunks(names, (params, placeholders) =>
        runStatement<Record<string, unknown>>(client, {
          warehouseId,
          statement: `SELECT ${here}_table_full_name AS node, ${other}_table_full_name AS other, ${other}_type AS other_type,
  entity_type, entity_id, statement_id, max(event_time) AS last_seen
FROM system.access.table_lineage
WHERE ${here}_table_full_name IN (${placeholders})
GROUP BY ${here}_table_full_name, ${other}_table_full_name, ${other}_type, entity_type, entity_id, statement_id`,
          parameters: params,
        }),
      )
      const byNode = new Map<string, Map<string, Neighbour>>()
      for (const row of rows) {
        const node = String(row.node)
        const neighbours = byNode.get(node) ?? new Map<string, Neighbour>()
        byNode.set(node, neighbours)
        const entity = entityOf(row)
        const seen = systemTime(row.last_seen)
        if (row.other === null || row.other === undefined) {
          // Read (or written) by an entity without another table: the entity itself is the neighbour.
          if (entity && entity.kind !== 'statement') merge(neighbours, {node: {kind: entity.kind as NodeKind, name: entity.id}, via: [], last_seen: seen})
          continue
        }
        const kind: NodeKind = /VIEW/.test(String(row.other_type ?? '')) ? 'view' : 'table'
        merge(neighbours, {node: {kind, name: String(row.other)}, via: entity ? [entity] : [], last_seen: seen})
      }
      return new Map(names.map((name) => [name, [...(byNode.get(name)?.values() ?? [])]]))
    },
    async columns(names, direction) {
      const [here, other] = direction === 'upstream' ? ['target', 'source'] : ['source', 'target']
      const rows = await inChunks(names, (params, placeholders) =>
        runStatement<Record<string, unknown>>(client, {
          warehouseId,
          statement: `SELECT concat_ws('.', ${here}_table_full_name, ${here}_column_name) AS node, ${other}_table_full_name AS other, ${other}_column_name AS other_column,
  max(event_time) AS last_seen
FROM system.access.column_lineage
WHERE concat_ws('.', ${here}_table_full_name, ${here}_column_name) IN (${placeholders}) AND ${other}_table_full_name IS NOT NULL
GROUP BY ${here}_table_full_name, ${here}_column_name, ${other}_table_full_name, ${other}_column_name`,
          parameters: params,
        }),
      )
      const byNode = new Map<string, Neighbour[]>()
      for (const row of rows) {
        const list = byNode.get(String(row.node)) ?? []
        list.push({node: {kind: 'column', name: `${row.other}.${row.other_column}`}, via: [], last_seen: systemTime(row.last_seen)})
        byNode.set(String(row.node), list)
      }
      return new Map(names.map((name) => [name, byNode.get(name) ?? []]))
    },
  }
}

function entityOf(row: Record<string, unknown>): EntityRef | undefined {
  const kind = ENTITY_TYPES[String(row.entity_type ?? '')]
  if (kind && row.entity_id !== null && row.entity_id !== undefined) return {kind, id: String(row.entity_id)}
  if (row.statement_id) return {kind: 'statement', id: String(row.statement_id)}
  return undefined
}

function merge(into: Map<string, Neighbour>, neighbour: Neighbour): void {
  const key = `${neighbour.node.kind}:${neighbour.node.name}`
  const known = into.get(key)
  if (!known) {
    into.set(key, neighbour)
    return
  }
  known.via.push(...neighbour.via)
  if (neighbour.last_seen && (!known.last_seen || neighbour.last_seen > known.last_seen)) known.last_seen = neighbour.last_seen
}

/** Runs a statement per chunk of names, each name a parameter; all rows together. */
async function inChunks(
  names: string[],
  query: (params: Record<string, string>, placeholders: string) => Promise<{rows: Array<Record<string, unknown>>}>,
): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = []
  for (let at = 0; at < names.length; at += NAMES_PER_STATEMENT) {
    const chunk = names.slice(at, at + NAMES_PER_STATEMENT)
    const params = Object.fromEntries(chunk.map((name, i) => [`n${i}`, name]))
    rows.push(...(await query(params, chunk.map((_, i) => `:n${i}`).join(', '))).rows)
  }
  return rows
}

export function splitColumn(name: string): {table: string; column: string} {
  const at = name.lastIndexOf('.')
  return {table: name.slice(0, at), column: name.slice(at + 1)}
}

/** `2025-12-01 09:11:40.0` (UTC) as RFC 3339. */
function apiTime(value: string | undefined): string | null {
  if (!value) return null
  const parsed = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`)
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString()
}

/** A TIMESTAMP as the statement API renders it (with or without an offset; UTC when without). */
function systemTime(value: unknown): string | null {
  return value === null || value === undefined ? null : apiTime(String(value))
}
