/**
 * Databricks (Spark) SQL accepted on DuckDB. Not a full parser: the text is tokenised (string
 * literals, backtick identifiers and comments handled exactly), a few universal rewrites are applied
 * token by token (identifiers, literals, types in type positions, `:name` parameter markers), and the
 * handful of statements DuckDB lacks or that carry Unity Catalog metadata (catalogs, grants, table
 * properties, partitioning, comments, owners) are recognised by their leading keywords and turned
 * into a structured translation that the statement executor applies.
 */

/** The DuckDB database that holds the local workspace's `system` catalog (system.access.*). */
export const SYSTEM_DATABASE = '__system'

/** A statement error as Databricks reports it (an analysis or syntax error with its SQLSTATE). */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly sqlState = '42601',
  ) {
    super(message)
    this.name = 'SqlError'
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct'

interface Token {
  kind: TokenKind
  /** Original text (words, numbers, punctuation). */
  text: string
  /** Decoded value: identifier of a quoted name, content of a string, name of a parameter. */
  value: string
  /** Whitespace (and comments, as a space) before the token, kept so emitted SQL reads like the input. */
  before: string
}

const IDENT_START = /[\p{L}_]/u
const IDENT_PART = /[\p{L}\p{N}_]/u
const OPERATORS = ['<=>', '::', '<=', '>=', '<>', '!=', '==', '||', '->', '=>']

/** Spark's literal escapes (`\n`, `\'`, `\u00e9`...); an unknown escape drops the backslash, except `\%` and `\_`. */
const ESCAPES: Record<string, string> = {'0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a', "'": "'", '"': '"', '\\': '\\'}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let before = ''
  let i = 0
  const push = (kind: TokenKind, text: string, value = text) => {
    tokens.push({kind, text, value, before})
    before = ''
  }
  while (i < sql.length) {
    const ch = sql[i]
    if (/\s/.test(ch)) {
      const start = i
      while (i < sql.length && /\s/.test(sql[i])) i++
      before += sql.slice(start, i)
    } else if (sql.startsWith('--', i)) {
      while (i < sql.length && sql[i] !== '\n') i++
      before += ' '
    } else if (sql.startsWith('/*', i)) {
      i = skipBlockComment(sql, i)
      before += ' '
    } else if (ch === "'" || ch === '"') {
      const {value, end} = readString(sql, i, false)
      push('string', sql.slice(i, end), value)
      i = end
    } else if ((ch === 'r' || ch === 'R') && (sql[i + 1] === "'" || sql[i + 1] === '"')) {
      const {value, end} = readString(sql, i + 1, true)
      push('string', sql.slice(i, end), value)
      i = end
    } else if (ch === '`') {
      let value = ''
      let j = i + 1
      for (;;) {
        if (j >= sql.length) throw new SqlError('Syntax error: unclosed backtick identifier.')
        if (sql[j] === '`') {
          if (sql[j + 1] !== '`') break
          j++
        }
        value += sql[j++]
      }
      push('quoted', sql.slice(i, j + 1), value)
      i = j + 1
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:BD|[LSYDF])?(?![\p{L}\p{N}_])/iu.exec(sql.slice(i))
      if (!match) {
        // Digits that run into letters (e.g. `1st`) are a word in Spark's grammar.
        const start = i
        while (i < sql.length && IDENT_PART.test(sql[i])) i++
        push('word', sql.slice(start, i))
        continue
      }
      push('number', match[0])
      i += match[0].length
    } else if (IDENT_START.test(ch)) {
      const start = i
      while (i < sql.length && IDENT_PART.test(sql[i])) i++
      push('word', sql.slice(start, i))
    } else if (ch === ':' && isParameterMarker(sql, i)) {
      const start = ++i
      while (i < sql.length && IDENT_PART.test(sql[i])) i++
      push('param', sql.slice(start - 1, i), sql.slice(start, i))
    } else {
      const operator = OPERATORS.find((op) => sql.startsWith(op, i)) ?? ch
      push('punct', operator)
      i += operator.length
    }
  }
  return tokens
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0
  let i = start
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++
      i += 2
    } else if (sql.startsWith('*/', i)) {
      depth--
      i += 2
      if (depth === 0) return i
    } else {
      i++
    }
  }
  throw new SqlError('Syntax error: unclosed comment.')
}

function readString(sql: string, start: number, raw: boolean): {value: string; end: number} {
  const quote = sql[start]
  let value = ''
  let i = start + 1
  while (i < sql.length) {
    const ch = sql[i]
    if (ch === quote) {
      // A doubled quote is an escaped quote (as in DuckDB and standard SQL).
      if (sql[i + 1] === quote) {
        value += quote
        i += 2
        continue
      }
      return {value, end: i + 1}
    }
    if (ch === '\\' && !raw && i + 1 < sql.length) {
      const next = sql[i + 1]
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(sql.slice(i + 2, i + 6))) {
        value += String.fromCharCode(Number.parseInt(sql.slice(i + 2, i + 6), 16))
        i += 6
        continue
      }
      value += ESCAPES[next] ?? (next === '%' || next === '_' ? `\\${next}` : next)
      i += 2
      continue
    }
    value += ch
    i++
  }
  throw new SqlError('Syntax error: unclosed string literal.')
}

/** `:name` is a parameter unless it continues a name or closes an expression (`col:key`, `x::int`). */
function isParameterMarker(sql: string, at: number): boolean {
  const previous = sql[at - 1] ?? ' '
  const next = sql[at + 1] ?? ''
  return IDENT_START.test(next) && !IDENT_PART.test(previous) && !')]`\'":'.includes(previous)
}

// ---------------------------------------------------------------------------------------------
// Translation results

export type SecurableKind = 'catalog' | 'schema' | 'table'

export interface ObjectRef {
  type: SecurableKind
  /** 1 to 3 name parts as written (lower-cased); resolved against the session by the executor. */
  name: string[]
}

export interface TableDefinition {
  comment?: string
  properties: Record<string, string>
  partitionColumns: string[]
  columnComments: Record<string, string>
  location?: string
}

/** Metadata a DuckDB statement creates that DuckDB cannot hold. */
export type MetadataEffect =
  | {type: 'create-table'; table: string[]; ifNotExists: boolean; orReplace: boolean; definition: TableDefinition}
  | {type: 'create-schema'; schema: string[]; ifNotExists: boolean; comment?: string; properties: Record<string, string>}
  | {type: 'add-columns'; table: string[]; columnComments: Record<string, string>}

export type Translation =
  /** Run on DuckDB in order (one transaction when several), then apply the effect. */
  | {kind: 'duckdb'; statements: string[]; parameters: string[]; effect?: MetadataEffect}
  /** Accepted and ignored (Spark session settings). */
  | {kind: 'noop'}
  | {kind: 'create-catalog'; name: string; ifNotExists: boolean; comment?: string}
  | {kind: 'drop-catalog'; name: string; ifExists: boolean; cascade: boolean}
  | {kind: 'use'; target: 'catalog' | 'schema'; name: string[]}
  | {kind: 'grant' | 'revoke'; privileges: string[]; securable: ObjectRef; principal: string}
  | {kind: 'show-catalogs'}
  | {kind: 'show-schemas'; catalog?: string}
  | {kind: 'show-tables'; schema?: string[]}
  | {kind: 'set-owner'; securable: ObjectRef; owner: string}
  | {kind: 'set-comment'; securable: ObjectRef; comment: string | null}
  | {kind: 'set-table-properties'; table: string[]; properties: Record<string, string>}
  | {kind: 'unset-table-properties'; table: string[]; keys: string[]; ifExists: boolean}

export interface TranslateOptions {
  /** Parameter name -> Spark type (e.g. `INT`, `DECIMAL(10,2)`); markers are bound as typed casts. */
  parameters?: Record<string, string>
}

export function translate(sql: string, options: TranslateOptions = {}): Translation {
  const tokens = tokenize(sql)
  while (tokens.length > 0 && isPunct(tokens[tokens.length - 1], ';')) tokens.pop()
  if (tokens.length === 0) throw new SqlError('Syntax error: the statement is empty.')
  if (tokens.some((token) => isPunct(token, ';'))) throw new SqlError('Only one statement can be executed at a time.')
  return new Translator(tokens, options.parameters ?? {}).statement()
}

/** A Spark type (`STRING`, `DECIMAL(12,2)`, `ARRAY<STRUCT<a: INT>>`) as DuckDB type text. */
export function sparkTypeToDuckDb(typeText: string): string {
  const translator = new Translator(tokenize(typeText), {}, true)
  const type = translator.type()
  if (!translator.atEnd()) throw new SqlError(`Unsupported type '${typeText}'.`)
  return type
}

// ---------------------------------------------------------------------------------------------
// The translator

const SIMPLE_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  VARCHAR: 'VARCHAR',
  CHAR: 'VARCHAR',
  BINARY: 'BLOB',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TINYINT: 'TINYINT',
  BYTE: 'TINYINT',
  SMALLINT: 'SMALLINT',
  SHORT: 'SMALLINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  LONG: 'BIGINT',
  FLOAT: 'FLOAT',
  REAL: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMP',
  INTERVAL: 'INTERVAL',
}
const DECIMAL_TYPES = new Set(['DECIMAL', 'DEC', 'NUMERIC'])
const INTERVAL_UNITS = new Set(['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'TO'])
const NUMBER_SUFFIX_TYPES: Record<string, string> = {L: 'BIGINT', S: 'SMALLINT', Y: 'TINYINT', D: 'DOUBLE', F: 'FLOAT'}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function stringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

class Translator {
  private pos = 0
  private readonly usedParameters = new Set<string>()

  constructor(
    private readonly tokens: Token[],
    private readonly parameters: Record<string, string>,
    /** Accept only Spark's types (for API input); in SQL, other type names go to DuckDB as written. */
    private readonly sparkTypesOnly = false,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.tokens.length
  }

  statement(): Translation {
    switch (this.keyword()) {
      case 'CREATE':
        return this.create()
      case 'DROP':
        return this.drop()
      case 'ALTER':
        return this.alter()
      case 'USE':
        return this.use()
      case 'GRANT':
      case 'REVOKE':
        return this.grant()
      case 'SHOW':
        return this.show()
      case 'COMMENT':
        return this.comment()
      case 'SET':
        return this.set()
      default:
        return this.passThrough()
    }
  }

  // --- token helpers

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset]
  }

  private keyword(offset = 0): string | undefined {
    const token = this.peek(offset)
    return token?.kind === 'word' ? token.text.toUpperCase() : undefined
  }

  private acceptKeyword(...words: string[]): boolean {
    if (words.every((word, i) => this.keyword(i) === word)) {
      this.pos += words.length
      return true
    }
    return false
  }

  private expectKeyword(...words: string[]): void {
    if (!this.acceptKeyword(...words)) throw this.syntaxError(`expected ${words.join(' ')}`)
  }

  private acceptPunct(text: string): boolean {
    if (isPunct(this.peek(), text)) {
      this.pos++
      return true
    }
    return false
  }

  private expectPunct(text: string): void {
    if (!this.acceptPunct(text)) throw this.syntaxError(`expected '${text}'`)
  }

  private expectEnd(): void {
    if (!this.atEnd()) throw this.syntaxError('unexpected input')
  }

  private syntaxError(problem: string): SqlError {
    const token = this.peek()
    return new SqlError(`[PARSE_SYNTAX_ERROR] Syntax error at or near ${token ? `'${token.text}'` : 'end of input'}: ${problem}.`)
  }

  private identifier(): string {
    const token = this.peek()
    if (token?.kind === 'word') {
      this.pos++
      return token.text
    }
    if (token?.kind === 'quoted') {
      this.pos++
      return token.value
    }
    throw this.syntaxError('expected an identifier')
  }

  /** `a.b.c` as lower-case parts (Unity Catalog names are case-insensitive). */
  private qualifiedName(maxParts = 3): string[] {
    const parts = [this.identifier().toLowerCase()]
    while (this.acceptPunct('.')) parts.push(this.identifier().toLowerCase())
    if (parts.length > maxParts) throw new SqlError(`The name '${parts.join('.')}' has too many parts.`)
    return parts
  }

  private stringValue(): string {
    const token = this.peek()
    if (token?.kind !== 'string') throw this.syntaxError('expected a string literal')
    this.pos++
    return token.value
  }

  /** `(key = value, ...)` of TBLPROPERTIES, OPTIONS and DBPROPERTIES; values kept as strings. */
  private propertyList(): Record<string, string> {
    const properties: Record<string, string> = {}
    this.expectPunct('(')
    if (this.acceptPunct(')')) return properties
    do {
      const key = this.peek()?.kind === 'string' ? this.stringValue() : this.dottedKey()
      this.acceptPunct('=')
      const token = this.peek()
      if (!token || isPunct(token, ',') || isPunct(token, ')')) {
        properties[key] = ''
        continue
      }
      if (token.kind !== 'string' && token.kind !== 'number' && token.kind !== 'word') throw this.syntaxError('expected a property value')
      this.pos++
      properties[key] = token.kind === 'string' ? token.value : token.text
    } while (this.acceptPunct(','))
    this.expectPunct(')')
    return properties
  }

  private dottedKey(): string {
    const parts = [this.identifier()]
    while (this.acceptPunct('.')) parts.push(this.identifier())
    return parts.join('.')
  }

  // --- universal rewriting

  /** Emits tokens [from, to) with Spark constructs rewritten for DuckDB. */
  private emit(from: number, to: number): string {
    const saved = this.pos
    this.pos = from
    let out = ''
    let depth = 0
    const castDepths: number[] = []
    let castPending = false
    while (this.pos < to) {
      const token = this.tokens[this.pos]
      const keyword = token.kind === 'word' ? token.text.toUpperCase() : undefined
      if (keyword === 'AS' && castDepths.at(-1) === depth) {
        out += `${token.before}AS `
        this.pos++
        out += this.type()
        continue
      }
      if (isPunct(token, '::')) {
        out += `${token.before}::`
        this.pos++
        out += this.type()
        continue
      }
      const call = token.kind === 'word' && isPunct(this.tokens[this.pos + 1], '(') ? this.functionCall(token) : undefined
      if (call) {
        out += token.before + call.text
        this.pos += call.tokens
        depth += call.opens
        continue
      }
      this.pos++
      if (isPunct(token, '(')) {
        depth++
        if (castPending) castDepths.push(depth)
      } else if (isPunct(token, ')')) {
        if (castDepths.at(-1) === depth) castDepths.pop()
        depth--
      }
      castPending = (keyword === 'CAST' || keyword === 'TRY_CAST') && isPunct(this.tokens[this.pos], '(')
      out += token.before + (this.isSystemCatalog(token) ? quoteIdentifier(SYSTEM_DATABASE) : this.render(token))
    }
    this.pos = saved
    return out
  }

  /**
   * Databricks SQL functions DuckDB names or shapes differently, rewritten at the call: the text that
   * replaces the first `tokens` tokens (name, parenthesis and what was folded in) and how many
   * parentheses it leaves open.
   */
  private functionCall(name: Token): {text: string; tokens: number; opens: number} | undefined {
    const next = (offset: number) => this.tokens[this.pos + offset]
    switch (name.text.toLowerCase()) {
      // current_timestamp() is the session's TIMESTAMP (UTC); DuckDB's current_timestamp takes no parentheses.
      case 'current_timestamp':
        return isPunct(next(2), ')') ? {text: 'CAST(now() AS TIMESTAMP)', tokens: 3, opens: 0} : undefined
      // timestampdiff(SECOND, start, end): DuckDB's date_diff takes the unit as text. (Databricks' datediff with
      // a unit is the same function.)
      case 'timestampdiff': {
        const unit = next(2)
        if (unit?.kind !== 'word' || !isPunct(next(3), ',')) return undefined
        return {text: `date_diff(${stringLiteral(unit.text.toLowerCase())},`, tokens: 4, opens: 1}
      }
      // get_json_object(json, '$.path'): DuckDB's json_extract_string (which fails on invalid JSON, where
      // Spark gives NULL: keep it to text that is JSON).
      case 'get_json_object':
        return {text: 'json_extract_string(', tokens: 2, opens: 1}
      default:
        return undefined
    }
  }

  /**
   * `system` as the catalog of a three-part name (system.access.table_lineage): DuckDB keeps a `system`
   * database of its own, so the local workspace's system catalog lives under another name.
   */
  private isSystemCatalog(token: Token): boolean {
    const at = this.pos - 1
    const named = (t: Token | undefined) => t?.kind === 'word' || t?.kind === 'quoted'
    return (
      named(token) &&
      (token.kind === 'word' ? token.text : token.value).toLowerCase() === 'system' &&
      !isPunct(this.tokens[at - 1], '.') &&
      isPunct(this.tokens[at + 1], '.') &&
      named(this.tokens[at + 2]) &&
      isPunct(this.tokens[at + 3], '.') &&
      named(this.tokens[at + 4])
    )
  }

  private render(token: Token): string {
    switch (token.kind) {
      case 'quoted':
        return quoteIdentifier(token.value)
      case 'string':
        return stringLiteral(token.value)
      case 'number':
        return this.renderNumber(token.text)
      case 'param':
        return this.renderParameter(token.value)
      case 'punct':
        return token.text === '<=>' ? 'IS NOT DISTINCT FROM' : token.text
      default:
        return token.text
    }
  }

  /** Spark's typed literals (`1L`, `2.5D`, `3BD`) as casts DuckDB reads. */
  private renderNumber(text: string): string {
    const suffix = /(BD|[LSYDF])$/i.exec(text)?.[1]?.toUpperCase()
    if (!suffix) return text
    const digits = text.slice(0, -suffix.length)
    return suffix === 'BD' ? digits : `CAST(${digits} AS ${NUMBER_SUFFIX_TYPES[suffix]})`
  }

  private renderParameter(name: string): string {
    const sparkType = this.parameters[name]
    if (sparkType === undefined) throw new SqlError(`[UNBOUND_SQL_PARAMETER] Found the unbound parameter: ${name}.`, '42P02')
    this.usedParameters.add(name)
    const duckType = sparkTypeToDuckDb(sparkType)
    // Values arrive as strings; TIMESTAMP goes through TIMESTAMPTZ so an offset in the value is honoured.
    return duckType === 'TIMESTAMP' ? `CAST(CAST($${name} AS TIMESTAMPTZ) AS TIMESTAMP)` : `CAST($${name} AS ${duckType})`
  }

  /** Parses a Spark type at the cursor and returns its DuckDB text. */
  type(): string {
    const word = this.keyword()
    if (!word) throw this.syntaxError('expected a type')
    this.pos++
    if (word === 'ARRAY' && this.acceptPunct('<')) {
      const element = this.type()
      this.expectPunct('>')
      return `${element}[]`
    }
    if (word === 'MAP' && this.acceptPunct('<')) {
      const key = this.type()
      this.expectPunct(',')
      const value = this.type()
      this.expectPunct('>')
      return `MAP(${key}, ${value})`
    }
    if (word === 'STRUCT' && this.acceptPunct('<')) {
      const fields: string[] = []
      if (!this.acceptPunct('>')) {
        do fields.push(this.structField())
        while (this.acceptPunct(','))
        this.expectPunct('>')
      }
      return `STRUCT(${fields.join(', ')})`
    }
    if (DECIMAL_TYPES.has(word)) {
      // Spark's bare DECIMAL is decimal(10,0); DuckDB's would be decimal(18,3).
      if (!this.acceptPunct('(')) return 'DECIMAL(10,0)'
      const precision = this.typeNumber()
      const scale = this.acceptPunct(',') ? this.typeNumber() : '0'
      this.expectPunct(')')
      return `DECIMAL(${precision},${scale})`
    }
    if ((word === 'VARCHAR' || word === 'CHAR') && this.acceptPunct('(')) {
      this.typeNumber()
      this.expectPunct(')')
    }
    if (word === 'INTERVAL') {
      while (this.keyword() && INTERVAL_UNITS.has(this.keyword()!)) this.pos++
    }
    const simple = SIMPLE_TYPES[word]
    if (!simple && this.sparkTypesOnly) throw new SqlError(`Unsupported type '${word}'.`)
    return simple ?? word
  }

  private typeNumber(): string {
    const token = this.peek()
    if (token?.kind !== 'number' || !/^\d+$/.test(token.text)) throw this.syntaxError('expected a number')
    this.pos++
    return token.text
  }

  private structField(): string {
    // `name: type` (a `:type` written without a space reads as a parameter marker: take it as the type).
    const name = this.identifier()
    const marker = this.peek()
    let type: string
    if (marker?.kind === 'param') {
      this.pos++
      type = sparkTypeToDuckDb(marker.value)
    } else {
      this.acceptPunct(':')
      type = this.type()
    }
    if (this.acceptKeyword('NOT', 'NULL')) type += ' NOT NULL'
    if (this.acceptKeyword('COMMENT')) this.stringValue()
    return `${quoteIdentifier(name)} ${type}`
  }

  /** The whole statement with the universal rewrites only. */
  private passThrough(): Translation {
    const sql = this.emit(0, this.tokens.length).trim()
    return {kind: 'duckdb', statements: [sql], parameters: [...this.usedParameters]}
  }

  // --- statements

  private create(): Translation {
    this.expectKeyword('CREATE')
    const orReplace = this.acceptKeyword('OR', 'REPLACE')
    if (this.acceptKeyword('CATALOG')) {
      const ifNotExists = this.acceptKeyword('IF', 'NOT', 'EXISTS')
      const name = this.qualifiedName(1)[0]
      let comment: string | undefined
      for (;;) {
        if (this.acceptKeyword('COMMENT')) comment = this.stringValue()
        else if (this.acceptKeyword('MANAGED', 'LOCATION')) this.stringValue()
        else break
      }
      this.expectEnd()
      return {kind: 'create-catalog', name, ifNotExists, comment}
    }
    if (this.acceptKeyword('SCHEMA') || this.acceptKeyword('DATABASE')) return this.createSchema()
    if (this.acceptKeyword('TABLE')) return this.createTable(orReplace)
    return this.passThrough()
  }

  private createSchema(): Translation {
    const ifNotExists = this.acceptKeyword('IF', 'NOT', 'EXISTS')
    const schema = this.qualifiedName(2)
    let comment: string | undefined
    let properties: Record<string, string> = {}
    while (!this.atEnd()) {
      if (this.acceptKeyword('COMMENT')) comment = this.stringValue()
      else if (this.acceptKeyword('MANAGED', 'LOCATION') || this.acceptKeyword('LOCATION')) this.stringValue()
      else if (this.acceptKeyword('WITH', 'DBPROPERTIES') || this.acceptKeyword('WITH', 'PROPERTIES')) properties = this.propertyList()
      else throw this.syntaxError('unsupported clause in CREATE SCHEMA')
    }
    const sql = `CREATE SCHEMA ${ifNotExists ? 'IF NOT EXISTS ' : ''}${schema.map(quoteIdentifier).join('.')}`
    return {kind: 'duckdb', statements: [sql], parameters: [], effect: {type: 'create-schema', schema, ifNotExists, comment, properties}}
  }

  private createTable(orReplace: boolean): Translation {
    const ifNotExists = this.acceptKeyword('IF', 'NOT', 'EXISTS')
    const table = this.qualifiedName()
    const definition: TableDefinition = {properties: {}, partitionColumns: [], columnComments: {}}
    let columns: string[] | undefined
    if (isPunct(this.peek(), '(')) columns = this.columnDefinitions(definition.columnComments)
    let query: string | undefined
    while (!this.atEnd()) {
      if (this.acceptKeyword('USING')) this.identifier()
      else if (this.acceptKeyword('PARTITIONED', 'BY')) definition.partitionColumns = this.identifierList()
      else if (this.acceptKeyword('CLUSTER', 'BY')) {
        if (!this.acceptKeyword('AUTO') && !this.acceptKeyword('NONE')) this.identifierList()
      } else if (this.acceptKeyword('LOCATION')) definition.location = this.stringValue()
      else if (this.acceptKeyword('COMMENT')) definition.comment = this.stringValue()
      else if (this.acceptKeyword('TBLPROPERTIES')) definition.properties = this.propertyList()
      else if (this.acceptKeyword('OPTIONS')) this.propertyList()
      else if (this.acceptKeyword('AS')) {
        query = this.emit(this.pos, this.tokens.length).trim()
        this.pos = this.tokens.length
      } else throw this.syntaxError('unsupported clause in CREATE TABLE')
    }
    if (!columns && query === undefined) throw new SqlError('CREATE TABLE needs a column list or AS query.')
    const head = `CREATE ${orReplace ? 'OR REPLACE ' : ''}TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${table.map(quoteIdentifier).join('.')}`
    const sql = `${head}${columns ? ` (${columns.join(', ')})` : ''}${query === undefined ? '' : ` AS ${query}`}`
    return {
      kind: 'duckdb',
      statements: [sql],
      parameters: [...this.usedParameters],
      effect: {type: 'create-table', table, ifNotExists, orReplace, definition},
    }
  }

  /** `(name TYPE [NOT NULL] [DEFAULT ...] [COMMENT '...'], ...)`; comments are collected, not emitted. */
  private columnDefinitions(comments: Record<string, string>): string[] {
    this.expectPunct('(')
    const definitions: string[] = []
    do definitions.push(this.columnDefinition(comments))
    while (this.acceptPunct(','))
    this.expectPunct(')')
    return definitions
  }

  private columnDefinition(comments: Record<string, string>): string {
    if (['CONSTRAINT', 'PRIMARY', 'FOREIGN', 'CHECK', 'UNIQUE'].includes(this.keyword() ?? '')) {
      const start = this.pos
      this.skipToDefinitionEnd()
      return this.emit(start, this.pos).trim()
    }
    const name = this.identifier()
    const type = this.type()
    let rest = ''
    while (!this.atEnd() && !isPunct(this.peek(), ',') && !isPunct(this.peek(), ')')) {
      if (this.acceptKeyword('COMMENT')) {
        comments[name] = this.stringValue()
        continue
      }
      const start = this.pos
      this.skipToDefinitionEnd(['COMMENT'])
      rest += this.emit(start, this.pos)
    }
    return `${quoteIdentifier(name)} ${type}${rest}`
  }

  /** Moves past balanced tokens up to the next top-level `,` or `)` (or one of the stop keywords). */
  private skipToDefinitionEnd(stopKeywords: string[] = []): void {
    let depth = 0
    while (!this.atEnd()) {
      const token = this.peek()!
      if (depth === 0 && (isPunct(token, ',') || isPunct(token, ')') || stopKeywords.includes(this.keyword() ?? ''))) return
      if (isPunct(token, '(')) depth++
      if (isPunct(token, ')')) depth--
      this.pos++
    }
  }

  private identifierList(): string[] {
    this.expectPunct('(')
    const names: string[] = []
    do names.push(this.identifier())
    while (this.acceptPunct(','))
    this.expectPunct(')')
    return names
  }

  private drop(): Translation {
    this.expectKeyword('DROP')
    if (this.acceptKeyword('CATALOG')) {
      const ifExists = this.acceptKeyword('IF', 'EXISTS')
      const name = this.qualifiedName(1)[0]
      const cascade = this.acceptKeyword('CASCADE')
      if (!cascade) this.acceptKeyword('RESTRICT')
      this.expectEnd()
      return {kind: 'drop-catalog', name, ifExists, cascade}
    }
    if (this.keyword() === 'DATABASE') {
      return {kind: 'duckdb', statements: [`DROP SCHEMA${this.emit(this.pos + 1, this.tokens.length)}`], parameters: []}
    }
    return this.passThrough()
  }

  private alter(): Translation {
    this.expectKeyword('ALTER')
    const kind = this.securableKeyword()
    if (!kind) return this.passThrough()
    const name = this.qualifiedName(kind === 'catalog' ? 1 : kind === 'schema' ? 2 : 3)
    if (this.acceptKeyword('OWNER', 'TO') || this.acceptKeyword('SET', 'OWNER', 'TO')) {
      const owner = this.principal()
      this.expectEnd()
      return {kind: 'set-owner', securable: {type: kind, name}, owner}
    }
    if (kind !== 'table') return this.passThrough()
    if (this.acceptKeyword('SET', 'TBLPROPERTIES')) {
      const properties = this.propertyList()
      this.expectEnd()
      return {kind: 'set-table-properties', table: name, properties}
    }
    if (this.acceptKeyword('UNSET', 'TBLPROPERTIES')) {
      const ifExists = this.acceptKeyword('IF', 'EXISTS')
      const keys = Object.keys(this.propertyList())
      this.expectEnd()
      return {kind: 'unset-table-properties', table: name, keys, ifExists}
    }
    if (this.acceptKeyword('ADD', 'COLUMNS') || this.acceptKeyword('ADD', 'COLUMN')) {
      const columnComments: Record<string, string> = {}
      const definitions = isPunct(this.peek(), '(') ? this.columnDefinitions(columnComments) : [this.columnDefinition(columnComments)]
      this.expectEnd()
      const target = name.map(quoteIdentifier).join('.')
      return {
        kind: 'duckdb',
        statements: definitions.map((definition) => `ALTER TABLE ${target} ADD COLUMN ${definition}`),
        parameters: [],
        effect: {type: 'add-columns', table: name, columnComments},
      }
    }
    return this.passThrough()
  }

  private securableKeyword(): SecurableKind | undefined {
    if (this.acceptKeyword('CATALOG')) return 'catalog'
    if (this.acceptKeyword('SCHEMA') || this.acceptKeyword('DATABASE')) return 'schema'
    if (this.acceptKeyword('TABLE') || this.acceptKeyword('VIEW')) return 'table'
    return undefined
  }

  private principal(): string {
    const token = this.peek()
    if (token?.kind === 'string') return this.stringValue()
    return this.identifier()
  }

  private use(): Translation {
    this.expectKeyword('USE')
    let target: 'catalog' | 'schema' = 'schema'
    if (this.acceptKeyword('CATALOG')) target = 'catalog'
    else if (!this.acceptKeyword('SCHEMA')) this.acceptKeyword('DATABASE')
    const name = this.qualifiedName(target === 'catalog' ? 1 : 2)
    this.expectEnd()
    return {kind: 'use', target, name}
  }

  private grant(): Translation {
    const kind = this.keyword() === 'GRANT' ? 'grant' : 'revoke'
    this.pos++
    const privileges: string[] = []
    do {
      const words: string[] = []
      while (this.keyword() && this.keyword() !== 'ON') {
        words.push(this.keyword()!)
        this.pos++
      }
      if (words.length === 0) throw this.syntaxError('expected a privilege')
      const privilege = words.join('_')
      privileges.push(privilege === 'ALL' ? 'ALL_PRIVILEGES' : privilege)
    } while (this.acceptPunct(','))
    this.expectKeyword('ON')
    const type = this.securableKeyword() ?? 'table'
    const name = this.qualifiedName(type === 'catalog' ? 1 : type === 'schema' ? 2 : 3)
    this.expectKeyword(kind === 'grant' ? 'TO' : 'FROM')
    const principal = this.principal()
    this.expectEnd()
    return {kind, privileges, securable: {type, name}, principal}
  }

  private show(): Translation {
    this.expectKeyword('SHOW')
    if (this.acceptKeyword('CATALOGS')) {
      this.expectEnd()
      return {kind: 'show-catalogs'}
    }
    if (this.acceptKeyword('SCHEMAS') || this.acceptKeyword('DATABASES')) {
      const catalog = this.acceptKeyword('IN') || this.acceptKeyword('FROM') ? this.qualifiedName(1)[0] : undefined
      this.expectEnd()
      return {kind: 'show-schemas', catalog}
    }
    if (this.acceptKeyword('TABLES')) {
      const schema = this.acceptKeyword('IN') || this.acceptKeyword('FROM') ? this.qualifiedName(2) : undefined
      this.expectEnd()
      return {kind: 'show-tables', schema}
    }
    return this.passThrough()
  }

  private comment(): Translation {
    this.expectKeyword('COMMENT', 'ON')
    const type = this.securableKeyword()
    if (!type) return this.passThrough()
    const name = this.qualifiedName(type === 'catalog' ? 1 : type === 'schema' ? 2 : 3)
    this.expectKeyword('IS')
    const comment = this.acceptKeyword('NULL') ? null : this.stringValue()
    this.expectEnd()
    return {kind: 'set-comment', securable: {type, name}, comment}
  }

  /** Spark session settings (`SET spark.sql.x = y`) mean nothing here; anything else goes to DuckDB. */
  private set(): Translation {
    const dotted = this.peek(1)?.kind === 'word' && isPunct(this.peek(2), '.')
    return dotted ? {kind: 'noop'} : this.passThrough()
  }
}
