/**
 * Failed statements answer as a Databricks SQL warehouse does: HTTP 200, state FAILED,
 * status.error {error_code: a ServiceErrorCode, message: "[CLASS] ... SQLSTATE: xxxxx"} and
 * status.sql_state, never DuckDB's wording (texts from Spark 3.5's error-classes.json).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from './harness.js'

const UC = '/api/2.1/unity-catalog'

describe('local workspace: SQL error conditions', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start()
    await server.ok('POST', `${UC}/catalogs`, {name: 'shop'})
    await server.ok('POST', `${UC}/schemas`, {catalog_name: 'shop', name: 'sales'})
    await server.rows('CREATE TABLE shop.sales.orders (id INT, customer STRING)')
  })
  afterAll(async () => server.stop())

  async function failure(statement: string, extra: Record<string, unknown> = {}) {
    const response = await server.sql(statement, extra)
    expect(response.status.state).toBe('FAILED')
    expect(response.status.error.error_code).toBe('BAD_REQUEST')
    expect(response.status.error.message).not.toMatch(/Catalog Error|Binder Error|Parser Error|Conversion Error|LINE 1/)
    return {message: response.status.error.message as string, sqlState: response.status.sql_state as string}
  }

  it.each([
    ['SELECT * FROM shop.sales.nope', 'TABLE_OR_VIEW_NOT_FOUND', '42P01', 'The table or view `shop`.`sales`.`nope` cannot be found.'],
    ['SELECT * FROM shop.nowhere.orders', 'SCHEMA_NOT_FOUND', '42704', 'The schema `shop`.`nowhere` cannot be found.'],
    ['CREATE TABLE shop.nowhere.t (id INT)', 'SCHEMA_NOT_FOUND', '42704', 'The schema `shop`.`nowhere` cannot be found.'],
    ['SELECT * FROM attic.sales.orders', 'CATALOG_NOT_FOUND', '42P08', 'The catalog `attic` not found.'],
    ['SELEC 1', 'PARSE_SYNTAX_ERROR', '42601', "Syntax error at or near 'SELEC'."],
    ['SELECT 1 +', 'PARSE_SYNTAX_ERROR', '42601', 'Syntax error at or near end of input.'],
    ['SELECT idd FROM shop.sales.orders', 'UNRESOLVED_COLUMN.WITH_SUGGESTION', '42703', 'A column or function parameter with name `idd` cannot be resolved. Did you mean one of the following? [`id`'],
    ['SELECT 1 / 0 AS x', 'DIVIDE_BY_ZERO', '22012', 'Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead.'],
    ["SELECT CAST('abc' AS INT)", 'CAST_INVALID_INPUT', '22018', `The value 'abc' of the type "STRING" cannot be cast to "INT" because it is malformed.`],
    ["SELECT CAST('2026-13-01' AS DATE)", 'CAST_INVALID_INPUT', '22018', `The value '2026-13-01' of the type "STRING" cannot be cast to "DATE" because it is malformed.`],
    ['CREATE TABLE shop.sales.orders (id INT)', 'TABLE_OR_VIEW_ALREADY_EXISTS', '42P07', 'Cannot create table or view `shop`.`sales`.`orders` because it already exists.'],
    ['CREATE SCHEMA shop.sales', 'SCHEMA_ALREADY_EXISTS', '42P06', 'Cannot create schema `shop`.`sales` because it already exists.'],
    ['SELECT no_such_function(1)', 'UNRESOLVED_ROUTINE', '42883', 'Cannot resolve function `no_such_function`'],
  ])('%s -> %s', async (statement, errorClass, sqlState, text) => {
    const {message, sqlState: state} = await failure(statement)
    expect(message.startsWith(`[${errorClass}] ${text}`)).toBe(true)
    expect(message).toMatch(new RegExp(`SQLSTATE: ${sqlState}$`))
    expect(state).toBe(sqlState)
  })

  it('names a missing table in the session catalog and schema as written, and a missing session catalog', async () => {
    const unqualified = await failure('SELECT * FROM nope', {catalog: 'shop', schema: 'sales'})
    expect(unqualified.message).toMatch(/^\[TABLE_OR_VIEW_NOT_FOUND\] The table or view `nope` cannot be found/)
    expect((await failure('SELECT 1', {catalog: 'attic'})).message).toMatch(/^\[CATALOG_NOT_FOUND\] The catalog `attic` not found/)
    expect((await failure('USE SCHEMA shop.nowhere')).message).toMatch(/^\[SCHEMA_NOT_FOUND\] The schema `shop`.`nowhere` cannot be found/)
    expect((await failure('INSERT INTO shop.sales.nope VALUES (1)')).message).toMatch(/^\[TABLE_OR_VIEW_NOT_FOUND\] The table or view `shop`.`sales`.`nope`/)
  })

  it('divides as ANSI Spark does only where the divisor is zero: other rows, NULL divisors and parameters still work', async () => {
    expect(await server.rows('SELECT x / 2 AS half, x / NULLIF(x, 1) AS q FROM (VALUES (1), (4)) AS v(x) ORDER BY x')).toEqual([
      ['0.5', null],
      ['2.0', '1.0'],
    ])
    expect(await server.rows('SELECT :n / 4 AS quarter', {parameters: [{name: 'n', value: '10', type: 'INT'}]})).toEqual([['2.5']])
    expect(await server.rows("SELECT 'a/b' AS s")).toEqual([['a/b']])
    expect((await failure('SELECT x / (x - 4) FROM (VALUES (1), (4)) AS v(x)')).message).toMatch(/^\[DIVIDE_BY_ZERO\]/)
  })
})
