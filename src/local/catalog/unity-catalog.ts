/**
 * Unity Catalog over DuckDB. Which catalogs, schemas and tables exist, and the columns of tables,
 * come from DuckDB itself (duckdb_databases/_schemas/_tables/_columns), so DDL run as SQL shows up
 * here and objects created here are usable in SQL. What DuckDB cannot hold (owner, comment,
 * properties, partition columns, ids, timestamps) lives in the state store, created on first sight
 * for objects that SQL made, and forgotten (with their grants) when the object goes away.
 */
import {randomUUID} from 'node:crypto'

import type {DuckDBType} from '@duckdb/node-api'

import {IDENTIFIER, PRINCIPAL} from '../../databricks/identifiers.js'
import {Engine, qualifiedName, quoteIdent, RESERVED_CATALOG_NAMES} from '../engine/engine.js'
import {databricksType} from '../engine/types.js'
import {alreadyExists, ApiError, invalidParameter, notFound} from '../http/errors.js'
import {paginate, type Page, type PageRequest} from '../http/input.js'
import {LOCAL_USER_NAME} from '../identity.js'
import {sparkTypeToDuckDb, SqlError, SYSTEM_DATABASE} from '../sql-dialect.js'
import type {ObjectMeta, StateStore, TableMeta} from '../store.js'

/** The schema every new catalog gets, and where unqualified tables go after `USE CATALOG`. */
export const DEFAULT_SCHEMA = 'default'
/** Schemas the local workspace keeps for itself in a catalog (stream checkpoints): never listed. */
export const INTERNAL_SCHEMA_PREFIX = '__'
/** DuckDB's own schema in every database file: hidden unless someone made it theirs. */
const DUCKDB_MAIN_SCHEMA = 'main'

export type Json = Record<string, unknown>

/** The store's tables of Unity Catalog object metadata. */
export type MetaKind = 'catalogs' | 'schemas' | 'tables'

export interface CatalogChanges {
  new_name?: string
  comment?: string
  owner?: string
  properties?: Record<string, string>
}

export interface ColumnInput {
  name: string
  type_text?: string
  type_name?: string
  type_precision?: number
  type_scale?: number
  position?: number
  nullable?: boolean
  comment?: string
  partition_index?: number
}

export interface TableInput {
  name: string
  catalog_name: string
  schema_name: string
  table_type?: 'MANAGED' | 'EXTERNAL'
  storage_location?: string
  columns: ColumnInput[]
  properties?: Record<string, string>
  comment?: string
}

interface ColumnDescription {
  name: string
  nullable: boolean
  type: DuckDBType
}

interface TableEntry {
  name: string
  kind: 'TABLE' | 'VIEW'
  sql: string | null
}

/** Splits and validates `a.b.c` (lower-cased; invalid parts -> 400). */
export function parseFullName(fullName: string, parts: 1 | 2 | 3, what: string): string[] {
  const names = fullName.toLowerCase().split('.')
  if (names.length !== parts || names.some((name) => !IDENTIFIER.test(name))) {
    throw invalidParameter(`Invalid ${what} name '${fullName}': expected ${['a name', 'catalog.schema', 'catalog.schema.table'][parts - 1]} of lower-case letters, digits and underscores.`)
  }
  return names
}

function validName(name: string, what: string): string {
  return parseFullName(name, 1, what)[0]
}

export function catalogMissing(name: string): ApiError {
  return notFound('CATALOG_DOES_NOT_EXIST', `Catalog '${name}' does not exist.`)
}

export function schemaMissing(fullName: string): ApiError {
  return notFound('SCHEMA_DOES_NOT_EXIST', `Schema '${fullName}' does not exist.`)
}

export function tableMissing(fullName: string): ApiError {
  return notFound('TABLE_DOES_NOT_EXIST', `Table '${fullName}' does not exist.`)
}

function validOwner(owner: string): string {
  if (!PRINCIPAL.test(owner)) throw invalidParameter(`Invalid owner '${owner}'.`)
  return owner
}

function isUnder(key: string, name: string): boolean {
  return key === name || key.startsWith(`${name}.`)
}

function omitEmpty(info: Json): Json {
  return Object.fromEntries(
    Object.entries(info).filter(([, value]) => value !== undefined && !(typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)),
  )
}

export class UnityCatalog {
  constructor(
    private readonly engine: Engine,
    private readonly store: StateStore,
  ) {}

  get metastoreId(): string {
    return this.store.state.metastore_id
  }

  // ---------------------------------------------------------------------------------------------
  // Existence, straight from DuckDB

  async catalogNames(): Promise<string[]> {
    const rows = await this.engine.query('SELECT database_name, path FROM duckdb_databases()')
    return rows.filter((row) => this.engine.isCatalogDatabase(row.path)).map((row) => String(row.database_name)).sort()
  }

  async hasCatalog(name: string): Promise<boolean> {
    return (await this.catalogNames()).includes(name)
  }

  async requireCatalog(name: string): Promise<void> {
    if (!(await this.hasCatalog(name))) throw catalogMissing(name)
  }

  /** Schemas of a catalog as Unity Catalog shows them (DuckDB's `main` only when used). */
  async schemaNames(catalog: string): Promise<string[]> {
    const rows = await this.engine.query(
      `SELECT lower(s.schema_name) AS name,
              (SELECT count(*) FROM duckdb_tables() t WHERE t.database_name = s.database_name AND t.schema_name = s.schema_name) AS tables
         FROM duckdb_schemas() s WHERE s.database_name = $1`,
      [catalog],
    )
    return rows
      .filter((row) => !String(row.name).startsWith(INTERNAL_SCHEMA_PREFIX))
      .filter((row) => row.name !== DUCKDB_MAIN_SCHEMA || Number(row.tables) > 0 || this.store.state.schemas[`${catalog}.${DUCKDB_MAIN_SCHEMA}`])
      .map((row) => String(row.name))
      .sort()
  }

  async hasSchema(catalog: string, schema: string): Promise<boolean> {
    return (await this.hasCatalog(catalog)) && (await this.schemaNames(catalog)).includes(schema)
  }

  async requireSchema(catalog: string, schema: string): Promise<void> {
    await this.requireCatalog(catalog)
    if (!(await this.schemaNames(catalog)).includes(schema)) throw schemaMissing(`${catalog}.${schema}`)
  }

  private async tableEntries(catalog: string, schema: string, table?: string): Promise<TableEntry[]> {
    const rows = await this.engine.query(
      `SELECT lower(table_name) AS name, 'TABLE' AS kind, NULL AS sql FROM duckdb_tables()
         WHERE database_name = $1 AND lower(schema_name) = $2 AND ($3 IS NULL OR lower(table_name) = $3)
       UNION ALL
       SELECT lower(view_name), 'VIEW', sql FROM duckdb_views()
         WHERE NOT internal AND database_name = $1 AND lower(schema_name) = $2 AND ($3 IS NULL OR lower(view_name) = $3)`,
      [catalog, schema, table ?? null],
    )
    return rows.map((row) => ({name: String(row.name), kind: row.kind as TableEntry['kind'], sql: row.sql === null ? null : String(row.sql)})).sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  async hasTable(catalog: string, schema: string, table: string): Promise<boolean> {
    return (await this.hasCatalog(catalog)) && (await this.tableEntries(catalog, schema, table)).length > 0
  }

  async requireTable(catalog: string, schema: string, table: string): Promise<void> {
    await this.requireSchema(catalog, schema)
    if (!(await this.hasTable(catalog, schema, table))) throw tableMissing(`${catalog}.${schema}.${table}`)
  }

  // ---------------------------------------------------------------------------------------------
  // Side metadata

  private newMeta(extra: Partial<ObjectMeta> = {}): ObjectMeta {
    const now = Date.now()
    return {id: randomUUID(), owner: LOCAL_USER_NAME, created_at: now, created_by: LOCAL_USER_NAME, updated_at: now, updated_by: LOCAL_USER_NAME, ...extra}
  }

  /** The stored metadata of objects that exist, created for those SQL made without it. */
  private metaFor(kind: MetaKind, keys: string[]): TableMeta[] {
    const metas: Record<string, TableMeta> = this.store.state[kind]
    if (keys.some((key) => !metas[key])) {
      this.store.update(() => {
        for (const key of keys) metas[key] ??= this.newMeta()
      })
    }
    return keys.map((key) => metas[key])
  }

  metaExists(kind: MetaKind, key: string): boolean {
    return key in this.store.state[kind]
  }

  /** Records metadata for an object just created (replacing any stale entry of the same name). */
  recordObject(kind: MetaKind, key: string, extra: Partial<TableMeta> = {}): void {
    this.store.update((state) => {
      state[kind][key] = this.newMeta(extra)
    })
  }

  /** Changes metadata of an existing object (creating its entry if SQL made it). */
  changeMeta(kind: MetaKind, key: string, change: (meta: TableMeta) => void): void {
    this.metaFor(kind, [key])
    this.store.update((state) => {
      const meta: TableMeta = state[kind][key]
      change(meta)
      meta.updated_at = Date.now()
      meta.updated_by = LOCAL_USER_NAME
    })
  }

  /** Forgets the metadata and grants of an object and everything under it. */
  forget(fullName: string): void {
    this.store.update((state) => {
      for (const kind of ['catalogs', 'schemas', 'tables'] as const) {
        for (const key of Object.keys(state[kind])) if (isUnder(key, fullName)) delete state[kind][key]
      }
      for (const key of Object.keys(state.grants)) if (isUnder(key.slice(key.indexOf('/') + 1), fullName)) delete state.grants[key]
    })
  }

  /** Drops metadata of objects that no longer exist in DuckDB (after SQL DROP or ALTER ... RENAME). */
  async forgetVanished(): Promise<void> {
    const catalogs = new Set(await this.catalogNames())
    const schemas = new Set<string>()
    const tables = new Set<string>()
    for (const catalog of catalogs) {
      const rows = await this.engine.query(
        `SELECT lower(schema_name) AS s, NULL AS t FROM duckdb_schemas() WHERE database_name = $1
         UNION ALL SELECT lower(schema_name), lower(table_name) FROM duckdb_tables() WHERE database_name = $1
         UNION ALL SELECT lower(schema_name), lower(view_name) FROM duckdb_views() WHERE database_name = $1 AND NOT internal`,
        [catalog],
      )
      for (const row of rows) {
        schemas.add(`${catalog}.${String(row.s)}`)
        if (row.t !== null) tables.add(`${catalog}.${String(row.s)}.${String(row.t)}`)
      }
    }
    const state = this.store.state
    const gone = [
      ...Object.keys(state.catalogs).filter((key) => !catalogs.has(key)),
      ...Object.keys(state.schemas).filter((key) => !schemas.has(key)),
      ...Object.keys(state.tables).filter((key) => !tables.has(key)),
    ]
    for (const name of gone) this.forget(name)
  }

  // ---------------------------------------------------------------------------------------------
  // Catalogs

  private catalogInfo(name: string, meta: ObjectMeta): Json {
    return omitEmpty({
      name,
      full_name: name,
      catalog_type: 'MANAGED_CATALOG',
      owner: meta.owner,
      comment: meta.comment,
      properties: meta.properties,
      metastore_id: this.metastoreId,
      isolation_mode: 'OPEN',
      browse_only: false,
      securable_type: 'CATALOG',
      created_at: meta.created_at,
      created_by: meta.created_by,
      updated_at: meta.updated_at,
      updated_by: meta.updated_by,
    })
  }

  async listCatalogs(page: PageRequest): Promise<Page<Json>> {
    const rows = await this.engine.query('SELECT database_name, path FROM duckdb_databases()')
    const catalogs = new Set(rows.filter((row) => this.engine.isCatalogDatabase(row.path)).map((row) => String(row.database_name)))
    // Page over every DuckDB database, hiding DuckDB's own: a page can be empty and carry a token.
    const result = paginate(rows.map((row) => String(row.database_name)).sort(), (name) => catalogs.has(name), page)
    const metas = this.metaFor('catalogs', result.items)
    return {items: result.items.map((name, i) => this.catalogInfo(name, metas[i])), nextPageToken: result.nextPageToken}
  }

  async getCatalog(rawName: string): Promise<Json> {
    const name = validName(rawName, 'catalog')
    await this.requireCatalog(name)
    return this.catalogInfo(name, this.metaFor('catalogs', [name])[0])
  }

  async createCatalog(input: {name: string; comment?: string; properties?: Record<string, string>}): Promise<Json> {
    const name = validName(input.name, 'catalog')
    if (RESERVED_CATALOG_NAMES.has(name)) throw invalidParameter(`Catalog name '${name}' is reserved in the local workspace; choose another name.`)
    if (await this.hasCatalog(name)) throw alreadyExists('CATALOG_ALREADY_EXISTS', `Catalog '${name}' already exists.`, 'Catalog', name)
    await this.engine.attachCatalog(name)
    await this.engine.execute(`CREATE SCHEMA IF NOT EXISTS ${qualifiedName([name, DEFAULT_SCHEMA])}`)
    this.forget(name)
    this.recordObject('catalogs', name, {comment: input.comment, properties: input.properties})
    this.recordObject('schemas', `${name}.${DEFAULT_SCHEMA}`, {comment: 'Default schema (auto-created)'})
    return this.getCatalog(name)
  }

  async updateCatalog(rawName: string, changes: CatalogChanges): Promise<Json> {
    let name = validName(rawName, 'catalog')
    await this.requireCatalog(name)
    if (changes.new_name !== undefined && changes.new_name.toLowerCase() !== name) {
      const newName = validName(changes.new_name, 'catalog')
      if (RESERVED_CATALOG_NAMES.has(newName)) throw invalidParameter(`Catalog name '${newName}' is reserved in the local workspace; choose another name.`)
      if (await this.hasCatalog(newName)) throw alreadyExists('CATALOG_ALREADY_EXISTS', `Catalog '${newName}' already exists.`, 'Catalog', newName)
      this.metaFor('catalogs', [name])
      await this.engine.renameCatalogFile(name, newName)
      this.renameKeys(name, newName)
      name = newName
    }
    this.changeMeta('catalogs', name, (meta) => applyChanges(meta, changes))
    return this.getCatalog(name)
  }

  private renameKeys(from: string, to: string): void {
    const rename = (key: string) => (isUnder(key, from) ? to + key.slice(from.length) : key)
    this.store.update((state) => {
      for (const kind of ['catalogs', 'schemas', 'tables'] as const) {
        state[kind] = Object.fromEntries(Object.entries(state[kind]).map(([key, meta]) => [rename(key), meta]))
      }
      state.grants = Object.fromEntries(
        Object.entries(state.grants).map(([key, grants]) => {
          const slash = key.indexOf('/')
          return [`${key.slice(0, slash + 1)}${rename(key.slice(slash + 1))}`, grants]
        }),
      )
    })
  }

  async deleteCatalog(rawName: string, force: boolean): Promise<void> {
    const name = validName(rawName, 'catalog')
    await this.requireCatalog(name)
    if (!force) {
      const schemas = (await this.schemaNames(name)).filter((schema) => schema !== DEFAULT_SCHEMA)
      const defaultTables = (await this.tableEntries(name, DEFAULT_SCHEMA)).length
      if (schemas.length > 0 || defaultTables > 0) {
        throw new ApiError(400, 'CATALOG_NOT_EMPTY', `Catalog '${name}' is not empty. The catalog has ${schemas.length} schema(s) besides '${DEFAULT_SCHEMA}' and ${defaultTables} table(s) in '${DEFAULT_SCHEMA}'; use force to delete it.`)
      }
    }
    await this.engine.dropCatalogFile(name)
    this.forget(name)
  }

  // ---------------------------------------------------------------------------------------------
  // Schemas

  private schemaInfo(catalog: string, schema: string, meta: ObjectMeta): Json {
    return omitEmpty({
      name: schema,
      catalog_name: catalog,
      full_name: `${catalog}.${schema}`,
      schema_id: meta.id,
      catalog_type: 'MANAGED_CATALOG',
      owner: meta.owner,
      comment: meta.comment,
      properties: meta.properties,
      metastore_id: this.metastoreId,
      created_at: meta.created_at,
      created_by: meta.created_by,
      updated_at: meta.updated_at,
      updated_by: meta.updated_by,
    })
  }

  async listSchemas(rawCatalog: string, page: PageRequest): Promise<Page<Json>> {
    const catalog = validName(rawCatalog, 'catalog')
    await this.requireCatalog(catalog)
    const visible = new Set(await this.schemaNames(catalog))
    const all = (await this.engine.query('SELECT lower(schema_name) AS name FROM duckdb_schemas() WHERE database_name = $1', [catalog])).map((row) => String(row.name)).sort()
    const result = paginate(all, (name) => visible.has(name), page)
    const metas = this.metaFor('schemas', result.items.map((schema) => `${catalog}.${schema}`))
    return {items: result.items.map((schema, i) => this.schemaInfo(catalog, schema, metas[i])), nextPageToken: result.nextPageToken}
  }

  async getSchema(fullName: string): Promise<Json> {
    const [catalog, schema] = parseFullName(fullName, 2, 'schema')
    await this.requireSchema(catalog, schema)
    return this.schemaInfo(catalog, schema, this.metaFor('schemas', [`${catalog}.${schema}`])[0])
  }

  async createSchema(input: {name: string; catalog_name: string; comment?: string; properties?: Record<string, string>}): Promise<Json> {
    const catalog = validName(input.catalog_name, 'catalog')
    const schema = validName(input.name, 'schema')
    await this.requireCatalog(catalog)
    const fullName = `${catalog}.${schema}`
    if ((await this.schemaNames(catalog)).includes(schema)) throw alreadyExists('SCHEMA_ALREADY_EXISTS', `Schema '${fullName}' already exists.`, 'Schema', fullName)
    await this.engine.execute(`CREATE SCHEMA IF NOT EXISTS ${qualifiedName([catalog, schema])}`)
    this.forget(fullName)
    this.recordObject('schemas', fullName, {comment: input.comment, properties: input.properties})
    return this.getSchema(fullName)
  }

  async updateSchema(fullName: string, changes: CatalogChanges): Promise<Json> {
    const [catalog, schema] = parseFullName(fullName, 2, 'schema')
    await this.requireSchema(catalog, schema)
    if (changes.new_name !== undefined && changes.new_name.toLowerCase() !== schema) {
      throw new ApiError(501, 'NOT_IMPLEMENTED', 'Renaming a schema is not supported by the local workspace (DuckDB cannot rename schemas).')
    }
    this.changeMeta('schemas', `${catalog}.${schema}`, (meta) => applyChanges(meta, changes))
    return this.getSchema(fullName)
  }

  async deleteSchema(fullName: string, force: boolean): Promise<void> {
    const [catalog, schema] = parseFullName(fullName, 2, 'schema')
    await this.requireSchema(catalog, schema)
    const tables = await this.tableEntries(catalog, schema)
    if (tables.length > 0 && !force) {
      throw new ApiError(400, 'SCHEMA_NOT_EMPTY', `Schema '${catalog}.${schema}' is not empty. The schema has ${tables.length} table(s); use force to delete it.`)
    }
    if (schema === DUCKDB_MAIN_SCHEMA) {
      // DuckDB's main schema cannot be dropped: empty it and hide it again.
      for (const table of tables) await this.dropTableEntry(catalog, schema, table)
    } else {
      await this.engine.execute(`DROP SCHEMA ${qualifiedName([catalog, schema])} CASCADE`)
    }
    this.forget(`${catalog}.${schema}`)
  }

  // ---------------------------------------------------------------------------------------------
  // Tables

  /** Column names and DuckDB types of tables in one schema (types from a prepared `SELECT *`). */
  private async describeColumns(catalog: string, schema: string, tables: string[]): Promise<Map<string, ColumnDescription[]>> {
    return this.engine.withMetaConnection(async (connection) => {
      const described = new Map<string, ColumnDescription[]>()
      const rows = (
        await connection.runAndReadAll(
          `SELECT lower(table_name) AS t, column_name AS name, is_nullable AS nullable FROM duckdb_columns()
            WHERE database_name = $1 AND lower(schema_name) = $2 ORDER BY table_name, column_index`,
          [catalog, schema],
        )
      ).getRowObjectsJS()
      for (const table of tables) {
        let prepared
        try {
          prepared = await connection.prepare(`SELECT * FROM ${qualifiedName([catalog, schema, table])} LIMIT 0`)
        } catch {
          // A view whose query no longer binds (a column it reads was dropped) is still listed, as
          // Unity Catalog lists it; its columns cannot be told.
          continue
        }
        const columns = rows.filter((row) => row.t === table)
        described.set(
          table,
          columns.map((row, i) => ({name: String(row.name), nullable: Boolean(row.nullable), type: prepared.columnType(i)})),
        )
        prepared.destroySync()
      }
      return described
    })
  }

  private tableInfo(catalog: string, schema: string, entry: TableEntry, meta: TableMeta, columns: ColumnDescription[] | undefined, omitProperties = false): Json {
    const partitions = (meta.partition_columns ?? []).map((name) => name.toLowerCase())
    return omitEmpty({
      name: entry.name,
      catalog_name: catalog,
      schema_name: schema,
      full_name: `${catalog}.${schema}.${entry.name}`,
      table_type: entry.kind === 'VIEW' ? 'VIEW' : (meta.table_type ?? 'MANAGED'),
      data_source_format: entry.kind === 'VIEW' ? undefined : 'DELTA',
      columns: columns?.map((column, position) => {
        const type = databricksType(column.type)
        const comment = meta.column_comments?.[column.name]
        const partitionIndex = partitions.indexOf(column.name.toLowerCase())
        return omitEmpty({
          name: column.name,
          type_text: type.text,
          type_name: type.name,
          type_json: JSON.stringify({name: column.name, type: type.json, nullable: column.nullable, metadata: comment ? {comment} : {}}),
          type_precision: type.precision,
          type_scale: type.scale,
          position,
          nullable: column.nullable,
          comment,
          partition_index: partitionIndex >= 0 ? partitionIndex : undefined,
        })
      }),
      storage_location: meta.storage_location,
      view_definition: entry.sql === null ? undefined : viewQuery(entry.sql),
      owner: meta.owner,
      comment: meta.comment,
      properties: omitProperties ? undefined : meta.properties,
      table_id: meta.id,
      metastore_id: this.metastoreId,
      created_at: meta.created_at,
      created_by: meta.created_by,
      updated_at: meta.updated_at,
      updated_by: meta.updated_by,
    })
  }

  async listTables(rawCatalog: string, rawSchema: string, page: PageRequest, options: {omitColumns: boolean; omitProperties: boolean}): Promise<Page<Json>> {
    const catalog = validName(rawCatalog, 'catalog')
    const schema = validName(rawSchema, 'schema')
    await this.requireSchema(catalog, schema)
    const entries = await this.tableEntries(catalog, schema)
    const byName = new Map(entries.map((entry) => [entry.name, entry]))
    const result = paginate(entries.map((entry) => entry.name), () => true, page)
    const metas = this.metaFor('tables', result.items.map((table) => `${catalog}.${schema}.${table}`))
    const columns = options.omitColumns ? new Map<string, ColumnDescription[]>() : await this.describeColumns(catalog, schema, result.items)
    return {
      items: result.items.map((table, i) => this.tableInfo(catalog, schema, byName.get(table)!, metas[i], columns.get(table), options.omitProperties)),
      nextPageToken: result.nextPageToken,
    }
  }

  async getTable(fullName: string): Promise<Json> {
    const [catalog, schema, table] = parseFullName(fullName, 3, 'table')
    await this.requireSchema(catalog, schema)
    const [entry] = await this.tableEntries(catalog, schema, table)
    if (!entry) throw tableMissing(`${catalog}.${schema}.${table}`)
    const columns = await this.describeColumns(catalog, schema, [table])
    return this.tableInfo(catalog, schema, entry, this.metaFor('tables', [`${catalog}.${schema}.${table}`])[0], columns.get(table))
  }

  async tableExists(fullName: string): Promise<boolean> {
    const [catalog, schema, table] = parseFullName(fullName, 3, 'table')
    // System tables (system.access.*, system.serving.*) live in the system database, not in a catalog file.
    if (catalog === 'system') {
      const rows = await this.engine.query('SELECT 1 FROM information_schema.tables WHERE table_catalog = $1 AND table_schema = $2 AND table_name = $3', [SYSTEM_DATABASE, schema, table])
      return rows.length > 0
    }
    return (await this.hasSchema(catalog, schema)) && (await this.hasTable(catalog, schema, table))
  }

  async createTable(input: TableInput): Promise<Json> {
    const catalog = validName(input.catalog_name, 'catalog')
    const schema = validName(input.schema_name, 'schema')
    const table = validName(input.name, 'table')
    await this.requireSchema(catalog, schema)
    const fullName = `${catalog}.${schema}.${table}`
    if (await this.hasTable(catalog, schema, table)) throw alreadyExists('TABLE_ALREADY_EXISTS', `Table '${fullName}' already exists.`, 'Table', fullName)
    if (input.columns.length === 0) throw invalidParameter('A table needs at least one column.')
    const columns = [...input.columns].sort((a, b) => (a.position ?? 0) - (b.position ?? 0))
    const definitions = columns.map((column) => `${quoteIdent(column.name)} ${duckTypeOfColumn(column)}${column.nullable === false ? ' NOT NULL' : ''}`)
    try {
      await this.engine.execute(`CREATE TABLE ${qualifiedName([catalog, schema, table])} (${definitions.join(', ')})`)
    } catch (error) {
      // The columns came from the request (e.g. a name given twice).
      throw invalidParameter(`Cannot create table '${fullName}': ${error instanceof Error ? error.message : String(error)}`)
    }
    const partitions = columns.filter((column) => column.partition_index !== undefined).sort((a, b) => a.partition_index! - b.partition_index!)
    const comments = Object.fromEntries(columns.filter((column) => column.comment).map((column) => [column.name, column.comment!]))
    this.forget(fullName)
    this.recordObject('tables', fullName, {
      table_type: input.table_type ?? 'MANAGED',
      storage_location: input.storage_location,
      properties: input.properties,
      comment: input.comment,
      partition_columns: partitions.length > 0 ? partitions.map((column) => column.name) : undefined,
      column_comments: Object.keys(comments).length > 0 ? comments : undefined,
    })
    return this.getTable(fullName)
  }

  async updateTable(fullName: string, changes: {owner?: string}): Promise<void> {
    const [catalog, schema, table] = parseFullName(fullName, 3, 'table')
    await this.requireTable(catalog, schema, table)
    this.changeMeta('tables', `${catalog}.${schema}.${table}`, (meta) => applyChanges(meta, {owner: changes.owner}))
  }

  async deleteTable(fullName: string): Promise<void> {
    const [catalog, schema, table] = parseFullName(fullName, 3, 'table')
    await this.requireSchema(catalog, schema)
    const [entry] = await this.tableEntries(catalog, schema, table)
    if (!entry) throw tableMissing(`${catalog}.${schema}.${table}`)
    await this.dropTableEntry(catalog, schema, entry)
  }

  private async dropTableEntry(catalog: string, schema: string, entry: TableEntry): Promise<void> {
    await this.engine.execute(`DROP ${entry.kind === 'VIEW' ? 'VIEW' : 'TABLE'} ${qualifiedName([catalog, schema, entry.name])}`)
    this.forget(`${catalog}.${schema}.${entry.name}`)
  }
}

function applyChanges(meta: ObjectMeta, changes: CatalogChanges): void {
  if (changes.owner !== undefined) meta.owner = validOwner(changes.owner)
  if (changes.comment !== undefined) meta.comment = changes.comment || undefined
  if (changes.properties !== undefined) meta.properties = changes.properties
}

const TYPE_NAMES: Record<string, string> = {
  BOOLEAN: 'BOOLEAN',
  BYTE: 'TINYINT',
  SHORT: 'SMALLINT',
  INT: 'INTEGER',
  LONG: 'BIGINT',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  STRING: 'VARCHAR',
  CHAR: 'VARCHAR',
  BINARY: 'BLOB',
}

/** A REST column's DuckDB type: from `type_text` when given, else `type_name` (+ precision/scale). */
function duckTypeOfColumn(column: ColumnInput): string {
  try {
    if (column.type_text) return sparkTypeToDuckDb(column.type_text)
  } catch (error) {
    if (error instanceof SqlError) throw invalidParameter(`Column '${column.name}': unsupported type_text '${column.type_text}'.`)
    throw error
  }
  const name = column.type_name?.toUpperCase()
  if (name === 'DECIMAL') return `DECIMAL(${column.type_precision ?? 10},${column.type_scale ?? 0})`
  const type = name ? TYPE_NAMES[name] : undefined
  if (!type) throw invalidParameter(`Column '${column.name}': give type_text or a supported type_name (got '${column.type_name ?? ''}').`)
  return type
}

/** DuckDB keeps a view's whole `CREATE VIEW ... AS query;`; Unity Catalog shows the query. */
function viewQuery(sql: string): string {
  const match = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+.+?\s+AS\s+([\s\S]*?);?\s*$/i.exec(sql)
  return match ? match[1] : sql
}
