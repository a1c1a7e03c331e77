/**
 * The SQL statement runner (Statement Execution API 2.0, reference section 5.1): submit with named
 * parameters, poll with backoff until a terminal state, fetch every chunk, convert values by the
 * manifest's column types, and cancel the statement when the user presses Ctrl-C.
 */
import {InterruptedError, LakectlError, UsageError} from '../errors.js'
import type {DatabricksClient} from './client.js'
import {OutcomeUnknownError} from './errors.js'

export type ParamValue = string | number | boolean | null | {value: string | number | boolean | null; type: string}

export interface StatementRequest {
  statement: string
  warehouseId: string
  catalog?: string
  schema?: string
  parameters?: Record<string, ParamValue>
  /**
   * Seconds the first request may wait on the server (0 = return at once; else 5..50). While that request
   * waits the statement id is unknown, so a Ctrl-C then cannot cancel it: long statements should use 0.
   */
  waitSeconds?: number
  /**
   * Safe to run twice. Read-only statements and `CREATE ... IF NOT EXISTS` / `CREATE OR REPLACE` /
   * `DROP ... IF EXISTS` are, by their text (isIdempotentStatement); a caller may say so of a write it
   * knows to be (an UPDATE that sets fixed values, a DELETE by key).
   */
  idempotent?: boolean
  /**
   * For any other write: reads back whether it took effect when its submission's outcome is unknown
   * (the client's one rule, RequestOptions.settle). true: done; false: submitted again.
   */
  settle?: () => Promise<boolean>
}

export interface Column {
  name: string
  type_name: string
  type_text?: string
}

export interface QueryResult<Row = Record<string, unknown>> {
  statement_id: string
  columns: Column[]
  rows: Row[]
  row_count: number
}

interface StatementStatus {
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED'
  error?: {error_code?: string; message?: string}
  sql_state?: string
}

interface ResultData {
  chunk_index?: number
  data_array?: Array<Array<string | null>>
  next_chunk_index?: number
  external_links?: unknown[]
}

interface StatementResponse {
  statement_id: string
  status: StatementStatus
  manifest?: {schema?: {columns?: Array<Column & {position: number}>}; total_row_count?: number}
  result?: ResultData
}

/** Fixes that are obvious from the error condition alone. */
const CONDITION_HINTS: Record<string, string> = {
  CATALOG_NOT_FOUND: 'The catalog does not exist yet: `lakectl bootstrap` creates the lakehouse catalog of lakectl.yaml.',
  SCHEMA_NOT_FOUND: 'The schema does not exist yet: `lakectl bootstrap` creates the lakehouse schemas of lakectl.yaml.',
}

/**
 * A statement that ran and failed: exit 1. Databricks renders the error condition first,
 * `[CLASS] message SQLSTATE: xxxxx`; the class becomes the error's code (the service's coarser
 * error_code stays in the details).
 */
export class SqlError extends LakectlError {
  constructor(message: string, errorCode: string, sqlState?: string, statementId?: string) {
    const errorClass = /^\[([A-Z0-9_.]+)\]/.exec(message)?.[1]
    // Databricks breaks a condition's text into lines; one line reads better in a terminal and a log.
    super(message.replace(/\s*\n\s*/g, ' '), {
      code: errorClass ?? errorCode,
      hint: errorClass ? CONDITION_HINTS[errorClass.split('.')[0]] : undefined,
      details: {error_code: errorCode, ...(sqlState ? {sql_state: sqlState} : {}), ...(statementId ? {statement_id: statementId} : {})},
    })
  }
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED'])
const STATEMENTS = '/api/2.0/sql/statements'

export async function runStatement<Row = Record<string, unknown>>(client: DatabricksClient, request: StatementRequest): Promise<QueryResult<Row>> {
  const wait = request.waitSeconds ?? 10
  if (wait !== 0 && (wait < 5 || wait > 50)) throw new UsageError('The statement wait must be 0 or 5..50 seconds.')
  const body = {
    statement: request.statement,
    warehouse_id: request.warehouseId,
    catalog: request.catalog,
    schema: request.schema,
    parameters: encodeParameters(request.parameters),
    wait_timeout: `${wait}s`,
    on_wait_timeout: 'CONTINUE',
    disposition: 'INLINE',
    format: 'JSON_ARRAY',
  }
  const settle = request.settle
  let response: StatementResponse
  try {
    response = await client.post<StatementResponse>(STATEMENTS, body, {
      idempotent: request.idempotent ?? isIdempotentStatement(request.statement),
      settle: settle && (async () => ((await settle()) ? {value: SETTLED} : undefined)),
    })
  } catch (error) {
    // No statement id came back: only the statement itself can tell the user what to check.
    if (error instanceof OutcomeUnknownError) {
      throw new OutcomeUnknownError(error.request, String(error.details?.cause), {
        message: `The outcome of this statement is unknown (${error.details?.cause}); it may or may not have run, so it was not submitted again: ${oneLine(request.statement)}`,
        hint: 'check whether it took effect before running it again',
      })
    }
    throw error
  }
  if (response === SETTLED) return {statement_id: '', columns: [], rows: [], row_count: 0}
  const id = response.statement_id
  try {
    for (let attempt = 0; !TERMINAL.has(response.status.state); attempt++) {
      // A short statement is done within milliseconds: the first look comes soon, later ones back off to 1 s.
      await client.sleep(Math.min(1000, 10 * 2 ** attempt))
      response = await client.get<StatementResponse>(`${STATEMENTS}/${id}`)
    }
  } catch (error) {
    if (error instanceof InterruptedError) await cancelQuietly(client, id)
    throw error
  }
  const {status} = response
  if (status.state === 'FAILED') {
    throw new SqlError(status.error?.message ?? 'The statement failed.', status.error?.error_code ?? 'SQL_FAILED', status.sql_state, id)
  }
  if (status.state !== 'SUCCEEDED') throw new SqlError(`The statement ended ${status.state}.`, `STATEMENT_${status.state}`, undefined, id)

  const columns = [...(response.manifest?.schema?.columns ?? [])].sort((a, b) => a.position - b.position)
  const rows: Row[] = []
  let chunk = response.result
  while (chunk) {
    if (chunk.external_links?.length) throw new LakectlError('The result came back as external links; lakectl fetches INLINE results only.')
    for (const raw of chunk.data_array ?? []) rows.push(convertRow(raw, columns) as Row)
    if (chunk.next_chunk_index === undefined) break
    chunk = await client.get<ResultData>(`${STATEMENTS}/${id}/result/chunks/${chunk.next_chunk_index}`)
  }
  return {statement_id: id, columns: columns.map(({name, type_name, type_text}) => ({name, type_name, type_text})), rows, row_count: rows.length}
}

/** What a settled write answers in place of the response it lost: the read showed it took effect. */
const SETTLED: StatementResponse = {statement_id: '', status: {state: 'SUCCEEDED'}}

function oneLine(statement: string): string {
  return statement.replace(/\s+/g, ' ').trim()
}

/** Leading comments, then the first words: what kind of statement this is. */
function statementHead(statement: string): string {
  return statement.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '').slice(0, 400)
}

/**
 * Safe to submit twice, judged by its text: it only reads, or it says what the end state is whether or
 * not it ran before (`CREATE ... IF NOT EXISTS`, `CREATE OR REPLACE`, `DROP ... IF EXISTS`).
 */
export function isIdempotentStatement(statement: string): boolean {
  const head = statementHead(statement)
  if (/^(SELECT|SHOW|DESCRIBE|DESC|EXPLAIN|VALUES|LIST)\b/i.test(head)) return true
  // A common table expression may lead an INSERT (Spark allows `WITH ... INSERT INTO`).
  if (/^WITH\b/i.test(head)) return !/\b(INSERT|UPDATE|DELETE|MERGE|CREATE|DROP|ALTER|TRUNCATE)\b/i.test(statement)
  if (/^CREATE\s+OR\s+REPLACE\b/i.test(head)) return true
  if (/^CREATE\s+(?:EXTERNAL\s+|TEMPORARY\s+|TEMP\s+)?(?:TABLE|VIEW|SCHEMA|DATABASE|CATALOG|VOLUME|FUNCTION)\s+IF\s+NOT\s+EXISTS\b/i.test(head)) return true
  return /^DROP\s+(?:TABLE|VIEW|SCHEMA|DATABASE|CATALOG|VOLUME|FUNCTION)\s+IF\s+EXISTS\b/i.test(head)
}

async function cancelQuietly(client: DatabricksClient, id: string): Promise<void> {
  try {
    await client.detached().post(`${STATEMENTS}/${id}/cancel`, {}, {idempotent: true})
  } catch {
    // Best effort: the statement may already be over.
  }
}

export function encodeParameters(parameters: Record<string, ParamValue> = {}): Array<{name: string; value?: string; type: string}> {
  return Object.entries(parameters).map(([name, given]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`Invalid parameter name '${name}'.`)
    const {value, type} = given !== null && typeof given === 'object' ? given : {value: given, type: inferType(given)}
    return value === null ? {name, type} : {name, value: String(value), type}
  })
}

function inferType(value: string | number | boolean | null): string {
  if (typeof value === 'boolean') return 'BOOLEAN'
  if (typeof value === 'number') return Number.isInteger(value) ? 'BIGINT' : 'DOUBLE'
  return 'STRING'
}

const INTEGER_TYPES = new Set(['INT', 'LONG', 'SHORT', 'BYTE', 'BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT'])
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE'])

/** Converts the API's all-strings values by column type: numbers come back as numbers. */
export function convertValue(value: string | null, type: string): unknown {
  if (value === null) return null
  if (INTEGER_TYPES.has(type)) {
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : value
  }
  if (FLOAT_TYPES.has(type)) return Number(value)
  if (type === 'DECIMAL') {
    const n = Number(value)
    return Number.isFinite(n) && Math.abs(n) < 2 ** 53 && String(n).length <= 17 ? n : value
  }
  if (type === 'BOOLEAN') return value === 'true'
  if (type === 'ARRAY' || type === 'MAP' || type === 'STRUCT') {
    try {
      return JSON.parse(value)
    } catch {
      return value
    }
  }
  return value
}

function convertRow(raw: Array<string | null>, columns: Column[]): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  columns.forEach((column, i) => {
    row[column.name] = convertValue(raw[i] ?? null, column.type_name)
  })
  return row
}
