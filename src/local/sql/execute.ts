/**
 * Runs one Databricks SQL statement: translates it, runs DuckDB's part on the given connection with
 * real bound parameters, applies the Unity Catalog side of it (catalogs, metadata, grants), and
 * collects the rows.
 */
import {DuckDBConnection, StatementType, VARCHAR, type DuckDBType, type DuckDBValue} from '@duckdb/node-api'

import {Permissions, type GrantableType} from '../catalog/permissions.js'
import {DEFAULT_SCHEMA, UnityCatalog, type MetaKind} from '../catalog/unity-catalog.js'
import {Engine, qualifiedName, quoteIdent} from '../engine/engine.js'
import {valueRenderer} from '../engine/values.js'
import {SqlError, translate, type MetadataEffect, type ObjectRef, type Translation} from '../sql-dialect.js'
import {withAnsiDivision} from './ansi.js'
import {conditions} from './errors.js'
import {emptyResult, manifestColumn, ResultBuilder, syntheticColumn, type ManifestColumn, type StatementResult} from './results.js'

export interface ExecutionContext {
  engine: Engine
  catalog: UnityCatalog
  permissions: Permissions
  /** Told about every statement that succeeded (it records what a write read). */
  lineage?: {afterStatement(statement: string, session: Session, statementId: string): Promise<void>}
}

/** Statement `catalog` / `schema`: the session defaults for unqualified names. */
export interface Session {
  catalog?: string
  schema?: string
}

export interface StatementParameter {
  name: string
  value: string | null
  /** Spark type, default STRING. */
  type: string
}

/** DuckDB statements the warehouse refuses: they would change the shared engine or the session. */
const REFUSED_STATEMENTS = new Map<number, string>([
  [StatementType.ATTACH, 'ATTACH (use CREATE CATALOG)'],
  [StatementType.DETACH, 'DETACH (use DROP CATALOG)'],
  [StatementType.SET, 'SET'],
  [StatementType.PRAGMA, 'PRAGMA'],
  [StatementType.LOAD, 'LOAD'],
  [StatementType.EXTENSION, 'INSTALL'],
  [StatementType.UPDATE_EXTENSIONS, 'UPDATE EXTENSIONS'],
  [StatementType.EXPORT, 'EXPORT DATABASE'],
  [StatementType.COPY_DATABASE, 'COPY DATABASE'],
  [StatementType.TRANSACTION, 'transaction control (each statement is its own transaction)'],
])

const COUNTING_STATEMENTS = new Set<number>([StatementType.INSERT, StatementType.UPDATE, StatementType.DELETE, StatementType.MERGE_INTO, StatementType.CREATE])
const QUERY_STATEMENTS = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN, StatementType.CALL, StatementType.RELATION, StatementType.EXECUTE])

export async function executeStatement(
  context: ExecutionContext,
  connection: DuckDBConnection,
  sql: string,
  session: Session,
  parameters: StatementParameter[],
  builder: ResultBuilder,
): Promise<StatementResult> {
  const translation = translate(sql, {parameters: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.type]))})
  const executor = new Executor(context, connection, session, builder)
  return executor.run(translation, parameters)
}

class Executor {
  constructor(
    private readonly context: ExecutionContext,
    private readonly connection: DuckDBConnection,
    private readonly session: Session,
    private readonly builder: ResultBuilder,
  ) {}

  private get catalog(): UnityCatalog {
    return this.context.catalog
  }

  async run(translation: Translation, parameters: StatementParameter[]): Promise<StatementResult> {
    switch (translation.kind) {
      case 'duckdb':
        return this.runOnDuckDb(translation, parameters)
      case 'noop':
        return emptyResult()
      case 'create-catalog':
        if (!(translation.ifNotExists && (await this.catalog.hasCatalog(translation.name)))) {
          await this.catalog.createCatalog({name: translation.name, comment: translation.comment})
        }
        return emptyResult()
      case 'drop-catalog':
        if (await this.catalog.hasCatalog(translation.name)) await this.catalog.deleteCatalog(translation.name, translation.cascade)
        else if (!translation.ifExists) throw noSuchCatalog(translation.name)
        return emptyResult()
      case 'use':
        await this.requireObject({type: translation.target, name: translation.name})
        return emptyResult()
      case 'grant':
      case 'revoke':
        return this.grant(translation)
      case 'show-catalogs':
        return this.rows(['catalog'], (await this.catalog.catalogNames()).map((name) => [name]))
      case 'show-schemas': {
        const catalog = translation.catalog ?? this.requireSessionCatalog()
        await this.requireObject({type: 'catalog', name: [catalog]})
        return this.rows(['databaseName'], (await this.catalog.schemaNames(catalog)).map((name) => [name]))
      }
      case 'show-tables':
        return this.showTables(translation.schema)
      case 'set-owner':
        this.catalog.changeMeta(metaKind(translation.securable.type), (await this.requireObject(translation.securable)).join('.'), (meta) => {
          meta.owner = translation.owner
        })
        return emptyResult()
      case 'set-comment':
        this.catalog.changeMeta(metaKind(translation.securable.type), (await this.requireObject(translation.securable)).join('.'), (meta) => {
          meta.comment = translation.comment ?? undefined
        })
        return emptyResult()
      case 'set-table-properties':
        this.catalog.changeMeta('tables', (await this.requireObject({type: 'table', name: translation.table})).join('.'), (meta) => {
          meta.properties = {...meta.properties, ...translation.properties}
        })
        return emptyResult()
      case 'unset-table-properties': {
        const table = (await this.requireObject({type: 'table', name: translation.table})).join('.')
        this.catalog.changeMeta('tables', table, (meta) => {
          const properties = {...meta.properties}
          for (const key of translation.keys) {
            if (!(key in properties) && !translation.ifExists) throw new SqlError(`[UNSET_NONEXISTENT_PROPERTIES] Attempted to unset non-existent property '${key}' in table ${table}.`, '42K0J')
            delete properties[key]
          }
          meta.properties = properties
        })
        return emptyResult()
      }
    }
  }

  // --- DuckDB statements

  private async runOnDuckDb(translation: Extract<Translation, {kind: 'duckdb'}>, parameters: StatementParameter[]): Promise<StatementResult> {
    await this.useSession()
    const effect = translation.effect
    const existedBefore = effect?.type === 'create-table' ? await this.tableExists(effect.table) : false
    let result: StatementResult
    let statementType: number
    if (translation.statements.length === 1) {
      ;({result, statementType} = await this.runSingle(translation.statements[0], translation.parameters, parameters))
    } else {
      statementType = await this.runInTransaction(translation.statements)
      result = emptyResult()
    }
    if (effect) await this.applyEffect(effect, existedBefore)
    if (statementType === StatementType.DROP || statementType === StatementType.ALTER) await this.catalog.forgetVanished()
    return result
  }

  /** Points the connection at the session's catalog and schema (the scratch database without one). */
  private async useSession(): Promise<void> {
    const {catalog, schema} = this.session
    if (catalog === undefined) {
      if (schema !== undefined) throw new SqlError(`No catalog given for schema '${schema}': the local workspace has no default catalog.`, '3D000')
      await this.connection.run(`USE ${quoteIdent(this.context.engine.scratchDatabase)}.main`)
      return
    }
    if (!(await this.catalog.hasCatalog(catalog))) throw noSuchCatalog(catalog)
    const target = schema ?? DEFAULT_SCHEMA
    if (!(await this.catalog.schemaNames(catalog)).includes(target)) throw noSuchSchema(`${catalog}.${target}`)
    await this.connection.run(`USE ${qualifiedName([catalog, target])}`)
  }

  private async runSingle(sql: string, used: string[], parameters: StatementParameter[]): Promise<{result: StatementResult; statementType: number}> {
    const prepared = await this.connection.prepare(await withAnsiDivision(this.connection, sql))
    try {
      const statementType = prepared.statementType
      const refused = REFUSED_STATEMENTS.get(statementType)
      if (refused) throw new SqlError(`The local warehouse does not run ${refused} statements.`, '0A000')
      if (used.length > 0) {
        const values: Record<string, DuckDBValue> = {}
        const types: Record<string, DuckDBType> = {}
        for (const name of used) {
          values[name] = parameters.find((parameter) => parameter.name === name)!.value
          types[name] = VARCHAR
        }
        prepared.bind(values, types)
      }
      const stream = await prepared.stream()
      const names = stream.columnNames()
      const types = stream.columnTypes()
      const columns = types.map((type, i) => manifestColumn(names[i], type, i))
      const renderers = types.map(valueRenderer)
      if (!QUERY_STATEMENTS.has(statementType) && names.length === 1 && (names[0] === 'Count' || names[0] === 'Success')) {
        const rows = await stream.getRows()
        return {result: this.countResult(statementType, rows[0]?.[0]), statementType}
      }
      for await (const rows of stream.yieldRows()) {
        for (const row of rows) if (!this.builder.add(row.map((value, i) => renderers[i](value)))) return {result: this.builder.finish(columns), statementType}
      }
      return {result: this.builder.finish(columns), statementType}
    } finally {
      prepared.destroySync()
    }
  }

  /** DML answers with affected-row counts as Databricks does; other commands with no rows. */
  private countResult(statementType: number, count: DuckDBValue | undefined): StatementResult {
    if (!COUNTING_STATEMENTS.has(statementType) || count === undefined || count === null) return emptyResult()
    const value = String(count)
    const inserting = statementType === StatementType.INSERT || statementType === StatementType.CREATE
    const names = inserting ? ['num_affected_rows', 'num_inserted_rows'] : ['num_affected_rows']
    return this.rows(
      names,
      [names.map(() => value)],
      names.map((name, i) => syntheticColumn(name, i, 'LONG', 'bigint')),
    )
  }

  private async runInTransaction(statements: string[]): Promise<number> {
    await this.connection.run('BEGIN TRANSACTION')
    try {
      for (const sql of statements) await this.connection.run(sql)
      await this.connection.run('COMMIT')
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined)
      throw error
    }
    return StatementType.ALTER
  }

  private async applyEffect(effect: MetadataEffect, existedBefore: boolean): Promise<void> {
    if (effect.type === 'create-schema') {
      const [catalog, schema] = this.resolve({type: 'schema', name: effect.schema})
      if (!catalog || !(await this.catalog.hasCatalog(catalog))) return
      const key = `${catalog}.${schema}`
      const known = this.catalog.metaExists('schemas', key)
      if (effect.ifNotExists && known) return
      this.catalog.recordObject('schemas', key, {comment: effect.comment, properties: nonEmpty(effect.properties)})
      return
    }
    const [catalog, schema, table] = this.resolve({type: 'table', name: effect.table})
    if (!catalog || !(await this.catalog.hasCatalog(catalog))) return
    const key = `${catalog}.${schema}.${table}`
    if (effect.type === 'add-columns') {
      if (Object.keys(effect.columnComments).length > 0) {
        this.catalog.changeMeta('tables', key, (meta) => {
          meta.column_comments = {...meta.column_comments, ...effect.columnComments}
        })
      }
      return
    }
    if (existedBefore && !effect.orReplace) return
    const definition = effect.definition
    this.catalog.recordObject('tables', key, {
      table_type: definition.location ? 'EXTERNAL' : 'MANAGED',
      storage_location: definition.location,
      comment: definition.comment,
      properties: nonEmpty(definition.properties),
      partition_columns: definition.partitionColumns.length > 0 ? definition.partitionColumns : undefined,
      column_comments: nonEmpty(definition.columnComments),
    })
  }

  private async tableExists(name: string[]): Promise<boolean> {
    const [catalog, schema, table] = this.resolve({type: 'table', name})
    return catalog !== undefined && (await this.catalog.hasTable(catalog, schema, table))
  }

  // --- Unity Catalog statements

  private async grant(translation: Extract<Translation, {kind: 'grant' | 'revoke'}>): Promise<StatementResult> {
    const name = (await this.requireObject(translation.securable)).join('.')
    const type: GrantableType = translation.securable.type
    const change = translation.kind === 'grant' ? {principal: translation.principal, add: translation.privileges} : {principal: translation.principal, remove: translation.privileges}
    this.context.permissions.update(type, name, [change])
    return emptyResult()
  }

  private async showTables(schemaName: string[] | undefined): Promise<StatementResult> {
    const [catalog, schema] = this.resolve({type: 'schema', name: schemaName ?? [this.session.schema ?? DEFAULT_SCHEMA]})
    if (!catalog) this.requireSessionCatalog()
    await this.requireObject({type: 'schema', name: [catalog!, schema]})
    const page = await this.catalog.listTables(catalog!, schema, {}, {omitColumns: true, omitProperties: true})
    const columns = [syntheticColumn('database', 0), syntheticColumn('tableName', 1), syntheticColumn('isTemporary', 2, 'BOOLEAN', 'boolean')]
    return this.rows(
      ['database', 'tableName', 'isTemporary'],
      page.items.map((table) => [schema, String(table.name), 'false']),
      columns,
    )
  }

  private rows(names: string[], rows: Array<Array<string | null>>, columns?: ManifestColumn[]): StatementResult {
    for (const row of rows) if (!this.builder.add(row)) break
    return this.builder.finish(columns ?? names.map((name, i) => syntheticColumn(name, i)))
  }

  // --- names

  /** Completes a 1-3 part name with the session's catalog and schema. */
  private resolve(ref: ObjectRef): string[] {
    const wanted = ref.type === 'catalog' ? 1 : ref.type === 'schema' ? 2 : 3
    const defaults = [this.session.catalog, this.session.schema ?? DEFAULT_SCHEMA] as Array<string | undefined>
    const prefix = defaults.slice(0, wanted - ref.name.length)
    return [...prefix, ...ref.name] as string[]
  }

  private requireSessionCatalog(): string {
    if (this.session.catalog === undefined) throw new SqlError('No catalog selected: qualify the name with a catalog or pass `catalog` with the statement.', '3D000')
    return this.session.catalog
  }

  /** Resolves a securable and fails the statement the way Databricks does when it is missing. */
  private async requireObject(ref: ObjectRef): Promise<string[]> {
    const parts = this.resolve(ref)
    if (parts[0] === undefined) this.requireSessionCatalog()
    const [catalog, schema, table] = parts
    if (!(await this.catalog.hasCatalog(catalog))) throw noSuchCatalog(catalog)
    if (ref.type !== 'catalog' && !(await this.catalog.schemaNames(catalog)).includes(schema)) throw noSuchSchema(`${catalog}.${schema}`)
    if (ref.type === 'table' && !(await this.catalog.hasTable(catalog, schema, table))) {
      throw conditions.tableOrViewNotFound([catalog, schema, table])
    }
    return parts
  }
}

function metaKind(type: ObjectRef['type']): MetaKind {
  return type === 'catalog' ? 'catalogs' : type === 'schema' ? 'schemas' : 'tables'
}

function nonEmpty(record: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(record).length > 0 ? record : undefined
}

function noSuchCatalog(name: string): SqlError {
  return conditions.catalogNotFound(name)
}

function noSuchSchema(fullName: string): SqlError {
  return conditions.schemaNotFound(fullName.split('.'))
}
