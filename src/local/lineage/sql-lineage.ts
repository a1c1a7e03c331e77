/**
 * Lineage of one SQL statement, as Unity Catalog infers it: the table it writes, every table it reads,
 * and for each written column the source columns its value is derived from (the expressions that
 * produce it; filters and join keys do not count, as in system.access.column_lineage).
 *
 * The statement's shape (INSERT, MERGE, CREATE ... AS, UPDATE) is read from its tokens; each query in
 * it is parsed by DuckDB's own parser (json_serialize_sql, after the Spark-to-DuckDB translation) and
 * its syntax tree walked: relations in FROM (tables, views, subqueries, CTEs, joins), star expansion,
 * set operations, correlated and uncorrelated subqueries.
 */
import {translate, tokenize} from '../sql-dialect.js'

/** A column of a named relation: a catalog table (full name) or a name the resolver knows. */
export interface ColumnSource {
  table: string
  column: string
}

/** What a name in a FROM clause is, as the caller knows it. */
export type Relation =
  /** A catalog table or view: its full name and columns in order. */
  | {kind: 'table'; name: string; columns: string[]}
  /** A derived relation the caller analysed before (a pipeline step's temp view): its columns' sources and the tables it read. */
  | {kind: 'derived'; columns: Array<{name: string; sources: ColumnSource[]}>; reads: string[]}

export type Resolve = (parts: string[]) => Relation | undefined

/** Parses one DuckDB SELECT into its syntax tree (DuckDB's json_serialize_sql). */
export type ParseSelect = (sql: string) => Promise<QueryNode>

export interface StatementLineage {
  kind: 'select' | 'insert' | 'merge' | 'create-table' | 'create-view' | 'update' | 'delete' | 'other'
  /** The written table or view as named in the statement (not resolved). */
  target?: string[]
  /** Full names of the tables and views read, sorted. */
  reads: string[]
  /** Written (or, for a SELECT, returned) columns with their sources; a column without sources is absent. */
  columns: Array<{column: string; sources: ColumnSource[]}>
}

type Json = Record<string, any>
export type QueryNode = Json

type Token = ReturnType<typeof tokenize>[number]

// ---------------------------------------------------------------------------------------------
// Statements

export async function statementLineage(sql: string, parse: ParseSelect, resolve: Resolve): Promise<StatementLineage> {
  const tokens = tokenize(sql).filter((token, i, all) => !(i === all.length - 1 && isPunct(token, ';')))
  const word = (i: number) => (tokens[i]?.kind === 'word' ? tokens[i].text.toUpperCase() : '')
  const analyse = (from: number, to: number) => analyseQuery(textOf(tokens, from, to), parse, resolve)
  const first = word(0)
  if (first === 'SELECT' || first === 'WITH' || first === 'FROM' || isPunct(tokens[0], '(')) {
    const query = await analyse(0, tokens.length)
    return {kind: 'select', reads: query.reads, columns: query.columns.map(({name, sources}) => ({column: name, sources}))}
  }
  if (first === 'INSERT') return insertLineage(tokens, resolve, analyse)
  if (first === 'MERGE') return mergeLineage(tokens, parse, resolve)
  if (first === 'CREATE') return createLineage(tokens, analyse)
  if (first === 'UPDATE') return updateLineage(tokens, parse, resolve)
  if (first === 'DELETE') {
    const at = indexOfWord(tokens, 'FROM', 1)
    return {kind: 'delete', target: at < 0 ? undefined : nameAt(tokens, at + 1).name, reads: [], columns: []}
  }
  return {kind: 'other', reads: [], columns: []}
}

type Analyse = (from: number, to: number) => Promise<QueryLineage>

async function insertLineage(tokens: Token[], resolve: Resolve, analyse: Analyse): Promise<StatementLineage> {
  let i = 1
  while (['INTO', 'OVERWRITE', 'TABLE'].includes(upper(tokens[i]))) i++
  const {name: target, end} = nameAt(tokens, i)
  i = end
  let byName = false
  if (upper(tokens[i]) === 'BY' && upper(tokens[i + 1]) === 'NAME') {
    byName = true
    i += 2
  }
  let listed: string[] | undefined
  if (isPunct(tokens[i], '(') && !startsQuery(tokens, i + 1)) {
    const close = matching(tokens, i)
    listed = splitTopLevel(tokens, i + 1, close).map(([from]) => identifierOf(tokens[from]))
    i = close + 1
  }
  if (upper(tokens[i]) === 'VALUES' || i >= tokens.length) return {kind: 'insert', target, reads: [], columns: []}
  const query = await analyse(i, tokens.length)
  const names = listed ?? (byName ? query.columns.map((c) => c.name) : tableColumns(resolve(target)) ?? query.columns.map((c) => c.name))
  const columns = byName
    ? query.columns.map((c) => ({column: c.name, sources: c.sources}))
    : query.columns.map((c, position) => ({column: names[position], sources: c.sources})).filter((c) => c.column !== undefined)
  return {kind: 'insert', target, reads: query.reads, columns: withSources(columns)}
}

async function createLineage(tokens: Token[], analyse: Analyse): Promise<StatementLineage> {
  let i = 1
  if (upper(tokens[i]) === 'OR' && upper(tokens[i + 1]) === 'REPLACE') i += 2
  while (['TEMP', 'TEMPORARY', 'GLOBAL', 'LOCAL', 'EXTERNAL'].includes(upper(tokens[i]))) i++
  const kind = upper(tokens[i])
  if (kind !== 'TABLE' && kind !== 'VIEW') return {kind: 'other', reads: [], columns: []}
  i++
  if (upper(tokens[i]) === 'IF' && upper(tokens[i + 1]) === 'NOT' && upper(tokens[i + 2]) === 'EXISTS') i += 3
  const {name: target, end} = nameAt(tokens, i)
  // Column names of `CREATE VIEW v (a, b COMMENT '...') AS ...` rename the query's columns.
  let renamed: string[] | undefined
  if (kind === 'VIEW' && isPunct(tokens[end], '(')) renamed = splitTopLevel(tokens, end + 1, matching(tokens, end)).map(([from]) => identifierOf(tokens[from]))
  let depth = 0
  for (let j = end; j < tokens.length; j++) {
    if (isPunct(tokens[j], '(')) depth++
    else if (isPunct(tokens[j], ')')) depth--
    else if (depth === 0 && upper(tokens[j]) === 'AS' && startsQuery(tokens, j + 1)) {
      const query = await analyse(j + 1, tokens.length)
      const columns = query.columns.map((c, position) => ({column: renamed?.[position] ?? c.name, sources: c.sources}))
      return {kind: kind === 'VIEW' ? 'create-view' : 'create-table', target, reads: query.reads, columns: withSources(columns)}
    }
  }
  return {kind: kind === 'VIEW' ? 'create-view' : 'create-table', target, reads: [], columns: []}
}

/**
 * MERGE INTO target [AS] t USING source [AS] s ON ... WHEN ... THEN UPDATE SET c = expr | INSERT (cols) VALUES (exprs).
 * Each assignment's expression is analysed as `SELECT expr FROM source AS s, target AS t`; references to
 * the target itself are not lineage.
 */
async function mergeLineage(tokens: Token[], parse: ParseSelect, resolve: Resolve): Promise<StatementLineage> {
  let i = 1
  if (upper(tokens[i]) === 'INTO') i++
  const {name: target, end: afterTarget} = nameAt(tokens, i)
  const targetAlias = aliasAt(tokens, afterTarget)
  i = targetAlias.end
  if (upper(tokens[i]) !== 'USING') return {kind: 'merge', target, reads: [], columns: []}
  i++
  const sourceStart = i
  const sourceEnd = isPunct(tokens[i], '(') ? matching(tokens, i) + 1 : nameAt(tokens, i).end
  const sourceAlias = aliasAt(tokens, sourceEnd)
  const source = textOf(tokens, sourceStart, sourceEnd)
  const tAlias = targetAlias.alias ?? target[target.length - 1]
  const sAlias = sourceAlias.alias ?? (isPunct(tokens[sourceStart], '(') ? '__source' : nameAt(tokens, sourceStart).name.at(-1)!)
  const assignments: Array<{column: string; expression: string}> = []
  let star = false
  for (let j = sourceAlias.end; j < tokens.length; j++) {
    if (upper(tokens[j]) === 'SET' && upper(tokens[j - 1]) === 'UPDATE') {
      if (isPunct(tokens[j + 1], '*')) {
        star = true
        continue
      }
      const stop = indexOfClause(tokens, j + 1)
      for (const [from, to] of splitTopLevel(tokens, j + 1, stop)) {
        const equals = tokens.findIndex((token, k) => k >= from && k < to && isPunct(token, '='))
        if (equals < 0) continue
        assignments.push({column: identifierOf(tokens[equals - 1]), expression: textOf(tokens, equals + 1, to)})
      }
    } else if (upper(tokens[j]) === 'INSERT') {
      if (isPunct(tokens[j + 1], '*')) {
        star = true
        continue
      }
      if (!isPunct(tokens[j + 1], '(')) continue
      const close = matching(tokens, j + 1)
      const columns = splitTopLevel(tokens, j + 2, close).map(([from]) => identifierOf(tokens[from]))
      if (upper(tokens[close + 1]) !== 'VALUES' || !isPunct(tokens[close + 2], '(')) continue
      const valuesClose = matching(tokens, close + 2)
      splitTopLevel(tokens, close + 3, valuesClose).forEach(([from, to], position) => {
        if (columns[position]) assignments.push({column: columns[position], expression: textOf(tokens, from, to)})
      })
    }
  }
  const targetName = target.join('.')
  const from = `FROM ${source} AS ${sAlias} CROSS JOIN ${targetName} AS ${tAlias}`
  const select = [
    ...assignments.map((a, n) => `${a.expression} AS __c${n}`),
    ...(star ? [`${sAlias}.*`] : []),
  ]
  if (select.length === 0) {
    const reads = (await analyseQuery(`SELECT 1 ${from}`, parse, resolve)).reads
    return {kind: 'merge', target, reads: reads.filter((r) => r !== fullNameOf(resolve, target)), columns: []}
  }
  const query = await analyseQuery(`SELECT ${select.join(', ')} ${from}`, parse, resolve)
  const self = fullNameOf(resolve, target)
  const byColumn = new Map<string, ColumnSource[]>()
  query.columns.forEach((c, n) => {
    const column = n < assignments.length ? assignments[n].column : c.name
    const sources = c.sources.filter((s) => s.table !== self)
    byColumn.set(column, mergeSources(byColumn.get(column) ?? [], sources))
  })
  return {
    kind: 'merge',
    target,
    reads: query.reads.filter((r) => r !== self),
    columns: withSources([...byColumn].map(([column, sources]) => ({column, sources}))),
  }
}

async function updateLineage(tokens: Token[], parse: ParseSelect, resolve: Resolve): Promise<StatementLineage> {
  const {name: target, end} = nameAt(tokens, 1)
  const alias = aliasAt(tokens, end)
  if (upper(tokens[alias.end]) !== 'SET') return {kind: 'update', target, reads: [], columns: []}
  const stop = tokens.findIndex((token, k) => k > alias.end && (upper(token) === 'WHERE' || upper(token) === 'FROM'))
  const assignments = splitTopLevel(tokens, alias.end + 1, stop < 0 ? tokens.length : stop).flatMap(([from, to]) => {
    const equals = tokens.findIndex((token, k) => k >= from && k < to && isPunct(token, '='))
    return equals < 0 ? [] : [{column: identifierOf(tokens[equals - 1]), expression: textOf(tokens, equals + 1, to)}]
  })
  const rest = stop >= 0 && upper(tokens[stop]) === 'FROM' ? `, ${textOf(tokens, stop + 1, indexOfWord(tokens, 'WHERE', stop) < 0 ? tokens.length : indexOfWord(tokens, 'WHERE', stop))}` : ''
  if (!assignments.length) return {kind: 'update', target, reads: [], columns: []}
  const query = await analyseQuery(`SELECT ${assignments.map((a, n) => `${a.expression} AS __c${n}`).join(', ')} FROM ${target.join('.')} AS ${alias.alias ?? target.at(-1)}${rest}`, parse, resolve)
  const self = fullNameOf(resolve, target)
  return {
    kind: 'update',
    target,
    reads: query.reads.filter((r) => r !== self),
    columns: withSources(query.columns.map((c, n) => ({column: assignments[n].column, sources: c.sources.filter((s) => s.table !== self)}))),
  }
}

// ---------------------------------------------------------------------------------------------
// Queries

interface QueryLineage {
  columns: Array<{name: string; sources: ColumnSource[]}>
  reads: string[]
}

/** A relation in a query's scope: its columns (name -> sources), unknown when a table's columns are not known. */
interface ScopeRelation {
  alias: string
  /** The relation's own name (last part), for `table.column` references without an alias. */
  name: string
  columns: Map<string, ColumnSource[]> | undefined
  order: string[]
}

interface Scope {
  relations: ScopeRelation[]
  parent?: Scope
}

async function analyseQuery(spark: string, parse: ParseSelect, resolve: Resolve): Promise<QueryLineage> {
  const parameters = Object.fromEntries(tokenize(spark).filter((t) => t.kind === 'param').map((t) => [t.value, 'STRING']))
  const translation = translate(spark, {parameters})
  if (translation.kind !== 'duckdb' || translation.statements.length !== 1) throw new Error('expected one query')
  const node = await parse(translation.statements[0])
  const reads = new Set<string>()
  const columns = queryNode(node, new Map(), undefined, resolve, reads)
  return {columns, reads: [...reads].sort()}
}

type Ctes = Map<string, Array<{name: string; sources: ColumnSource[]}>>

function queryNode(node: Json, outerCtes: Ctes, outer: Scope | undefined, resolve: Resolve, reads: Set<string>): Array<{name: string; sources: ColumnSource[]}> {
  const ctes: Ctes = new Map(outerCtes)
  for (const {key, value} of node.cte_map?.map ?? []) ctes.set(String(key).toLowerCase(), queryNode(value.query.node, ctes, outer, resolve, reads))
  if (node.type === 'SET_OPERATION_NODE') {
    const parts: Json[] = node.children ?? [node.left, node.right]
    const outputs = parts.map((part) => queryNode(part, ctes, outer, resolve, reads))
    return outputs[0].map((column, i) => ({name: column.name, sources: mergeSources(...outputs.map((o) => o[i]?.sources ?? []))}))
  }
  if (node.type !== 'SELECT_NODE') return []
  const scope: Scope = {relations: [], parent: outer}
  fromClause(node.from_table, scope, ctes, resolve, reads)
  for (const clause of [node.where_clause, node.having, node.qualify, ...(node.group_expressions ?? [])]) if (clause) subqueryReads(clause, scope, ctes, resolve, reads)
  const out: Array<{name: string; sources: ColumnSource[]}> = []
  for (const expression of node.select_list ?? []) {
    if (expression.class === 'STAR') {
      const relations = expression.relation_name ? scope.relations.filter((r) => r.alias === String(expression.relation_name).toLowerCase()) : scope.relations
      for (const relation of relations) for (const name of relation.order) out.push({name, sources: relation.columns?.get(name) ?? []})
      continue
    }
    out.push({name: outputName(expression), sources: expressionSources(expression, scope, ctes, resolve, reads)})
  }
  return out
}

function fromClause(ref: Json | null, scope: Scope, ctes: Ctes, resolve: Resolve, reads: Set<string>): void {
  if (!ref) return
  switch (ref.type) {
    case 'JOIN':
      fromClause(ref.left, scope, ctes, resolve, reads)
      fromClause(ref.right, scope, ctes, resolve, reads)
      if (ref.condition) subqueryReads(ref.condition, scope, ctes, resolve, reads)
      return
    case 'SUBQUERY': {
      const columns = renameColumns(queryNode(ref.subquery.node, ctes, scope.parent, resolve, reads), ref.column_name_alias)
      scope.relations.push(relationOf(String(ref.alias || '').toLowerCase(), '', columns))
      return
    }
    case 'BASE_TABLE': {
      const parts = [ref.catalog_name, ref.schema_name, ref.table_name].filter(Boolean).map((p: string) => p.toLowerCase())
      const alias = String(ref.alias || parts.at(-1)).toLowerCase()
      const cte = parts.length === 1 ? ctes.get(parts[0]) : undefined
      if (cte) {
        scope.relations.push(relationOf(alias, parts[0], renameColumns(cte, ref.column_name_alias)))
        return
      }
      const relation = resolve(parts)
      if (!relation) {
        reads.add(parts.join('.'))
        scope.relations.push({alias, name: parts.at(-1)!, columns: undefined, order: []})
        return
      }
      if (relation.kind === 'table') {
        reads.add(relation.name)
        const columns = relation.columns.map((name) => ({name, sources: [{table: relation.name, column: name}]}))
        scope.relations.push(relationOf(alias, parts.at(-1)!, renameColumns(columns, ref.column_name_alias)))
      } else {
        for (const table of relation.reads) reads.add(table)
        scope.relations.push(relationOf(alias, parts.at(-1)!, renameColumns(relation.columns, ref.column_name_alias)))
      }
      return
    }
    default:
      // Table functions and the like: their arguments may still read tables through subqueries.
      subqueryReads(ref, scope, ctes, resolve, reads)
  }
}

function relationOf(alias: string, name: string, columns: Array<{name: string; sources: ColumnSource[]}>): ScopeRelation {
  const map = new Map<string, ColumnSource[]>()
  for (const column of columns) map.set(column.name, mergeSources(map.get(column.name) ?? [], column.sources))
  return {alias, name, columns: map, order: [...new Set(columns.map((c) => c.name))]}
}

function renameColumns(columns: Array<{name: string; sources: ColumnSource[]}>, aliases: unknown): Array<{name: string; sources: ColumnSource[]}> {
  const names = Array.isArray(aliases) ? aliases.map((a) => String(a).toLowerCase()) : []
  return columns.map((column, i) => ({name: names[i] ?? column.name, sources: column.sources}))
}

/** Sources of one expression: every column it references, through nested subqueries too. */
function expressionSources(expression: unknown, scope: Scope, ctes: Ctes, resolve: Resolve, reads: Set<string>): ColumnSource[] {
  const found: ColumnSource[][] = []
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk)
    if (!value || typeof value !== 'object') return
    const node = value as Json
    if (node.class === 'COLUMN_REF') {
      found.push(columnRef((node.column_names as string[]).map((n) => n.toLowerCase()), scope))
      return
    }
    if (node.class === 'SUBQUERY' && node.subquery?.node) {
      for (const column of queryNode(node.subquery.node, ctes, scope, resolve, reads)) found.push(column.sources)
      if (node.child) walk(node.child)
      return
    }
    for (const child of Object.values(node)) walk(child)
  }
  walk(expression)
  return mergeSources(...found)
}

/** Tables read by subqueries in a clause that produces no column (WHERE, ON, GROUP BY). */
function subqueryReads(clause: unknown, scope: Scope, ctes: Ctes, resolve: Resolve, reads: Set<string>): void {
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk)
    if (!value || typeof value !== 'object') return
    const node = value as Json
    if (node.class === 'SUBQUERY' && node.subquery?.node) queryNode(node.subquery.node, ctes, scope, resolve, reads)
    for (const child of Object.values(node)) walk(child)
  }
  walk(clause)
}

/** `alias.column[.field...]`, `column[.field...]` or `table.column`, searched from the innermost scope out. */
function columnRef(names: string[], scope: Scope | undefined): ColumnSource[] {
  for (let s = scope; s; s = s.parent) {
    if (names.length >= 2) {
      const relation = s.relations.find((r) => r.alias === names[0]) ?? s.relations.find((r) => r.name === names[0] && r.alias === r.name)
      if (relation) return relation.columns?.get(names[1]) ?? []
    }
    const holders = s.relations.filter((r) => r.columns?.has(names[0]))
    if (holders.length) return mergeSources(...holders.map((r) => r.columns!.get(names[0])!))
  }
  return []
}

function outputName(expression: Json): string {
  if (expression.alias) return String(expression.alias).toLowerCase()
  if (expression.class === 'COLUMN_REF') return String((expression.column_names as string[]).at(-1)).toLowerCase()
  return String(expression.function_name ?? expression.class ?? 'expr').toLowerCase()
}

// ---------------------------------------------------------------------------------------------
// Helpers

function mergeSources(...lists: ColumnSource[][]): ColumnSource[] {
  const seen = new Map<string, ColumnSource>()
  for (const list of lists) for (const source of list) seen.set(`${source.table}\u0000${source.column}`, source)
  return [...seen.values()].sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column))
}

function withSources(columns: Array<{column: string; sources: ColumnSource[]}>): Array<{column: string; sources: ColumnSource[]}> {
  return columns.filter((c) => c.sources.length > 0)
}

function tableColumns(relation: Relation | undefined): string[] | undefined {
  return relation?.kind === 'table' ? relation.columns : undefined
}

function fullNameOf(resolve: Resolve, parts: string[]): string {
  const relation = resolve(parts)
  return relation?.kind === 'table' ? relation.name : parts.join('.')
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text
}

function upper(token: Token | undefined): string {
  return token?.kind === 'word' ? token.text.toUpperCase() : ''
}

function identifierOf(token: Token | undefined): string {
  if (!token) return ''
  return (token.kind === 'quoted' ? token.value : token.text).toLowerCase()
}

/** The (1-3 part) name starting at i, and the index after it. */
function nameAt(tokens: Token[], i: number): {name: string[]; end: number} {
  const name = [identifierOf(tokens[i])]
  let end = i + 1
  while (isPunct(tokens[end], '.') && (tokens[end + 1]?.kind === 'word' || tokens[end + 1]?.kind === 'quoted')) {
    name.push(identifierOf(tokens[end + 1]))
    end += 2
  }
  return {name, end}
}

const CLAUSE_WORDS = new Set(['USING', 'ON', 'WHEN', 'SET', 'WHERE', 'FROM', 'VALUES', 'THEN', 'AND', 'NOT', 'MATCHED'])

/** `[AS] alias` at i, if any. */
function aliasAt(tokens: Token[], i: number): {alias?: string; end: number} {
  if (upper(tokens[i]) === 'AS') return {alias: identifierOf(tokens[i + 1]), end: i + 2}
  const token = tokens[i]
  if ((token?.kind === 'word' && !CLAUSE_WORDS.has(upper(token))) || token?.kind === 'quoted') return {alias: identifierOf(token), end: i + 1}
  return {end: i}
}

function matching(tokens: Token[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++
    else if (isPunct(tokens[i], ')') && --depth === 0) return i
  }
  return tokens.length
}

/** [from, to) ranges of the comma-separated items between from and to, at parenthesis depth 0. */
function splitTopLevel(tokens: Token[], from: number, to: number): Array<[number, number]> {
  const items: Array<[number, number]> = []
  let depth = 0
  let start = from
  for (let i = from; i < to; i++) {
    if (isPunct(tokens[i], '(')) depth++
    else if (isPunct(tokens[i], ')')) depth--
    else if (depth === 0 && isPunct(tokens[i], ',')) {
      items.push([start, i])
      start = i + 1
    }
  }
  if (start < to) items.push([start, to])
  return items
}

/** The end of an UPDATE SET list inside a MERGE: the next WHEN at depth 0. */
function indexOfClause(tokens: Token[], from: number): number {
  let depth = 0
  for (let i = from; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++
    else if (isPunct(tokens[i], ')')) depth--
    else if (depth === 0 && upper(tokens[i]) === 'WHEN') return i
  }
  return tokens.length
}

function indexOfWord(tokens: Token[], word: string, from: number): number {
  return tokens.findIndex((token, i) => i >= from && upper(token) === word)
}

function startsQuery(tokens: Token[], i: number): boolean {
  const word = upper(tokens[i])
  return word === 'SELECT' || word === 'WITH' || word === 'FROM' || (isPunct(tokens[i], '(') && startsQuery(tokens, i + 1))
}

/** The original text of tokens [from, to). */
function textOf(tokens: Token[], from: number, to: number): string {
  return tokens
    .slice(from, to)
    .map((token, i) => (i === 0 ? '' : token.before) + token.text)
    .join('')
}
