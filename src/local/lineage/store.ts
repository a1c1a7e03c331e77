/**
 * Where the local workspace keeps lineage: events in the system catalog's database (a DuckDB file
 * attached as SYSTEM_DATABASE; the SQL dialect maps `system.` to it), one row per entity run and edge
 * with the time it was last seen, and the two system tables Databricks documents as views over them
 * (system.access.table_lineage and column_lineage, same columns). Models and alerts are kept too: the
 * lineage API shows them (modelInfo, alertInfos); the system tables do not list them.
 */
import {randomUUID} from 'node:crypto'

import type {Engine} from '../engine/engine.js'
import {quoteIdent, quoteLiteral} from '../engine/engine.js'
import {LOCAL_USER_NAME, LOCAL_WORKSPACE_ID} from '../identity.js'
import {SYSTEM_DATABASE} from '../sql-dialect.js'
import type {ColumnSource} from './sql-lineage.js'

export type EntityType = 'JOB' | 'NOTEBOOK' | 'PIPELINE' | 'DASHBOARD_V3' | 'DBSQL_QUERY' | 'ALERT'

export interface LineageEntity {
  type: EntityType
  id: string
  runId?: string
}

export type RelationType = 'TABLE' | 'VIEW'

/** One read or write: what an entity (or a bare statement) read, and what it wrote from it. */
export interface LineageRecord {
  entity?: LineageEntity
  statementId?: string
  /** Tables and views read. */
  reads: Array<{name: string; type: RelationType}>
  target?: {type: RelationType; name: string} | {type: 'MODEL'; name: string; version: number}
  columns?: Array<{column: string; sources: ColumnSource[]}>
}

/** A stored edge, as the API and system tables are built from it. */
export interface EdgeRow {
  source_name: string | null
  source_type: string | null
  target_name: string | null
  target_type: string | null
  target_version: number | null
  entity_type: string | null
  entity_id: string | null
  last_seen: Date
}

export interface ColumnEdgeRow {
  source_name: string
  source_type: string
  source_column: string
  target_name: string
  target_type: string
  target_column: string
  last_seen: Date
}

const DB = quoteIdent(SYSTEM_DATABASE)
const EVENTS = `${DB}.lineage.table_events`
const COLUMN_EVENTS = `${DB}.lineage.column_events`
/** A run's edge is seen again at every batch: its last-seen time is rewritten at most this often. */
const REFRESH_MS = 60_000
/** The entity types system.access tables list (the lineage API shows alerts and models too). */
const SYSTEM_ENTITY_TYPES = ['NOTEBOOK', 'JOB', 'PIPELINE', 'DASHBOARD_V3', 'DBSQL_DASHBOARD', 'DBSQL_QUERY']

export class LineageStore {
  /** Edge key -> record id and when its row was last written. */
  private readonly seen = new Map<string, {recordId: string; writtenAt: number}>()

  private constructor(private readonly engine: Engine) {}

  static async open(engine: Engine, file: string, metastoreId: string): Promise<LineageStore> {
    await engine.execute(
      `ATTACH IF NOT EXISTS ${quoteLiteral(file)} AS ${DB}`,
      `CREATE SCHEMA IF NOT EXISTS ${DB}.lineage`,
      `CREATE TABLE IF NOT EXISTS ${EVENTS} (
        record_id VARCHAR, event_id VARCHAR, event_time TIMESTAMP, statement_id VARCHAR,
        entity_type VARCHAR, entity_id VARCHAR, entity_run_id VARCHAR,
        source_name VARCHAR, source_type VARCHAR, target_name VARCHAR, target_type VARCHAR, target_version BIGINT,
        created_by VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS ${COLUMN_EVENTS} (
        record_id VARCHAR, event_id VARCHAR, event_time TIMESTAMP, statement_id VARCHAR,
        entity_type VARCHAR, entity_id VARCHAR, entity_run_id VARCHAR,
        source_name VARCHAR, source_type VARCHAR, source_column VARCHAR,
        target_name VARCHAR, target_type VARCHAR, target_column VARCHAR, created_by VARCHAR)`,
      `CREATE SCHEMA IF NOT EXISTS ${DB}.access`,
      systemView('table_lineage', EVENTS, metastoreId, false),
      systemView('column_lineage', COLUMN_EVENTS, metastoreId, true),
    )
    return new LineageStore(engine)
  }

  async record(record: LineageRecord): Promise<void> {
    const now = Date.now()
    const {entity, statementId, target} = record
    const sources: Array<{name: string | null; type: string | null}> = record.reads.length ? record.reads : [{name: null, type: null}]
    const targetName = target?.name ?? null
    for (const source of sources) {
      if (source.name === null && target === undefined) continue
      if (source.name !== null && source.name === targetName) continue
      const version = target?.type === 'MODEL' ? target.version : null
      const key = [entity?.type, entity?.id, entity?.runId, statementId, source.name, targetName, version].join('\u0000')
      const known = this.seen.get(key)
      if (known) {
        if (now - known.writtenAt < REFRESH_MS) continue
        for (const table of [EVENTS, COLUMN_EVENTS]) await this.engine.query(`UPDATE ${table} SET event_time = CAST($1 AS TIMESTAMP) WHERE record_id = $2`, [wallTime(now), known.recordId])
        known.writtenAt = now
        continue
      }
      const recordId = randomUUID()
      const common = [recordId, randomUUID(), wallTime(now), statementId ?? null, entity?.type ?? null, entity?.id ?? null, entity?.runId ?? null]
      await this.engine.query(
        `INSERT INTO ${EVENTS} VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [...common, source.name, source.type, targetName, target?.type ?? null, version, LOCAL_USER_NAME],
      )
      if (source.name !== null && target && target.type !== 'MODEL') {
        for (const column of record.columns ?? []) {
          for (const from of column.sources.filter((s) => s.table === source.name)) {
            await this.engine.query(
              `INSERT INTO ${COLUMN_EVENTS} VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
              [...common, source.name, source.type, from.column, target.name, target.type, column.column, LOCAL_USER_NAME],
            )
          }
        }
      }
      this.seen.set(key, {recordId, writtenAt: now})
    }
  }

  /** Edges into (upstream) or out of (downstream) a table or view, newest time per edge and entity. */
  async edges(name: string, direction: 'upstream' | 'downstream'): Promise<EdgeRow[]> {
    const column = direction === 'upstream' ? 'target_name' : 'source_name'
    const rows = await this.engine.query(
      `SELECT source_name, any_value(source_type) AS source_type, target_name, any_value(target_type) AS target_type, target_version,
              entity_type, entity_id, max(event_time) AS last_seen
         FROM ${EVENTS} WHERE ${column} = $1
        GROUP BY source_name, target_name, target_version, entity_type, entity_id
        ORDER BY source_name NULLS FIRST, target_name NULLS FIRST, target_version, entity_type, entity_id`,
      [name],
    )
    return rows.map((row) => ({...(row as unknown as EdgeRow), target_version: row.target_version === null ? null : Number(row.target_version)}))
  }

  async columnEdges(table: string, column: string, direction: 'upstream' | 'downstream'): Promise<ColumnEdgeRow[]> {
    const [name, col] = direction === 'upstream' ? ['target_name', 'target_column'] : ['source_name', 'source_column']
    return (await this.engine.query(
      `SELECT source_name, any_value(source_type) AS source_type, source_column, target_name, any_value(target_type) AS target_type, target_column,
              max(event_time) AS last_seen
         FROM ${COLUMN_EVENTS} WHERE ${name} = $1 AND ${col} = $2
        GROUP BY source_name, source_column, target_name, target_column
        ORDER BY source_name, source_column, target_name, target_column`,
      [table, column],
    )) as unknown as ColumnEdgeRow[]
  }

  async close(): Promise<void> {
    await this.engine.execute(`DETACH ${DB}`)
  }
}

/** system.access.table_lineage / column_lineage over the events: Databricks' columns, in its order. */
function systemView(name: string, events: string, metastoreId: string, columns: boolean): string {
  const parts = (column: string, prefix: string) =>
    [1, 2, 3].map((n, i) => `split_part(${column}, '.', ${n}) AS ${prefix}_table_${['catalog', 'schema', 'name'][i]}`).join(', ')
  // A model is not a table: its training run shows as the job's read of the source.
  const target = `CASE WHEN target_type = 'MODEL' THEN NULL ELSE target_name END`
  return `CREATE OR REPLACE VIEW ${DB}.access.${name} AS
SELECT
  'local' AS account_id, ${quoteLiteral(metastoreId)} AS metastore_id, '${LOCAL_WORKSPACE_ID}' AS workspace_id,
  entity_type, entity_id, entity_run_id,
  source_name AS source_table_full_name, ${parts('source_name', 'source')}, CAST(NULL AS VARCHAR) AS source_path, source_type,
  ${columns ? 'source_column AS source_column_name, ' : ''}
  ${target} AS target_table_full_name, ${parts(target, 'target')}, CAST(NULL AS VARCHAR) AS target_path,
  CASE WHEN target_type = 'MODEL' THEN NULL ELSE target_type END AS target_type,
  ${columns ? 'target_column AS target_column_name, ' : ''}
  created_by, event_time, CAST(event_time AS DATE) AS event_date, record_id, event_id, statement_id,
  {'job_info': {'job_id': CASE WHEN entity_type = 'JOB' THEN entity_id END, 'job_run_id': CASE WHEN entity_type = 'JOB' THEN entity_run_id END},
   'dashboard_id': CASE WHEN entity_type = 'DASHBOARD_V3' THEN entity_id END,
   'legacy_dashboard_id': CAST(NULL AS VARCHAR),
   'notebook_id': CASE WHEN entity_type = 'NOTEBOOK' THEN entity_id END,
   'sql_query_id': CASE WHEN entity_type = 'DBSQL_QUERY' THEN entity_id END,
   'dlt_pipeline_info': {'dlt_pipeline_id': CASE WHEN entity_type = 'PIPELINE' THEN entity_id END, 'dlt_update_id': CASE WHEN entity_type = 'PIPELINE' THEN entity_run_id END}} AS entity_metadata
FROM ${events}
WHERE entity_type IS NULL OR entity_type IN (${SYSTEM_ENTITY_TYPES.map(quoteLiteral).join(', ')})`
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC. */
function wallTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}
