/**
 * The local warehouse's DuckDB: one in-memory instance (its `memory` database is a scratch space that
 * is not part of Unity Catalog) with one database file per catalog ATTACHed under the catalog's name.
 * Metadata reads and catalog DDL go through one serialised connection; SQL statements borrow
 * connections from a small pool so several can run at once and each can be interrupted.
 */
import {mkdirSync, readdirSync, renameSync, rmSync, existsSync} from 'node:fs'
import path from 'node:path'

import {DuckDBConnection, DuckDBInstance, type DuckDBValue} from '@duckdb/node-api'

/** Database names DuckDB reserves or uses itself: never catalog names here. */
export const RESERVED_CATALOG_NAMES = new Set(['main', 'memory', 'system', 'temp'])
const SCRATCH_DATABASE = 'memory'
const CATALOG_FILE_SUFFIX = '.duckdb'

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

export function qualifiedName(parts: readonly string[]): string {
  return parts.map(quoteIdent).join('.')
}

/** Runs work on one connection, one piece at a time. */
class SerialConnection {
  private tail: Promise<unknown> = Promise.resolve()

  constructor(readonly connection: DuckDBConnection) {}

  run<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.tail.then(() => work(this.connection))
    this.tail = next.catch(() => undefined)
    return next
  }
}

export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = []
  private readonly busy = new Set<DuckDBConnection>()
  private readonly waiters: Array<(connection: DuckDBConnection) => void> = []
  private closed = false

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly size: number,
  ) {}

  async acquire(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('The local warehouse is shutting down.')
    const connection = this.idle.pop() ?? (this.busy.size < this.size ? await this.instance.connect() : await new Promise<DuckDBConnection>((resolve) => this.waiters.push(resolve)))
    this.busy.add(connection)
    return connection
  }

  release(connection: DuckDBConnection): void {
    this.busy.delete(connection)
    const waiter = this.waiters.shift()
    if (waiter) waiter(connection)
    else if (this.closed) connection.closeSync()
    else this.idle.push(connection)
  }

  close(): void {
    this.closed = true
    for (const connection of this.busy) connection.interrupt()
    for (const connection of this.idle.splice(0)) connection.closeSync()
  }
}

export interface EngineOptions {
  catalogsDir: string
  maxConcurrentStatements: number
  /** DuckDB's memory_limit in MB: its buffer pool (cached table blocks, hash tables, sorts) stays under it. */
  memoryLimitMb: number
  /** DuckDB's worker threads, shared by every statement and stream. */
  threads: number
  /** Where operators that outgrow memoryLimitMb spill to (emptied by DuckDB). */
  spillDir: string
}

export class Engine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly meta: SerialConnection,
    readonly pool: ConnectionPool,
    private readonly catalogsDir: string,
  ) {}

  static async open(options: EngineOptions): Promise<Engine> {
    mkdirSync(options.catalogsDir, {recursive: true})
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    // Spark sessions lakectl configures run in UTC; TIMESTAMP values are UTC wall-clock times.
    await connection.run(`SET GLOBAL TimeZone = 'UTC'`)
    // Fewer automatic checkpoints while streams write (each rewrites the changed tables; appends ran about
    // 40% faster); after a crash DuckDB replays at most this much write-ahead log.
    await connection.run(`SET GLOBAL checkpoint_threshold = '256MB'`)
    // Unlimited, DuckDB may take 80% of the machine's memory and keeps what it read cached: over a
    // 5M-event live run the workspace peaked at 1.8 GB in the first half and 2.2 GB in the second;
    // limited to 1 GB, at 1.4 and 1.5 GB, as fast (bench/engine.mjs). Spills go to the state folder,
    // not DuckDB's default .tmp in the working directory.
    await connection.run(`SET GLOBAL memory_limit = '${Math.floor(options.memoryLimitMb)}MB'`)
    await connection.run(`SET GLOBAL threads = ${Math.floor(options.threads)}`)
    await connection.run(`SET GLOBAL temp_directory = '${options.spillDir.replaceAll("'", "''")}'`)
    const engine = new Engine(instance, new SerialConnection(connection), new ConnectionPool(instance, options.maxConcurrentStatements), options.catalogsDir)
    for (const file of readdirSync(options.catalogsDir).sort()) {
      if (file.endsWith(CATALOG_FILE_SUFFIX)) await engine.attachCatalog(file.slice(0, -CATALOG_FILE_SUFFIX.length))
    }
    return engine
  }

  get scratchDatabase(): string {
    return SCRATCH_DATABASE
  }

  /** Rows as plain JS objects; BIGINT columns come back as bigint. */
  query(sql: string, values?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    return this.meta.run(async (connection) => (await connection.runAndReadAll(sql, values)).getRowObjectsJS() as Record<string, unknown>[])
  }

  /** Runs statements in order on the metadata connection (no result). */
  execute(...statements: string[]): Promise<void> {
    return this.meta.run(async (connection) => {
      for (const sql of statements) await connection.run(sql)
    })
  }

  /** Runs work with exclusive use of the metadata connection, e.g. to prepare a statement. */
  withMetaConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.meta.run(work)
  }

  /**
   * A connection of its own, outside the statement pool, for long-lived work such as a streaming job;
   * the caller closes it before the engine closes.
   */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect()
  }

  catalogFile(name: string): string {
    return path.join(this.catalogsDir, name + CATALOG_FILE_SUFFIX)
  }

  /** Is this DuckDB database a catalog (a file under the catalogs folder)? */
  isCatalogDatabase(databasePath: unknown): boolean {
    return typeof databasePath === 'string' && path.dirname(databasePath) === this.catalogsDir && databasePath.endsWith(CATALOG_FILE_SUFFIX)
  }

  async attachCatalog(name: string): Promise<void> {
    await this.execute(`ATTACH ${quoteLiteral(this.catalogFile(name))} AS ${quoteIdent(name)}`)
  }

  async detachCatalog(name: string): Promise<void> {
    await this.execute(`DETACH ${quoteIdent(name)}`)
  }

  /** Detaches a catalog and deletes its database file (and write-ahead log). */
  async dropCatalogFile(name: string): Promise<void> {
    await this.detachCatalog(name)
    for (const file of catalogFiles(this.catalogFile(name))) rmSync(file, {force: true})
  }

  async renameCatalogFile(from: string, to: string): Promise<void> {
    await this.detachCatalog(from)
    const target = this.catalogFile(to)
    for (const file of catalogFiles(this.catalogFile(from))) renameSync(file, target + file.slice(this.catalogFile(from).length))
    await this.attachCatalog(to)
  }

  async close(): Promise<void> {
    this.pool.close()
    // Detaching checkpoints each catalog file, so the next start reads no write-ahead log.
    await this.meta.run(async (connection) => {
      const rows = (await connection.runAndReadAll('SELECT database_name, path FROM duckdb_databases()')).getRowObjectsJS()
      for (const row of rows) {
        if (this.isCatalogDatabase(row.path)) await connection.run(`DETACH ${quoteIdent(String(row.database_name))}`)
      }
      connection.closeSync()
    })
    this.instance.closeSync()
  }
}

function catalogFiles(file: string): string[] {
  return [file, `${file}.wal`].filter((candidate) => existsSync(candidate))
}
