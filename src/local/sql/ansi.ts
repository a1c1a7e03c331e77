/**
 * ANSI division for the SQL warehouse. Databricks SQL warehouses run with ANSI mode on, where `x / 0`
 * fails with DIVIDE_BY_ZERO; DuckDB answers NULL. A SELECT that divides is rewritten on DuckDB's own
 * syntax tree (json_serialize_sql): each `/` becomes a TEMP macro of the connection that raises the
 * error on a zero divisor. Other statements and SQL DuckDB cannot serialize run unchanged.
 */
import type {DuckDBConnection} from '@duckdb/node-api'

/** The marker the macro raises; the error mapping turns it into DIVIDE_BY_ZERO. */
export const DIVIDE_BY_ZERO_MARKER = 'lakectl:DIVIDE_BY_ZERO'
const MACRO = 'lakectl_ansi_divide'
/** DuckDB writes "no location" as the largest uint64, which a JavaScript number cannot hold. */
const NO_LOCATION = /"query_location":18446744073709551615/g
const NO_LOCATION_TEXT = '"query_location":"none"'

const prepared = new WeakSet<DuckDBConnection>()

interface AstNode {
  [key: string]: unknown
}

function rewriteDivisions(node: unknown): boolean {
  if (Array.isArray(node)) return node.map(rewriteDivisions).some(Boolean)
  if (node === null || typeof node !== 'object') return false
  const object = node as AstNode
  let changed = false
  if (object.class === 'FUNCTION' && object.function_name === '/' && object.is_operator === true) {
    object.function_name = MACRO
    object.is_operator = false
    changed = true
  }
  for (const value of Object.values(object)) changed = rewriteDivisions(value) || changed
  return changed
}

export async function withAnsiDivision(connection: DuckDBConnection, sql: string): Promise<string> {
  if (!sql.includes('/')) return sql
  const serialized = (await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql])).getRowObjectsJS()[0]?.ast
  if (typeof serialized !== 'string') return sql
  const ast = JSON.parse(serialized.replace(NO_LOCATION, NO_LOCATION_TEXT)) as {error?: boolean}
  if (ast.error || !rewriteDivisions(ast)) return sql
  if (!prepared.has(connection)) {
    await connection.run(`CREATE OR REPLACE TEMP MACRO ${MACRO}(a, b) AS CASE WHEN b = 0 THEN error('${DIVIDE_BY_ZERO_MARKER}') ELSE a / b END`)
    prepared.add(connection)
  }
  const text = JSON.stringify(ast).replaceAll(NO_LOCATION_TEXT, '"query_location":18446744073709551615')
  const rewritten = (await connection.runAndReadAll('SELECT json_deserialize_sql($1::JSON) AS sql', [text])).getRowObjectsJS()[0]?.sql
  return typeof rewritten === 'string' ? rewritten : sql
}
