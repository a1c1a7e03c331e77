/**
 * Every Spark-side SQL file parses with a Spark SQL grammar, calls only allowlisted functions and keeps
 * the style rules that let one text run on Spark and DuckDB (reference/portable-sql.md).
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {bindParameters, loadManifest, loadTableSpecs, renderSql} from '../../src/pipeline/index.js'
import {SQL_DIR} from '../../src/pipeline/resources.js'
import {loadSparkSqlParser, type SparkSqlParser} from './spark-sql-parser.js'

const CATALOG = 'lakehouse'
const TRANSFORMS = ['silver', 'gold', 'views'].flatMap((dir) =>
  readdirSync(path.join(SQL_DIR, dir))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => `${dir}/${f}`),
)
const DDL = loadTableSpecs().map((spec) => spec.file)

/** The transforms: Silver and Gold steps of the manifest, and the analyst views bootstrap creates. */
/** Spark functions the transforms may call: each has a DuckDB built-in or macro with the same meaning. */
const FUNCTIONS = new Set([
  // Spark built-ins that DuckDB has natively with the same meaning
  'avg', 'cast', 'coalesce', 'concat', 'concat_ws', 'count', 'date_trunc', 'instr', 'max', 'min', 'nullif', 'row_number',
  'sum', 'try_cast',
  // Spark built-ins provided on DuckDB by resources/sql/duckdb_macros.sql
  'datediff', 'from_json', 'json_object_keys', 'regexp_like', 'to_date', 'try_to_timestamp',
  // the pipeline's own functions (a UDF on each engine)
  'sentiment_score', 'sentiment_model_version',
])
/** Words a '(' may follow that are not function calls. */
const KEYWORDS = new Set(['and', 'as', 'exists', 'from', 'in', 'insert', 'join', 'not', 'or', 'over', 'then', 'using', 'values', 'decimal', 'when', 'else'])

/** The text without comments and string literals, where the style rules apply. */
function code(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''")
}

function functionsCalled(sql: string): string[] {
  return [...code(sql).matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1].toLowerCase()).filter((name) => !KEYWORDS.has(name))
}

/**
 * What the parser checks: the file as Spark runs it (catalog rendered, parameters as :name markers),
 * minus the catalog prefix: dt-sql-parser's grammar takes at most two-part names in CREATE TABLE and
 * MERGE INTO targets, where Spark 3.5 takes catalog.schema.table.
 */
function sparkText(file: string): string {
  return bindParameters(renderSql(file, {catalog: CATALOG}), ':').sql.replaceAll(`${CATALOG}.`, '')
}

describe('Spark SQL files', () => {
  let parser: SparkSqlParser

  beforeAll(async () => {
    parser = await loadSparkSqlParser()
  })

  it.each([...DDL, ...TRANSFORMS])('%s parses as Spark SQL', (file) => {
    expect(parser.validate(sparkText(file))).toEqual([])
  })

  it('the parser does reject what Spark rejects', () => {
    expect(parser.validate('SELECT a FROM t QUALIFY row_number() OVER (ORDER BY a) = 1').length).toBeGreaterThan(0)
    expect(parser.validate('MERGE INTO silver.t AS t USING s ON t.k = s.k WHEN NOT MATCHED INSERT (k) VALUES (s.k)').length).toBeGreaterThan(0)
  })

  it.each(TRANSFORMS)('%s calls only allowlisted functions', (file) => {
    const unknown = functionsCalled(readFileSync(path.join(SQL_DIR, file), 'utf8')).filter((name) => !FUNCTIONS.has(name))
    expect(unknown).toEqual([])
  })

  it.each(TRANSFORMS)('%s keeps the portable style', (file) => {
    const text = code(readFileSync(path.join(SQL_DIR, file), 'utf8'))
    expect(text).not.toMatch(/`|::|\\|"|;\s*$|\bqualify\b|\brlike\b|->|\barray\s*\(/i)
    // DuckDB cannot parse a bare `offset`; Spark's partition column is qualified for symmetry.
    expect(text).not.toMatch(/(?<![.\w])offset\b/i)
    expect(text).not.toMatch(/(?<![.\w])partition\b(?!\s+by)/i)
    // count_if is NULL on DuckDB (0 on Spark) when nothing matches: count(CASE WHEN ... THEN 1 END) instead.
    expect(text).not.toMatch(/\bcount_if\b/i)
  })

  it('every DuckDB macro is used by a transform', () => {
    const macros = [...readFileSync(path.join(SQL_DIR, 'duckdb_macros.sql'), 'utf8').matchAll(/CREATE OR REPLACE TEMP MACRO (\w+)/g)].map((m) => m[1])
    const used = new Set(TRANSFORMS.flatMap((file) => functionsCalled(readFileSync(path.join(SQL_DIR, file), 'utf8'))))
    expect(macros.filter((m) => !used.has(m))).toEqual([])
    expect(macros.every((m) => FUNCTIONS.has(m))).toBe(true)
  })

  it('the manifest uses every transform file and only them', () => {
    const manifest = loadManifest()
    const steps = [...Object.values(manifest.layers).flatMap((layer) => layer.steps), ...Object.values(manifest.backfills).flatMap((b) => [...b.modes.missing, ...b.modes.replace])]
    const inputs = Object.values(manifest.backfills).map((backfill) => backfill.input)
    const used = new Set([...steps.flatMap((step) => ('sql' in step ? [step.sql] : [])), ...inputs])
    expect([...used].sort()).toEqual(TRANSFORMS.filter((f) => !f.startsWith('views/')).sort())
  })
})
