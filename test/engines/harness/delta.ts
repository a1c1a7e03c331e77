/**
 * Reads a Delta table's current rows from Node without a Spark driver, for the tier's waits: replays
 * the table's JSON commits (_delta_log/*.json: add and remove actions) to the live data files and scans
 * them with DuckDB's Parquet reader. Tables here use no deletion vectors and keep every JSON commit.
 * Delta keeps partition columns out of the data files, in the file's folder names: hive partitioning.
 * The tier's comparisons read through Spark (python/dump_tables.py); this is for polling.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'

export function tableDir(warehouse: string, table: string): string {
  const [schema, name] = table.split('.')
  return path.join(warehouse, `${schema}.db`, name)
}

/** The live data files of the table's latest committed version. */
export function liveFiles(dir: string): string[] {
  const log = path.join(dir, '_delta_log')
  if (!existsSync(log)) return []
  const live = new Set<string>()
  for (const commit of readdirSync(log).filter((f) => /^\d{20}\.json$/.test(f)).sort()) {
    for (const line of readFileSync(path.join(log, commit), 'utf8').split('\n')) {
      if (!line) continue
      const action = JSON.parse(line)
      if (action.add) live.add(decodeURIComponent(action.add.path))
      else if (action.remove) live.delete(decodeURIComponent(action.remove.path))
    }
  }
  return [...live].sort().map((file) => path.join(dir, file))
}

export class DeltaReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly warehouse: string,
  ) {}

  static async open(warehouse: string): Promise<DeltaReader> {
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    await connection.run(`SET TimeZone = 'UTC'`)
    return new DeltaReader(instance, connection, warehouse)
  }

  /** Runs SQL in which {schema.table} names a Delta table of the warehouse (no rows: an empty result). */
  async rows(sql: string): Promise<Array<Record<string, unknown>>> {
    let empty = false
    const text = sql.replace(/\{([a-z_]+\.[a-z_]+)\}/g, (_, table: string) => {
      const files = liveFiles(tableDir(this.warehouse, table))
      if (files.length === 0) {
        empty = true
        return '(SELECT 1 AS none WHERE false)'
      }
      return `read_parquet([${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}], hive_partitioning = true, union_by_name = true)`
    })
    if (empty) return []
    const rows = (await this.connection.runAndReadAll(text)).getRowObjectsJS()
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])))
  }

  close(): void {
    this.connection.closeSync()
    this.instance.closeSync()
  }
}
