/**
 * Statement results as the Statement Execution API shapes them: a manifest with Databricks column
 * types, rows rendered as strings and cut into chunks (by row count and size), and engine errors
 * mapped to `status.error` codes and SQLSTATEs.
 */
import type {DuckDBType} from '@duckdb/node-api'

import {databricksType} from '../engine/types.js'
import {SqlError} from '../sql-dialect.js'

export type Row = Array<string | null>

export interface ManifestColumn {
  name: string
  position: number
  type_name: string
  type_text: string
  type_precision?: number
  type_scale?: number
}

export interface ResultChunk {
  chunk_index: number
  row_offset: number
  row_count: number
  byte_count: number
  data_array: Row[]
}

export interface StatementResult {
  columns: ManifestColumn[]
  chunks: ResultChunk[]
  totalRows: number
  truncated: boolean
}

export interface ChunkLimits {
  rows: number
  bytes: number
}

/** The INLINE disposition's limit on a whole result (reference 5.1). */
export const INLINE_RESULT_LIMIT_BYTES = 25 * 1024 * 1024

export function manifestColumn(name: string, type: DuckDBType, position: number): ManifestColumn {
  const databricks = databricksType(type)
  return {
    name,
    position,
    type_name: databricks.name,
    type_text: databricks.text,
    ...(databricks.precision === undefined ? {} : {type_precision: databricks.precision, type_scale: databricks.scale}),
  }
}

/** A column of Databricks type `name` / `text` for results the server builds itself. */
export function syntheticColumn(name: string, position: number, typeName = 'STRING', typeText = 'string'): ManifestColumn {
  return {name, position, type_name: typeName, type_text: typeText}
}

/** Collects rendered rows into chunks; stops accepting rows at the row limit (marking truncation). */
export class ResultBuilder {
  private readonly chunks: ResultChunk[] = []
  private current: ResultChunk | undefined
  private totalRows = 0
  private totalBytes = 0
  private truncated = false

  constructor(
    private readonly limits: ChunkLimits,
    private readonly rowLimit?: number,
  ) {}

  /** Adds a row; false once the row limit is reached (the caller stops reading). */
  add(row: Row): boolean {
    if (this.rowLimit !== undefined && this.totalRows >= this.rowLimit) {
      this.truncated = true
      return false
    }
    const bytes = JSON.stringify(row).length + 1
    this.totalBytes += bytes
    if (this.totalBytes > INLINE_RESULT_LIMIT_BYTES) {
      throw new SqlError(`The result exceeds the INLINE limit of ${INLINE_RESULT_LIMIT_BYTES} bytes: narrow the query or set row_limit.`, '54000')
    }
    if (!this.current || this.current.row_count >= this.limits.rows || (this.current.byte_count + bytes > this.limits.bytes && this.current.row_count > 0)) {
      this.current = {chunk_index: this.chunks.length, row_offset: this.totalRows, row_count: 0, byte_count: 0, data_array: []}
      this.chunks.push(this.current)
    }
    this.current.data_array.push(row)
    this.current.row_count++
    this.current.byte_count += bytes
    this.totalRows++
    return true
  }

  finish(columns: ManifestColumn[]): StatementResult {
    return {columns, chunks: this.chunks, totalRows: this.totalRows, truncated: this.truncated}
  }
}

export function emptyResult(): StatementResult {
  return {columns: [], chunks: [], totalRows: 0, truncated: false}
}
