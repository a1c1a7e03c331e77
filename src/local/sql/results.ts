/**
 * Statement results as the Statement Execution API shapes them: a manifest with Databricks column
 * types, rows rendered as strings and cut into chunks (by row count and size), and engine errors
 * mapped to `status.error` codes and SQLSTATEs.
 */
import type {DuckDBType} from '@duckdb/node-api'

import {databricksType} from '../engine/types.js'
import {ApiError} from '../http/errors.js'
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

export interface StatementError {
  error_code: string
  message: string
  sql_state: string
}

/** DuckDB error classes (the `X Error:` prefix) -> Statement API error code and SQLSTATE. */
const ENGINE_ERRORS: Array<[RegExp, string, string]> = [
  [/^Parser Error/, 'BAD_REQUEST', '42601'],
  [/^Binder Error: .*column/i, 'BAD_REQUEST', '42703'],
  [/^Binder Error/, 'BAD_REQUEST', '42000'],
  [/^Catalog Error: .*does not exist/, 'BAD_REQUEST', '42P01'],
  [/^Catalog Error: .*already exists/, 'BAD_REQUEST', '42P07'],
  [/^Catalog Error/, 'BAD_REQUEST', '42000'],
  [/^Conversion Error/, 'BAD_REQUEST', '22018'],
  [/^Invalid Input Error/, 'BAD_REQUEST', '22023'],
  [/^Out of Range Error/, 'BAD_REQUEST', '22003'],
  [/^Constraint Error/, 'BAD_REQUEST', '23000'],
  [/^Dependency Error/, 'BAD_REQUEST', '2BP01'],
  [/^Not implemented Error/, 'BAD_REQUEST', '0A000'],
  [/^TransactionContext Error/, 'ABORTED', '40001'],
  [/^INTERRUPT Error/, 'CANCELLED', '57014'],
  [/^Out of Memory Error/, 'RESOURCE_EXHAUSTED', '53200'],
  [/^IO Error/, 'IO_ERROR', '58030'],
]

export function statementError(error: unknown): StatementError {
  if (error instanceof SqlError) return {error_code: 'BAD_REQUEST', message: error.message, sql_state: error.sqlState}
  if (error instanceof ApiError) {
    const sqlState = error.errorCode.endsWith('_ALREADY_EXISTS') ? '42P07' : error.errorCode.endsWith('_DOES_NOT_EXIST') ? '42704' : '42000'
    return {error_code: 'BAD_REQUEST', message: `[${error.errorCode}] ${error.message}`, sql_state: sqlState}
  }
  const message = error instanceof Error ? error.message : String(error)
  const match = ENGINE_ERRORS.find(([pattern]) => pattern.test(message))
  return {error_code: match?.[1] ?? 'INTERNAL_ERROR', message, sql_state: match?.[2] ?? 'XX000'}
}
