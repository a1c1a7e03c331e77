/**
 * The local workspace records lineage by itself, as Unity Catalog does: every SQL statement that
 * writes a table or view, every batch of a job (the streaming layers, backfills, training) and every
 * read by a dashboard or an alert, with the entity that did it. It answers the lineage-tracking API
 * from what it recorded (api.ts) and exposes system.access.table_lineage and column_lineage.
 */
import type {Engine} from '../engine/engine.js'
import {LOCAL_WORKSPACE_ID} from '../identity.js'
import type {TaskContext} from '../jobs/executors.js'
import type {Session} from '../sql/execute.js'
import {type BackfillMode, loadManifest, type PipelineLayer} from '../../pipeline/index.js'
import {layerWrites, type TableWrite} from './pipeline-lineage.js'
import {type ParseSelect, type QueryNode, type Relation, statementLineage} from './sql-lineage.js'
import {type ColumnEdgeRow, type EdgeRow, type LineageEntity, LineageStore, type RelationType} from './store.js'

export type {EntityType, LineageEntity} from './store.js'

/** Statements whose first word may write a table or view. */
const WRITING = new Set(['INSERT', 'MERGE', 'CREATE', 'UPDATE'])

interface CatalogRelation {
  type: RelationType
  columns: string[]
}

export class LocalLineage {
  private readonly layers = new Map<string, Promise<TableWrite[]>>()

  private constructor(
    private readonly engine: Engine,
    private readonly store: LineageStore,
    private readonly log: (line: string) => void,
  ) {}

  static async open(engine: Engine, file: string, metastoreId: string, log: (line: string) => void): Promise<LocalLineage> {
    return new LocalLineage(engine, await LineageStore.open(engine, file, metastoreId), log)
  }

  /** DuckDB's parser, as the analyser reads queries. */
  readonly parse: ParseSelect = async (sql) => {
    const [row] = await this.engine.query('SELECT json_serialize_sql(CAST($1 AS VARCHAR)) AS tree', [sql])
    const tree = JSON.parse(String(row.tree)) as {error?: boolean; error_message?: string; statements?: Array<{node: QueryNode}>}
    if (tree.error || !tree.statements?.[0]) throw new Error(tree.error_message ?? 'not a query')
    return tree.statements[0].node
  }

  /**
   * After a statement succeeded: what it wrote, from which tables and columns. Lineage is best effort,
   * as on Databricks: a statement it cannot analyse is logged and records nothing; it never fails.
   */
  async afterStatement(statement: string, session: Session, statementId: string): Promise<void> {
    const first = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(statement)?.[1]?.toUpperCase()
    if (!first || !WRITING.has(first)) return
    try {
      const relations = await this.relations()
      const qualify = (parts: string[]) => qualifyName(parts, session)
      const resolve = (parts: string[]): Relation | undefined => {
        const name = qualify(parts)
        const relation = name && relations.get(name)
        return relation ? {kind: 'table', name, columns: relation.columns} : undefined
      }
      const lineage = await statementLineage(statement, this.parse, resolve)
      const target = lineage.target && qualify(lineage.target)
      if (!target || !lineage.reads.length || !relations.has(target)) return
      await this.store.record({
        statementId,
        reads: lineage.reads.map((name) => ({name, type: relations.get(name)?.type ?? 'TABLE'})),
        target: {type: relations.get(target)!.type, name: target},
        columns: lineage.columns,
      })
    } catch (error) {
      this.log(`lineage: statement ${statementId} not analysed: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  /**
   * After a committed batch of a pipeline layer (a stream's micro-batch or a backfilled partition):
   * its writes as the manifest's steps make them. Bronze copies the topic: it writes its table (the
   * Silver layer's input shape) from no table.
   */
  async afterBatch(ctx: TaskContext, layer: string, catalog: string, mode?: BackfillMode): Promise<void> {
    const entity = jobEntity(ctx)
    if (!entity) return
    const manifest = loadManifest()
    if (layer === 'bronze') {
      await this.store.record({entity, reads: [], target: {type: 'TABLE', name: `${catalog}.${manifest.layers.silver.input.shape}`}})
      return
    }
    if (!(layer in manifest.layers)) return
    const key = `${layer}\u0000${catalog}\u0000${mode ?? 'stream'}`
    if (!this.layers.has(key)) this.layers.set(key, layerWrites(layer as PipelineLayer, catalog, this.parse, mode))
    for (const write of await this.layers.get(key)!) {
      await this.store.record({entity, reads: write.reads.map((name) => ({name, type: 'TABLE'})), target: {type: 'TABLE', name: write.target}, columns: write.columns})
    }
  }

  /** A training run read its source table and registered a version of the model. */
  async afterTraining(ctx: TaskContext, source: string, model: string, version: number): Promise<void> {
    const entity = jobEntity(ctx)
    if (entity) await this.store.record({entity, reads: [{name: source, type: 'TABLE'}], target: {type: 'MODEL', name: model, version}})
  }

  /** An entity that reads without writing a table: a dashboard's datasets, an alert's query. */
  async afterRead(entity: LineageEntity, tables: string[]): Promise<void> {
    if (!tables.length) return
    const relations = await this.relations()
    await this.store.record({entity, reads: tables.map((name) => ({name, type: relations.get(name)?.type ?? 'TABLE'}))})
  }

  /** The tables and views a query reads (full names), as the analyser sees them. */
  async tablesRead(query: string, session: Session): Promise<string[]> {
    const relations = await this.relations()
    const resolve = (parts: string[]): Relation | undefined => {
      const name = qualifyName(parts, session)
      const relation = name && relations.get(name)
      return relation ? {kind: 'table', name, columns: relation.columns} : undefined
    }
    return (await statementLineage(query, this.parse, resolve)).reads.filter((name) => relations.has(name))
  }

  // --- the lineage-tracking API (shapes in api.ts's header)

  async tableLineage(name: string, includeEntities: boolean): Promise<Record<string, unknown>> {
    const [up, down] = await Promise.all([this.store.edges(name, 'upstream'), this.store.edges(name, 'downstream')])
    const upstreams = lineageEntries(up, (row) => row.source_name && {kind: 'table', name: row.source_name, type: row.source_type}, includeEntities)
    const downstreams = lineageEntries(
      down,
      (row) =>
        row.target_type === 'MODEL'
          ? {kind: 'model', name: row.target_name!, version: row.target_version}
          : row.target_name && {kind: 'table', name: row.target_name, type: row.target_type},
      includeEntities,
    )
    return {...(upstreams.length ? {upstreams} : {}), ...(downstreams.length ? {downstreams} : {})}
  }

  async columnLineage(table: string, column: string): Promise<Record<string, unknown>> {
    const [up, down] = await Promise.all([this.store.columnEdges(table, column, 'upstream'), this.store.columnEdges(table, column, 'downstream')])
    const info = (row: ColumnEdgeRow, side: 'source' | 'target') => {
      const [catalog_name, schema_name, table_name] = row[`${side}_name`].split('.')
      return {name: row[`${side}_column`], catalog_name, schema_name, table_name, table_type: row[`${side}_type`], lineage_timestamp: lineageTimestamp(row.last_seen)}
    }
    return {
      ...(up.length ? {upstream_cols: up.map((row) => info(row, 'source'))} : {}),
      ...(down.length ? {downstream_cols: down.map((row) => info(row, 'target'))} : {}),
    }
  }

  async close(): Promise<void> {
    await this.store.close()
  }

  /** Every table and view of the catalogs, with its columns in order. */
  private async relations(): Promise<Map<string, CatalogRelation>> {
    const databases = new Set(
      (await this.engine.query('SELECT database_name, path FROM duckdb_databases()')).filter((row) => this.engine.isCatalogDatabase(row.path)).map((row) => String(row.database_name)),
    )
    const views = new Set(
      (await this.engine.query('SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal')).map((row) =>
        `${row.database_name}.${row.schema_name}.${row.view_name}`.toLowerCase(),
      ),
    )
    const relations = new Map<string, CatalogRelation>()
    for (const row of await this.engine.query('SELECT database_name, schema_name, table_name, column_name FROM duckdb_columns() ORDER BY database_name, schema_name, table_name, column_index')) {
      if (!databases.has(String(row.database_name))) continue
      const name = `${row.database_name}.${row.schema_name}.${row.table_name}`.toLowerCase()
      let relation = relations.get(name)
      if (!relation) relations.set(name, (relation = {type: views.has(name) ? 'VIEW' : 'TABLE', columns: []}))
      relation.columns.push(String(row.column_name).toLowerCase())
    }
    return relations
  }
}

function jobEntity(ctx: TaskContext): LineageEntity | undefined {
  // A one-time run (runs/submit) has no job: Databricks records no job entity for it either.
  const jobId = ctx.job?.job_id
  return jobId === null || jobId === undefined ? undefined : {type: 'JOB', id: String(jobId), runId: String(ctx.run.run_id)}
}

/** A 1-3 part name completed with the session's catalog and schema (undefined without a catalog). */
function qualifyName(parts: string[], session: Session): string | undefined {
  if (parts.length === 3) return parts.join('.')
  if (!session.catalog) return undefined
  return [session.catalog, ...(parts.length === 1 ? [session.schema ?? 'default'] : []), ...parts].join('.')
}

type Related = {kind: 'table'; name: string; type: string | null} | {kind: 'model'; name: string; version: number | null}

/** The entity-info lists of the API, keyed as Databricks names them (notebookInfos, jobInfos, ...). */
const ENTITY_INFOS: Record<string, {key: string; id: string}> = {
  JOB: {key: 'jobInfos', id: 'job_id'},
  NOTEBOOK: {key: 'notebookInfos', id: 'notebook_id'},
  PIPELINE: {key: 'pipelineInfos', id: 'pipeline_id'},
  DASHBOARD_V3: {key: 'dashboardV3Infos', id: 'dashboard_id'},
  DBSQL_QUERY: {key: 'queryInfos', id: 'query_id'},
  ALERT: {key: 'alertInfos', id: 'alert_id'},
}

/**
 * The upstreams/downstreams list: one entry per related table (tableInfo) or model version
 * (modelInfo) with the entities that connected them, then one entry per kind of entity that read or
 * wrote without a related table (e.g. the dashboards reading a view, the job writing Bronze from a topic).
 */
function lineageEntries(rows: EdgeRow[], related: (row: EdgeRow) => Related | null | '' | undefined, includeEntities: boolean): Array<Record<string, unknown>> {
  const byRelated = new Map<string, {related: Related; rows: EdgeRow[]}>()
  const entityOnly: EdgeRow[] = []
  for (const row of rows) {
    const other = related(row)
    if (!other) {
      if (row.entity_type) entityOnly.push(row)
      continue
    }
    const key = other.kind === 'model' ? `model\u0000${other.name}\u0000${other.version}` : `table\u0000${other.name}`
    const entry = byRelated.get(key) ?? {related: other, rows: []}
    entry.rows.push(row)
    byRelated.set(key, entry)
  }
  const entries: Array<Record<string, unknown>> = []
  for (const {related: other, rows: group} of byRelated.values()) {
    const newest = lineageTimestamp(new Date(Math.max(...group.map((r) => r.last_seen.getTime()))))
    const [catalog_name, schema_name, name] = other.name.split('.')
    const head =
      other.kind === 'table'
        ? {tableInfo: {name, catalog_name, schema_name, table_type: other.type ?? 'TABLE', lineage_timestamp: newest}}
        : {modelInfo: {model_name: other.name, ...(other.version === null ? {} : {version: other.version}), lineage_timestamp: newest}}
    entries.push({...head, ...(includeEntities ? entityInfos(group) : {})})
  }
  if (includeEntities) {
    for (const type of Object.keys(ENTITY_INFOS)) {
      const group = entityOnly.filter((row) => row.entity_type === type)
      if (group.length) entries.push(entityInfos(group))
    }
  }
  return entries
}

function entityInfos(rows: EdgeRow[]): Record<string, unknown> {
  const out: Record<string, Array<Record<string, unknown>>> = {}
  const latest = new Map<string, EdgeRow>()
  for (const row of rows) {
    if (!row.entity_type || !row.entity_id || !ENTITY_INFOS[row.entity_type]) continue
    const key = `${row.entity_type}\u0000${row.entity_id}`
    const seen = latest.get(key)
    if (!seen || seen.last_seen < row.last_seen) latest.set(key, row)
  }
  for (const row of latest.values()) {
    const {key, id} = ENTITY_INFOS[row.entity_type!]
    const value = row.entity_type === 'JOB' ? Number(row.entity_id) : row.entity_id
    ;(out[key] ??= []).push({workspace_id: LOCAL_WORKSPACE_ID, [id]: value, lineage_timestamp: lineageTimestamp(row.last_seen)})
  }
  return out
}

/** As the lineage API renders times: `2025-12-01 09:11:40.0` (UTC, fraction without trailing zeros). */
export function lineageTimestamp(date: Date): string {
  const [day, time] = date.toISOString().replace('Z', '').split('T')
  const [clock, fraction = '0'] = time.split('.')
  return `${day} ${clock}.${fraction.replace(/0+$/, '') || '0'}`
}
