/**
 * The tables of DESIGN section 1, described by parsing resources/sql/ddl/<schema>.<table>.sql, so the
 * DDL files stay the one source: the bootstrap planner compares these specs with Unity Catalog's
 * `columns[].type_text` (lower-case Spark type text such as `bigint` or `decimal(12,2)`).
 *
 * The parser accepts the restricted form those files use:
 *   CREATE TABLE IF NOT EXISTS {{catalog}}.<schema>.<table> (<name> <TYPE> [NOT NULL] [COMMENT '...'], ...)
 *   USING DELTA [PARTITIONED BY (<column>, ...)] [COMMENT '...'] [TBLPROPERTIES ('<key>' = '<value>', ...)]
 */
import {readdirSync} from 'node:fs'
import path from 'node:path'

import {readResource, SQL_DIR} from './resources.js'

export interface ColumnSpec {
  name: string
  /** Spark type text as Unity Catalog reports it: `string`, `bigint`, `decimal(12,2)`, ... */
  type: string
  nullable: boolean
  comment?: string
}

export interface TableSpec {
  schema: string
  name: string
  /** `<schema>.<table>`: the name without the catalog. */
  id: string
  columns: ColumnSpec[]
  partitionColumns: string[]
  properties: Record<string, string>
  comment?: string
  /** The DDL file relative to resources/sql/, for renderSql(). */
  file: string
}

const DDL_DIR = 'ddl'
const SIMPLE_TYPES = new Set(['string', 'bigint', 'int', 'double', 'timestamp', 'date', 'boolean'])

export function loadTableSpecs(): TableSpec[] {
  return readdirSync(path.join(SQL_DIR, DDL_DIR))
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const relative = `${DDL_DIR}/${file}`
      const spec = parseTableDdl(readResource('sql', DDL_DIR, file), relative)
      if (`${spec.id}.sql` !== file) throw new Error(`${relative} defines ${spec.id}: the file must be named ${spec.id}.sql`)
      return spec
    })
}

/** `<catalog>.<schema>.<table>` */
export function fullTableName(catalog: string, spec: Pick<TableSpec, 'id'>): string {
  return `${catalog}.${spec.id}`
}

type Token = {kind: 'word' | 'string' | 'number' | 'symbol' | 'placeholder'; text: string}

function tokenize(sql: string, file: string): Token[] {
  const tokens: Token[] = []
  const pattern = /\s+|--[^\n]*|'((?:[^']|'')*)'|\{\{([a-z_]+)\}\}|([A-Za-z_][A-Za-z0-9_]*)|([0-9]+)|([(),.=])/y
  let match: RegExpExecArray | null
  while (pattern.lastIndex < sql.length && (match = pattern.exec(sql))) {
    if (match[1] !== undefined) tokens.push({kind: 'string', text: match[1].replaceAll("''", "'")})
    else if (match[2] !== undefined) tokens.push({kind: 'placeholder', text: match[2]})
    else if (match[3] !== undefined) tokens.push({kind: 'word', text: match[3]})
    else if (match[4] !== undefined) tokens.push({kind: 'number', text: match[4]})
    else if (match[5] !== undefined) tokens.push({kind: 'symbol', text: match[5]})
  }
  if (pattern.lastIndex < sql.length) throw new Error(`${file}: unexpected text at '${sql.slice(pattern.lastIndex, pattern.lastIndex + 20)}'`)
  return tokens
}

class TokenReader {
  private position = 0

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  get done(): boolean {
    return this.position >= this.tokens.length
  }

  peek(): Token | undefined {
    return this.tokens[this.position]
  }

  next(kind: Token['kind'], text?: string): string {
    const token = this.tokens[this.position]
    const matches = token?.kind === kind && (text === undefined || token.text.toUpperCase() === text)
    if (!matches) throw new Error(`${this.file}: expected ${text ?? kind} but found '${token?.text ?? 'end of file'}'`)
    this.position++
    return token.text
  }

  /** Consumes the keyword (or symbol) when it comes next. */
  accept(text: string): boolean {
    const token = this.peek()
    if (token && (token.kind === 'word' || token.kind === 'symbol') && token.text.toUpperCase() === text) {
      this.position++
      return true
    }
    return false
  }

  keywords(...words: string[]): void {
    for (const word of words) this.next('word', word)
  }

  /** Items separated by commas inside parentheses. */
  list<T>(item: () => T): T[] {
    this.next('symbol', '(')
    const items = [item()]
    while (this.accept(',')) items.push(item())
    this.next('symbol', ')')
    return items
  }
}

export function parseTableDdl(sql: string, file: string): TableSpec {
  const reader = new TokenReader(tokenize(sql, file), file)
  reader.keywords('CREATE', 'TABLE', 'IF', 'NOT', 'EXISTS')
  const catalog = reader.peek()
  if (catalog?.kind !== 'placeholder' || catalog.text !== 'catalog') throw new Error(`${file}: the table name must start with {{catalog}}`)
  reader.next('placeholder')
  reader.next('symbol', '.')
  const schema = reader.next('word')
  reader.next('symbol', '.')
  const name = reader.next('word')
  const columns = reader.list(() => parseColumn(reader))
  const spec: TableSpec = {schema, name, id: `${schema}.${name}`, columns, partitionColumns: [], properties: {}, file}
  while (!reader.done) {
    if (reader.accept('USING')) {
      const format = reader.next('word')
      if (format.toUpperCase() !== 'DELTA') throw new Error(`${file}: tables are Delta tables, not ${format}`)
    } else if (reader.accept('PARTITIONED')) {
      reader.keywords('BY')
      spec.partitionColumns = reader.list(() => reader.next('word'))
    } else if (reader.accept('COMMENT')) {
      spec.comment = reader.next('string')
    } else if (reader.accept('TBLPROPERTIES')) {
      for (const [key, value] of reader.list(() => parseProperty(reader))) spec.properties[key] = value
    } else {
      throw new Error(`${file}: unexpected '${reader.peek()?.text}' after the column list`)
    }
  }
  const names = new Set(columns.map((c) => c.name))
  for (const column of spec.partitionColumns) {
    if (!names.has(column)) throw new Error(`${file}: partition column ${column} is not a column of the table`)
  }
  return spec
}

function parseProperty(reader: TokenReader): [string, string] {
  const key = reader.next('string')
  reader.next('symbol', '=')
  return [key, reader.next('string')]
}

function parseColumn(reader: TokenReader): ColumnSpec {
  const name = reader.next('word')
  let type = reader.next('word').toLowerCase()
  if (type === 'decimal') {
    const [precision, scale] = reader.list(() => reader.next('number'))
    type = `decimal(${precision},${scale})`
  } else if (!SIMPLE_TYPES.has(type)) {
    throw new Error(`column ${name}: type ${type.toUpperCase()} is not one of the portable types`)
  }
  const column: ColumnSpec = {name, type, nullable: true}
  for (;;) {
    if (reader.accept('NOT')) {
      reader.keywords('NULL')
      column.nullable = false
    } else if (reader.accept('COMMENT')) {
      column.comment = reader.next('string')
    } else {
      return column
    }
  }
}
