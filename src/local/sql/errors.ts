/**
 * Failed statements as a Databricks SQL warehouse reports them: `status.error` {error_code (a
 * ServiceErrorCode), message} and `status.sql_state`, where the message is the rendered error
 * condition, `[CLASS] text SQLSTATE: xxxxx` (texts from Spark 3.5's error-classes.json, the Spark of
 * DBR 15.4; CATALOG_NOT_FOUND from Spark 4 and the Databricks error reference). DuckDB's errors are
 * translated into those conditions here, with names as the statement wrote them.
 */
import {ApiError} from '../http/errors.js'
import {SqlError} from '../sql-dialect.js'
import {DIVIDE_BY_ZERO_MARKER} from './ansi.js'

export interface StatementError {
  error_code: string
  message: string
  sql_state: string
}

const ANSI_CONFIG = '"spark.sql.ansi.enabled"'

/** Spark's toSQLId: every part in backticks. */
export function sqlId(parts: string[]): string {
  return parts.map((part) => `\`${part.replaceAll('`', '``')}\``).join('.')
}

/** An error condition with its SQLSTATE, rendered the way Databricks renders it. */
export function condition(errorClass: string, sqlState: string, text: string): SqlError {
  return new SqlError(`[${errorClass}] ${text} SQLSTATE: ${sqlState}`, sqlState)
}

export const conditions = {
  tableOrViewNotFound: (name: string[]) =>
    condition(
      'TABLE_OR_VIEW_NOT_FOUND',
      '42P01',
      `The table or view ${sqlId(name)} cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS.`,
    ),
  schemaNotFound: (name: string[]) =>
    condition(
      'SCHEMA_NOT_FOUND',
      '42704',
      `The schema ${sqlId(name)} cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a catalog, verify the current_schema() output, or qualify the name with the correct catalog.\nTo tolerate the error on drop use DROP SCHEMA IF EXISTS.`,
    ),
  catalogNotFound: (name: string) =>
    condition('CATALOG_NOT_FOUND', '42P08', `The catalog ${sqlId([name])} not found. Consider to set the SQL config ${sqlId([`spark.sql.catalog.${name}`])} to a catalog plugin.`),
  tableOrViewAlreadyExists: (name: string[]) =>
    condition(
      'TABLE_OR_VIEW_ALREADY_EXISTS',
      '42P07',
      `Cannot create table or view ${sqlId(name)} because it already exists.\nChoose a different name, drop or replace the existing object, or add the IF NOT EXISTS clause to tolerate pre-existing objects.`,
    ),
  schemaAlreadyExists: (name: string[]) =>
    condition(
      'SCHEMA_ALREADY_EXISTS',
      '42P06',
      `Cannot create schema ${sqlId(name)} because it already exists.\nChoose a different name, drop the existing schema, or add the IF NOT EXISTS clause to tolerate pre-existing schema.`,
    ),
  parseSyntaxError: (near: string | undefined, hint = '') => condition('PARSE_SYNTAX_ERROR', '42601', `Syntax error at or near ${near === undefined ? 'end of input' : `'${near}'`}${hint}.`),
  unresolvedColumn: (name: string[], proposals: string[]) =>
    proposals.length > 0
      ? condition(
          'UNRESOLVED_COLUMN.WITH_SUGGESTION',
          '42703',
          `A column or function parameter with name ${sqlId(name)} cannot be resolved. Did you mean one of the following? [${proposals.map((p) => sqlId([p])).join(', ')}].`,
        )
      : condition('UNRESOLVED_COLUMN.WITHOUT_SUGGESTION', '42703', `A column or function parameter with name ${sqlId(name)} cannot be resolved.`),
  unresolvedRoutine: (name: string) => condition('UNRESOLVED_ROUTINE', '42883', `Cannot resolve function ${sqlId([name])} on search path [\`system\`.\`builtin\`, \`system\`.\`session\`].`),
  divideByZero: () =>
    condition('DIVIDE_BY_ZERO', '22012', `Division by zero. Use \`try_divide\` to tolerate divisor being 0 and return NULL instead. If necessary set ${ANSI_CONFIG} to "false" to bypass this error.`),
  castInvalidInput: (value: string, sourceType: string, targetType: string) =>
    condition(
      'CAST_INVALID_INPUT',
      '22018',
      `The value ${value} of the type "${sourceType}" cannot be cast to "${targetType}" because it is malformed. Correct the value as per the syntax, or change its target type. Use \`try_cast\` to tolerate malformed input and return NULL instead. If necessary set ${ANSI_CONFIG} to "false" to bypass this error.`,
    ),
}

/** DuckDB's names of the types a cast targets, as Spark names them. */
const SPARK_TYPES: Record<string, string> = {
  INT8: 'TINYINT',
  INT16: 'SMALLINT',
  INT32: 'INT',
  INT64: 'BIGINT',
  INT128: 'DECIMAL(38,0)',
  UINT8: 'SMALLINT',
  UINT16: 'INT',
  UINT32: 'BIGINT',
  UINT64: 'DECIMAL(20,0)',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
}

function unquote(part: string): string {
  return part.replace(/^["`](.*)["`]$/s, '$1').replaceAll('""', '"')
}

/** The identifier chain at the caret of DuckDB's `LINE 1: ...` context, if any. */
function chainAtCaret(message: string): string[] | undefined {
  const context = /\n(LINE \d+: )(.*)\n( *)\^/.exec(message)
  if (!context) return undefined
  const rest = context[2].slice(Math.max(0, context[3].length - context[1].length))
  const chain = /^(?:"(?:[^"]|"")*"|`[^`]*`|[\p{L}\p{N}_$]+)(?:\.(?:"(?:[^"]|"")*"|`[^`]*`|[\p{L}\p{N}_$]+))*/u.exec(rest)?.[0]
  return chain ? chain.split(/\.(?=(?:[^"`]*["`][^"`]*["`])*[^"`]*$)/).map(unquote) : undefined
}

/** The dotted name in the statement that ends with `last` (what the user wrote), else just `last`. */
function writtenName(statement: string, last: string, maxParts: number): string[] {
  const names = statement.match(/(?:`[^`]*`|[\p{L}\p{N}_]+)(?:\s*\.\s*(?:`[^`]*`|[\p{L}\p{N}_]+))*/gu) ?? []
  for (const name of names) {
    const parts = name.split(/\s*\.\s*/).map(unquote)
    const at = parts.findIndex((part) => part.toLowerCase() === last.toLowerCase())
    if (at >= 0) return parts.slice(Math.max(0, at + 1 - maxParts), at + 1)
  }
  return [last]
}

function candidates(message: string): string[] {
  const line = /Candidate bindings: [:\s]*(.*)/.exec(message)?.[1] ?? ''
  return [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((match) => match[1].replace(/^.*\./, ''))
}

/** DuckDB's error for a statement, as the Databricks error condition it stands for. */
function fromEngine(message: string, statement: string): SqlError | undefined {
  let match: RegExpExecArray | null
  if (message.includes(DIVIDE_BY_ZERO_MARKER)) return conditions.divideByZero()
  if ((match = /^Parser Error: syntax error at or near "((?:[^"]|"")*)"/.exec(message))) return conditions.parseSyntaxError(match[1])
  if (/^Parser Error: syntax error at end of input/.test(message)) return conditions.parseSyntaxError(undefined)
  if ((match = /^(?:Binder|Catalog) Error: Catalog (?:with name )?"?([^"!\s]+)"? does not exist/.exec(message))) return conditions.catalogNotFound(match[1])
  if ((match = /^Catalog Error: Table with name "?([^"!]+?)"? does not exist because schema "([^"]+)" does not exist/.exec(message))) {
    const chain = chainAtCaret(message)
    return conditions.schemaNotFound(chain && chain.length > 1 ? chain.slice(0, -1) : writtenName(statement, match[2], 2))
  }
  if ((match = /^Catalog Error: Schema with name "?([^"!]+?)"? does not exist/.exec(message))) return conditions.schemaNotFound(writtenName(statement, match[1], 2))
  if ((match = /^Catalog Error: (?:Table|View) with name "?([^"!]+?)"? does not exist/.exec(message))) {
    return conditions.tableOrViewNotFound(chainAtCaret(message) ?? writtenName(statement, match[1], 3))
  }
  if ((match = /^Catalog Error: (?:Table|View) with name "?([^"!]+?)"? already exists/.exec(message))) return conditions.tableOrViewAlreadyExists(writtenName(statement, match[1], 3))
  if ((match = /^Catalog Error: Schema with name "?([^"!]+?)"? already exists/.exec(message))) return conditions.schemaAlreadyExists(writtenName(statement, match[1], 2))
  if ((match = /^Catalog Error: (?:Scalar |Aggregate |Table )?Function with name "?([^"!\s]+)"? does not exist/.exec(message))) return conditions.unresolvedRoutine(match[1])
  if ((match = /^Binder Error: Referenced column "((?:[^"]|"")*)" not found/.exec(message))) return conditions.unresolvedColumn([match[1]], candidates(message))
  if ((match = /^Binder Error: Table "((?:[^"]|"")*)" does not have a column named "((?:[^"]|"")*)"/.exec(message))) {
    return conditions.unresolvedColumn([match[1], match[2]], candidates(message))
  }
  if ((match = /^Conversion Error: Could not convert string '((?:[^']|'')*)' to ([A-Z0-9]+)/.exec(message))) {
    return conditions.castInvalidInput(`'${match[1]}'`, 'STRING', SPARK_TYPES[match[2]] ?? match[2])
  }
  if ((match = /^Conversion Error: (?:invalid )?(date|timestamp) field (?:value out of range|format): "((?:[^"]|"")*)"/i.exec(message))) {
    return conditions.castInvalidInput(`'${match[2]}'`, 'STRING', match[1].toUpperCase())
  }
  return undefined
}

/** DuckDB error classes (the `X Error:` prefix) not mapped above -> Statement API error code and SQLSTATE. */
const ENGINE_ERRORS: Array<[RegExp, string, string]> = [
  [/^Parser Error/, 'BAD_REQUEST', '42601'],
  [/^Binder Error: .*column/i, 'BAD_REQUEST', '42703'],
  [/^Binder Error/, 'BAD_REQUEST', '42000'],
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

function withSqlState(message: string, sqlState: string): string {
  return message.includes('SQLSTATE: ') ? message : `${message} SQLSTATE: ${sqlState}`
}

/** Why a statement failed, as `status.error` and `status.sql_state` carry it. */
export function statementError(error: unknown, statement: string): StatementError {
  if (error instanceof SqlError) return {error_code: 'BAD_REQUEST', message: withSqlState(error.message, error.sqlState), sql_state: error.sqlState}
  if (error instanceof ApiError) {
    const sqlState = error.errorCode.endsWith('_ALREADY_EXISTS') ? '42P07' : error.errorCode.endsWith('_DOES_NOT_EXIST') ? '42704' : '42000'
    return {error_code: 'BAD_REQUEST', message: withSqlState(`[${error.errorCode}] ${error.message}`, sqlState), sql_state: sqlState}
  }
  const message = error instanceof Error ? error.message : String(error)
  const mapped = fromEngine(message, statement)
  if (mapped) return {error_code: 'BAD_REQUEST', message: mapped.message, sql_state: mapped.sqlState}
  const match = ENGINE_ERRORS.find(([pattern]) => pattern.test(message))
  // No condition of Databricks matches: the engine's own words, without its LINE context.
  const text = message.replace(/\n+LINE \d+:[\s\S]*$/, '').trim()
  const sqlState = match?.[2] ?? 'XX000'
  return {error_code: match?.[1] ?? 'INTERNAL_ERROR', message: withSqlState(text, sqlState), sql_state: sqlState}
}
