import {describe, expect, it} from 'vitest'

import {sparkTypeToDuckDb, SqlError, translate, type Translation} from '../../src/local/sql-dialect.js'

/** The DuckDB SQL of a pass-through translation. */
function duck(sql: string, parameters?: Record<string, string>): string {
  const translation = translate(sql, {parameters})
  if (translation.kind !== 'duckdb') throw new Error(`expected a DuckDB statement, got ${translation.kind}`)
  return translation.statements.join('; ')
}

describe('sql-dialect: tokens and literals', () => {
  it('turns backtick identifiers into double-quoted ones', () => {
    expect(duck('SELECT `a b`, `x``y`, `q"q` FROM `cat`.`sch`.`t`')).toBe('SELECT "a b", "x`y", "q""q" FROM "cat"."sch"."t"')
  })

  it("reads Spark string literals (backslash escapes, double quotes) and writes DuckDB ones", () => {
    expect(duck(String.raw`SELECT 'it\'s', "dq", 'a\\b', 'tab\there', 'O''Brien'`)).toBe("SELECT 'it''s', 'dq', 'a\\b', 'tab\there', 'O''Brien'")
    expect(duck(String.raw`SELECT r'raw\d', 'like\%'`)).toBe(String.raw`SELECT 'raw\d', 'like\%'`)
  })

  it('leaves keywords and markers inside strings and comments alone', () => {
    expect(duck("SELECT ':p `x` -- no' -- comment :q\n, 1 /* :r ; */")).toBe("SELECT ':p `x` -- no'  \n, 1")
  })

  it('maps the system catalog of three-part names to the local system database, nothing else called system', () => {
    expect(duck('SELECT s.system FROM system.access.table_lineage AS s JOIN `system`.access.column_lineage AS c ON true')).toBe(
      'SELECT s.system FROM "__system".access.table_lineage AS s JOIN "__system".access.column_lineage AS c ON true',
    )
    expect(duck("SELECT system, 'system.access.x' FROM t.system.x")).toBe("SELECT system, 'system.access.x' FROM t.system.x")
  })

  it('strips trailing semicolons and refuses several statements', () => {
    expect(duck('SELECT 1;;  ')).toBe('SELECT 1')
    expect(() => translate('SELECT 1; SELECT 2')).toThrow(/one statement/)
    expect(() => translate('  ')).toThrow(SqlError)
  })

  it('reports unterminated literals as syntax errors', () => {
    expect(() => translate("SELECT 'abc")).toThrow(/unclosed string/)
    expect(() => translate('SELECT `abc')).toThrow(/unclosed backtick/)
    expect(() => translate('SELECT 1 /* x')).toThrow(/unclosed comment/)
  })

  it('rewrites the Databricks functions DuckDB names or shapes differently', () => {
    expect(duck("SELECT timestampdiff(SECOND, max(recorded_at), current_timestamp()) AS age FROM t")).toBe(
      "SELECT date_diff('second', max(recorded_at), CAST(now() AS TIMESTAMP)) AS age FROM t",
    )
    expect(duck("SELECT CAST(get_json_object(null_counts, '$.country') AS BIGINT) FROM t")).toBe("SELECT CAST(json_extract_string(null_counts, '$.country') AS BIGINT) FROM t")
    expect(duck('SELECT current_timestamp, timestampdiff FROM t')).toBe('SELECT current_timestamp, timestampdiff FROM t')
  })

  it("rewrites Spark-only operators and typed literals", () => {
    expect(duck('SELECT a <=> b, 10L, 2.5D, 1.25BD FROM t')).toBe('SELECT a IS NOT DISTINCT FROM b, CAST(10 AS BIGINT), CAST(2.5 AS DOUBLE), 1.25 FROM t')
  })
})

describe('sql-dialect: parameters', () => {
  it('binds :name markers as typed casts of $name', () => {
    const translation = translate('SELECT * FROM t WHERE id = :id AND d >= :since AND name = :name', {
      parameters: {id: 'INT', since: 'DATE', name: 'STRING'},
    }) as Extract<Translation, {kind: 'duckdb'}>
    expect(translation.statements[0]).toBe('SELECT * FROM t WHERE id = CAST($id AS INTEGER) AND d >= CAST($since AS DATE) AND name = CAST($name AS VARCHAR)')
    expect(translation.parameters.sort()).toEqual(['id', 'name', 'since'])
  })

  it('casts TIMESTAMP parameters through TIMESTAMPTZ so offsets count, and decimals keep their scale', () => {
    expect(duck('SELECT :ts, :amount', {ts: 'TIMESTAMP', amount: 'DECIMAL(12,2)'})).toBe(
      'SELECT CAST(CAST($ts AS TIMESTAMPTZ) AS TIMESTAMP), CAST($amount AS DECIMAL(12,2))',
    )
  })

  it('does not mistake casts or field access for markers', () => {
    expect(duck('SELECT x::int, raw:field, (:p) FROM t', {p: 'LONG'})).toBe('SELECT x::INTEGER, raw:field, (CAST($p AS BIGINT)) FROM t')
  })

  it('fails with UNBOUND_SQL_PARAMETER when a marker has no parameter', () => {
    expect(() => translate('SELECT :missing')).toThrow(/UNBOUND_SQL_PARAMETER.*missing/)
  })

  it('refuses parameter types that are not types', () => {
    expect(() => translate('SELECT :p', {parameters: {p: 'INT); DROP TABLE t; --'}})).toThrow(SqlError)
  })
})

describe('sql-dialect: types', () => {
  it('maps Spark types to DuckDB types', () => {
    expect(sparkTypeToDuckDb('STRING')).toBe('VARCHAR')
    expect(sparkTypeToDuckDb('bigint')).toBe('BIGINT')
    expect(sparkTypeToDuckDb('LONG')).toBe('BIGINT')
    expect(sparkTypeToDuckDb('byte')).toBe('TINYINT')
    expect(sparkTypeToDuckDb('DECIMAL')).toBe('DECIMAL(10,0)')
    expect(sparkTypeToDuckDb('decimal(12, 2)')).toBe('DECIMAL(12,2)')
    expect(sparkTypeToDuckDb('timestamp_ntz')).toBe('TIMESTAMP')
    expect(sparkTypeToDuckDb('binary')).toBe('BLOB')
    expect(sparkTypeToDuckDb('varchar(10)')).toBe('VARCHAR')
    expect(sparkTypeToDuckDb('array<map<string,array<int>>>')).toBe('MAP(VARCHAR, INTEGER[])[]')
    expect(sparkTypeToDuckDb('struct<a: int, `b c`: string NOT NULL>')).toBe('STRUCT("a" INTEGER, "b c" VARCHAR NOT NULL)')
    expect(sparkTypeToDuckDb('struct<a:int>')).toBe('STRUCT("a" INTEGER)')
    expect(sparkTypeToDuckDb('interval day to second')).toBe('INTERVAL')
    expect(() => sparkTypeToDuckDb('int int')).toThrow(SqlError)
  })

  it('rewrites types only in type positions', () => {
    expect(duck('SELECT CAST(a AS STRING) AS long, TRY_CAST(b AS BYTE), CAST(CAST(c AS LONG) AS ARRAY<STRING>) FROM t')).toBe(
      'SELECT CAST(a AS VARCHAR) AS long, TRY_CAST(b AS TINYINT), CAST(CAST(c AS BIGINT) AS VARCHAR[]) FROM t',
    )
  })
})

describe('sql-dialect: DDL with Unity Catalog metadata', () => {
  it('splits CREATE TABLE into DuckDB DDL and table metadata', () => {
    const translation = translate(`CREATE TABLE IF NOT EXISTS lakehouse.bronze.Events (
        event_id STRING NOT NULL COMMENT 'the id',
        amount DECIMAL(12,2),
        tags ARRAY<STRING>,
        ingest_date DATE COMMENT "partition"
      ) USING DELTA
      PARTITIONED BY (ingest_date)
      CLUSTER BY (event_id)
      COMMENT 'raw events'
      TBLPROPERTIES ('delta.appendOnly' = 'true', delta.enableChangeDataFeed = true, 'quality' = 'bronze')`)
    expect(translation).toEqual({
      kind: 'duckdb',
      statements: [
        'CREATE TABLE IF NOT EXISTS "lakehouse"."bronze"."events" ("event_id" VARCHAR NOT NULL, "amount" DECIMAL(12,2), "tags" VARCHAR[], "ingest_date" DATE)',
      ],
      parameters: [],
      effect: {
        type: 'create-table',
        table: ['lakehouse', 'bronze', 'events'],
        ifNotExists: true,
        orReplace: false,
        definition: {
          comment: 'raw events',
          properties: {'delta.appendOnly': 'true', 'delta.enableChangeDataFeed': 'true', quality: 'bronze'},
          partitionColumns: ['ingest_date'],
          columnComments: {event_id: 'the id', ingest_date: 'partition'},
        },
      },
    })
  })

  it('keeps defaults and constraints, and handles CTAS and LOCATION', () => {
    expect(duck("CREATE OR REPLACE TABLE t (a INT DEFAULT 5 COMMENT 'x' NOT NULL, CONSTRAINT pk PRIMARY KEY (a))")).toBe(
      'CREATE OR REPLACE TABLE "t" ("a" INTEGER DEFAULT 5 NOT NULL, CONSTRAINT pk PRIMARY KEY (a))',
    )
    const ctas = translate("CREATE TABLE s.t USING DELTA LOCATION 's3://b/p' AS SELECT CAST(x AS STRING) AS x FROM `src`") as Extract<Translation, {kind: 'duckdb'}>
    expect(ctas.statements).toEqual(['CREATE TABLE "s"."t" AS SELECT CAST(x AS VARCHAR) AS x FROM "src"'])
    expect(ctas.effect).toMatchObject({type: 'create-table', table: ['s', 't'], definition: {location: 's3://b/p'}})
  })

  it('refuses clauses it does not know rather than dropping them', () => {
    expect(() => translate('CREATE TABLE t (a INT) STORED AS PARQUET')).toThrow(/unsupported clause/)
    expect(() => translate('CREATE TABLE t USING DELTA')).toThrow(/column list or AS query/)
  })

  it('creates schemas (and databases) with comment and properties', () => {
    expect(translate("CREATE DATABASE IF NOT EXISTS cat.`Silver` COMMENT 'clean' MANAGED LOCATION 'x' WITH DBPROPERTIES ('team' = 'data')")).toEqual({
      kind: 'duckdb',
      statements: ['CREATE SCHEMA IF NOT EXISTS "cat"."silver"'],
      parameters: [],
      effect: {type: 'create-schema', schema: ['cat', 'silver'], ifNotExists: true, comment: 'clean', properties: {team: 'data'}},
    })
    expect(duck('DROP DATABASE IF EXISTS s CASCADE')).toBe('DROP SCHEMA IF EXISTS s CASCADE')
  })

  it('recognises catalog DDL', () => {
    expect(translate("CREATE CATALOG IF NOT EXISTS Lakehouse COMMENT 'main lake'")).toEqual({kind: 'create-catalog', name: 'lakehouse', ifNotExists: true, comment: 'main lake'})
    expect(translate('DROP CATALOG IF EXISTS lakehouse CASCADE')).toEqual({kind: 'drop-catalog', name: 'lakehouse', ifExists: true, cascade: true})
    expect(translate('DROP CATALOG lakehouse')).toEqual({kind: 'drop-catalog', name: 'lakehouse', ifExists: false, cascade: false})
  })

  it('adds columns one ALTER at a time and keeps their comments', () => {
    expect(translate("ALTER TABLE c.s.t ADD COLUMNS (a INT COMMENT 'first', b STRING)")).toEqual({
      kind: 'duckdb',
      statements: ['ALTER TABLE "c"."s"."t" ADD COLUMN "a" INTEGER', 'ALTER TABLE "c"."s"."t" ADD COLUMN "b" VARCHAR'],
      parameters: [],
      effect: {type: 'add-columns', table: ['c', 's', 't'], columnComments: {a: 'first'}},
    })
  })

  it('recognises table properties, owners and comments', () => {
    expect(translate("ALTER TABLE t SET TBLPROPERTIES ('a' = '1')")).toEqual({kind: 'set-table-properties', table: ['t'], properties: {a: '1'}})
    expect(translate("ALTER TABLE t UNSET TBLPROPERTIES IF EXISTS ('a')")).toEqual({kind: 'unset-table-properties', table: ['t'], keys: ['a'], ifExists: true})
    expect(translate('ALTER SCHEMA c.s OWNER TO `data team`')).toEqual({kind: 'set-owner', securable: {type: 'schema', name: ['c', 's']}, owner: 'data team'})
    expect(translate("COMMENT ON CATALOG c IS 'hello'")).toEqual({kind: 'set-comment', securable: {type: 'catalog', name: ['c']}, comment: 'hello'})
    expect(translate('COMMENT ON TABLE t IS NULL')).toEqual({kind: 'set-comment', securable: {type: 'table', name: ['t']}, comment: null})
    expect(duck('ALTER TABLE t RENAME TO u')).toBe('ALTER TABLE t RENAME TO u')
  })
})

describe('sql-dialect: grants, USE, SHOW, SET', () => {
  it('parses GRANT and REVOKE with multi-word privileges', () => {
    expect(translate('GRANT USE CATALOG, CREATE SCHEMA ON CATALOG lakehouse TO `data-engineers`')).toEqual({
      kind: 'grant',
      privileges: ['USE_CATALOG', 'CREATE_SCHEMA'],
      securable: {type: 'catalog', name: ['lakehouse']},
      principal: 'data-engineers',
    })
    expect(translate('REVOKE ALL PRIVILEGES ON SCHEMA lakehouse.gold FROM analysts')).toEqual({
      kind: 'revoke',
      privileges: ['ALL_PRIVILEGES'],
      securable: {type: 'schema', name: ['lakehouse', 'gold']},
      principal: 'analysts',
    })
    expect(translate('GRANT SELECT ON gold.daily TO `a@b.com`')).toMatchObject({securable: {type: 'table', name: ['gold', 'daily']}})
  })

  it('parses USE, SHOW and Spark session settings', () => {
    expect(translate('USE CATALOG lakehouse')).toEqual({kind: 'use', target: 'catalog', name: ['lakehouse']})
    expect(translate('USE lakehouse.silver')).toEqual({kind: 'use', target: 'schema', name: ['lakehouse', 'silver']})
    expect(translate('SHOW CATALOGS')).toEqual({kind: 'show-catalogs'})
    expect(translate('SHOW SCHEMAS IN lakehouse')).toEqual({kind: 'show-schemas', catalog: 'lakehouse'})
    expect(translate('SHOW TABLES FROM lakehouse.gold')).toEqual({kind: 'show-tables', schema: ['lakehouse', 'gold']})
    expect(translate('SET spark.sql.session.timeZone = UTC')).toEqual({kind: 'noop'})
  })
})

describe('sql-dialect: API type input', () => {
  it('accepts only Spark types from API input but lets SQL use DuckDB types', () => {
    expect(() => sparkTypeToDuckDb('HUGEINT')).toThrow(/Unsupported type 'HUGEINT'/)
    expect(() => sparkTypeToDuckDb('array<uuid>')).toThrow(SqlError)
    expect(duck('SELECT CAST(x AS UUID)')).toBe('SELECT CAST(x AS UUID)')
  })
})
