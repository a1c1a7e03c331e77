import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from './harness.js'

const UC = '/api/2.1/unity-catalog'
const WAREHOUSE = 'local00000000001'
/** About 10^10 rows of work: runs for many seconds unless cancelled. */
const LONG_QUERY = 'SELECT sum(a.range * b.range) FROM range(100000) a, range(100000) b'

describe('local workspace: SQL statements', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('makes catalogs, schemas and tables created in SQL visible through Unity Catalog', async () => {
    await server.rows('CREATE CATALOG IF NOT EXISTS lakehouse')
    await server.rows("CREATE SCHEMA lakehouse.bronze COMMENT 'raw data' WITH DBPROPERTIES ('layer' = 'bronze')")
    await server.rows(`CREATE TABLE lakehouse.bronze.events (
        event_id STRING NOT NULL COMMENT 'unique id',
        amount DECIMAL(12,2),
        ingest_ts TIMESTAMP,
        ingest_date DATE
      ) USING DELTA PARTITIONED BY (ingest_date) COMMENT 'raw events' TBLPROPERTIES ('delta.appendOnly' = 'true')`)

    expect(await server.ok('GET', `${UC}/catalogs/lakehouse`)).toMatchObject({name: 'lakehouse'})
    expect(await server.ok('GET', `${UC}/schemas/lakehouse.bronze`)).toMatchObject({comment: 'raw data', properties: {layer: 'bronze'}})
    const table = await server.ok('GET', `${UC}/tables/lakehouse.bronze.events`)
    expect(table).toMatchObject({
      full_name: 'lakehouse.bronze.events',
      table_type: 'MANAGED',
      data_source_format: 'DELTA',
      comment: 'raw events',
      properties: {'delta.appendOnly': 'true'},
    })
    expect(table.columns.map((column: any) => [column.name, column.type_name, column.type_text, column.nullable])).toEqual([
      ['event_id', 'STRING', 'string', false],
      ['amount', 'DECIMAL', 'decimal(12,2)', true],
      ['ingest_ts', 'TIMESTAMP', 'timestamp', true],
      ['ingest_date', 'DATE', 'date', true],
    ])
    expect(table.columns[0].comment).toBe('unique id')
    expect(table.columns[3].partition_index).toBe(0)

    await server.rows("ALTER TABLE lakehouse.bronze.events ADD COLUMNS (topic STRING COMMENT 'kafka topic', `offset` BIGINT)")
    await server.rows("ALTER TABLE lakehouse.bronze.events SET TBLPROPERTIES ('quality' = 'raw')")
    const altered = await server.ok('GET', `${UC}/tables/lakehouse.bronze.events`)
    expect(altered.columns.slice(4).map((column: any) => [column.name, column.type_text, column.comment])).toEqual([
      ['topic', 'string', 'kafka topic'],
      ['offset', 'bigint', undefined],
    ])
    expect(altered.properties).toEqual({'delta.appendOnly': 'true', quality: 'raw'})

    const listed = await server.ok('GET', `${UC}/tables?catalog_name=lakehouse&schema_name=bronze&max_results=0`)
    expect(listed.tables.map((entry: any) => entry.name)).toEqual(['events'])
  })

  it('makes objects created through Unity Catalog usable in SQL, with the session catalog and schema', async () => {
    await server.ok('POST', `${UC}/catalogs`, {name: 'rest'})
    await server.ok('POST', `${UC}/schemas`, {catalog_name: 'rest', name: 'silver'})
    await server.ok('POST', `${UC}/tables`, {
      catalog_name: 'rest',
      schema_name: 'silver',
      name: 'customers',
      columns: [
        {name: 'id', type_name: 'INT', position: 0},
        {name: 'name', type_name: 'STRING', position: 1},
      ],
    })
    const insert = await server.sql("INSERT INTO customers VALUES (1, 'Ada'), (2, 'Bob')", {catalog: 'rest', schema: 'silver'})
    expect(insert.manifest.schema.columns.map((column: any) => column.name)).toEqual(['num_affected_rows', 'num_inserted_rows'])
    expect(insert.result.data_array).toEqual([['2', '2']])
    expect(await server.rows('SELECT name FROM rest.silver.customers ORDER BY id')).toEqual([['Ada'], ['Bob']])
    expect(await server.rows('SELECT count(*) FROM silver.customers', {catalog: 'rest'})).toEqual([['2']])
    const update = await server.sql("UPDATE rest.silver.customers SET name = 'Bea' WHERE id = 2")
    expect(update.result.data_array).toEqual([['1']])

    const missingCatalog = await server.sql('SELECT 1', {catalog: 'nope'})
    expect(missingCatalog.status.state).toBe('FAILED')
    expect(missingCatalog.status.error.message).toMatch(/^\[CATALOG_NOT_FOUND\] /)
  })

  it('binds typed parameters as real parameters and renders values like Databricks', async () => {
    const response = await server.sql(
      'SELECT :i + 1 AS i, :d AS d, :ts AS ts, :amount AS amount, :flag AS flag, :text AS text, :nothing AS nothing, 1.5::DOUBLE AS dbl, CAST(0.1 AS FLOAT) AS flt, [1, 2] AS arr',
      {
        parameters: [
          {name: 'i', value: '41', type: 'INT'},
          {name: 'd', value: '2026-11-26', type: 'DATE'},
          {name: 'ts', value: '2026-11-26T10:00:00+02:00', type: 'TIMESTAMP'},
          {name: 'amount', value: '12.5', type: 'DECIMAL(12,2)'},
          {name: 'flag', value: 'true', type: 'BOOLEAN'},
          {name: 'text', value: "it's; DROP TABLE x; --"},
          {name: 'nothing', type: 'STRING'},
        ],
      },
    )
    expect(response.status.state).toBe('SUCCEEDED')
    expect(response.result.data_array).toEqual([['42', '2026-11-26', '2026-11-26T08:00:00.000Z', '12.50', 'true', "it's; DROP TABLE x; --", null, '1.5', '0.1', '[1,2]']])
    expect(response.manifest.schema.columns.map((column: any) => column.type_name)).toEqual([
      'INT',
      'DATE',
      'TIMESTAMP',
      'DECIMAL',
      'BOOLEAN',
      'STRING',
      'STRING',
      'DOUBLE',
      'FLOAT',
      'ARRAY',
    ])
    expect(response.manifest.schema.columns[3]).toMatchObject({type_text: 'decimal(12,2)', type_precision: 12, type_scale: 2})

    const missing = await server.sql('SELECT :absent')
    expect(missing.status.state).toBe('FAILED')
    expect(missing.status.error.message).toContain('UNBOUND_SQL_PARAMETER')
  })

  it('answers SQL errors with HTTP 200, state FAILED, an error code, the error condition and a SQLSTATE', async () => {
    const response = await server.call('POST', '/api/2.0/sql/statements', {statement: 'SELEC 1', warehouse_id: WAREHOUSE})
    expect(response.status).toBe(200)
    expect(response.body.status).toMatchObject({state: 'FAILED', error: {error_code: 'BAD_REQUEST'}, sql_state: '42601'})
    expect(response.body.status.error.message).toBe("[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'. SQLSTATE: 42601")
    expect(response.body.manifest).toBeUndefined()
    const missingTable = await server.sql('SELECT * FROM rest.silver.nope')
    expect(missingTable.status).toMatchObject({state: 'FAILED', sql_state: '42P01'})
    const refused = await server.sql("ATTACH '/tmp/x.duckdb' AS x")
    expect(refused.status.state).toBe('FAILED')
  })

  it('rejects bad requests with 400 / 404 before running anything', async () => {
    expect((await server.call('POST', '/api/2.0/sql/statements', {statement: 'SELECT 1'})).status).toBe(400)
    expect((await server.call('POST', '/api/2.0/sql/statements', {statement: 'SELECT 1', warehouse_id: WAREHOUSE, wait_timeout: '3s'})).status).toBe(400)
    expect((await server.call('POST', '/api/2.0/sql/statements', {statement: 'SELECT 1', warehouse_id: WAREHOUSE, disposition: 'EXTERNAL_LINKS'})).status).toBe(400)
    const unknownWarehouse = await server.call('POST', '/api/2.0/sql/statements', {statement: 'SELECT 1', warehouse_id: 'nope'})
    expect(unknownWarehouse.status).toBe(404)
    expect((await server.call('GET', '/api/2.0/sql/statements/nope')).status).toBe(404)
  })

  it('returns no chunks for an empty result and truncates at row_limit', async () => {
    const empty = await server.sql('SELECT * FROM range(0)')
    expect(empty.manifest).toMatchObject({total_row_count: 0, total_chunk_count: 0})
    expect(empty.result).toEqual({})
    const limited = await server.sql('SELECT * FROM range(10)', {row_limit: 3})
    expect(limited.manifest).toMatchObject({total_row_count: 3, truncated: true})
  })

  it('chunks large results and serves every chunk', async () => {
    const response = await server.sql("SELECT range AS n, 'row ' || range AS label FROM range(25000) ORDER BY n")
    const manifest = response.manifest
    expect(manifest.total_row_count).toBe(25000)
    expect(manifest.total_chunk_count).toBe(3)
    expect(manifest.chunks.map((chunk: any) => [chunk.chunk_index, chunk.row_offset, chunk.row_count])).toEqual([
      [0, 0, 10000],
      [1, 10000, 10000],
      [2, 20000, 5000],
    ])
    const rows = [...response.result.data_array]
    let link: string | undefined = response.result.next_chunk_internal_link
    expect(response.result.next_chunk_index).toBe(1)
    while (link) {
      const chunk = await server.ok('GET', link)
      rows.push(...chunk.data_array)
      link = chunk.next_chunk_internal_link
    }
    expect(rows).toHaveLength(25000)
    expect(rows[24999]).toEqual(['24999', 'row 24999'])
    expect(rows.every((row, i) => row[0] === String(i))).toBe(true)
    const last = await server.ok('GET', `/api/2.0/sql/statements/${response.statement_id}/result/chunks/2`)
    expect(last.next_chunk_index).toBeUndefined()
    expect((await server.call('GET', `/api/2.0/sql/statements/${response.statement_id}/result/chunks/3`)).status).toBe(400)
  })

  it('runs asynchronously with wait_timeout 0s and reports the result on GET', async () => {
    const started = await server.ok('POST', '/api/2.0/sql/statements', {statement: 'SELECT 42 AS answer', warehouse_id: WAREHOUSE, wait_timeout: '0s'})
    expect(['PENDING', 'RUNNING', 'SUCCEEDED']).toContain(started.status.state)
    let response = started
    while (response.status.state !== 'SUCCEEDED') {
      expect(['PENDING', 'RUNNING']).toContain(response.status.state)
      response = await server.ok('GET', `/api/2.0/sql/statements/${started.statement_id}`)
    }
    expect(response.result.data_array).toEqual([['42']])
  })

  it('cancels a long query, runs others meanwhile, and cancels on wait timeout when asked', async () => {
    const long = await server.ok('POST', '/api/2.0/sql/statements', {statement: LONG_QUERY, warehouse_id: WAREHOUSE, wait_timeout: '0s'})
    let state = long.status.state
    while (state === 'PENDING') state = (await server.ok('GET', `/api/2.0/sql/statements/${long.statement_id}`)).status.state
    expect(state).toBe('RUNNING')
    // Another statement runs on its own connection while the long one runs.
    expect(await server.rows('SELECT 7')).toEqual([['7']])
    expect(await server.ok('POST', `/api/2.0/sql/statements/${long.statement_id}/cancel`)).toEqual({})
    while (!['CANCELED', 'FAILED', 'SUCCEEDED'].includes(state)) state = (await server.ok('GET', `/api/2.0/sql/statements/${long.statement_id}`)).status.state
    expect(state).toBe('CANCELED')

    const timedOut = await server.ok('POST', '/api/2.0/sql/statements', {statement: LONG_QUERY, warehouse_id: WAREHOUSE, wait_timeout: '5s', on_wait_timeout: 'CANCEL'})
    expect(timedOut.status.state).toBe('CANCELED')
  })

  it('applies GRANT, SHOW and DROP to Unity Catalog', async () => {
    await server.rows('GRANT USE CATALOG ON CATALOG rest TO `analysts`')
    await server.rows('GRANT SELECT, MODIFY ON TABLE customers TO `analysts`', {catalog: 'rest', schema: 'silver'})
    expect(await server.ok('GET', `${UC}/permissions/table/rest.silver.customers`)).toEqual({privilege_assignments: [{principal: 'analysts', privileges: ['MODIFY', 'SELECT']}]})
    await server.rows('REVOKE MODIFY ON TABLE rest.silver.customers FROM analysts')
    expect(await server.ok('GET', `${UC}/permissions/table/rest.silver.customers`)).toEqual({privilege_assignments: [{principal: 'analysts', privileges: ['SELECT']}]})
    const invalid = await server.sql('GRANT CREATE SCHEMA ON TABLE rest.silver.customers TO analysts')
    expect(invalid.status.state).toBe('FAILED')
    expect(invalid.status.error.message).toContain('CREATE_SCHEMA')

    expect(await server.rows('SHOW TABLES IN rest.silver')).toEqual([['silver', 'customers', 'false']])
    expect((await server.rows('SHOW CATALOGS')).flat()).toEqual(expect.arrayContaining(['lakehouse', 'rest']))
    expect((await server.sql('USE CATALOG nope')).status.state).toBe('FAILED')

    await server.rows('DROP TABLE rest.silver.customers')
    expect((await server.call('GET', `${UC}/tables/rest.silver.customers`)).status).toBe(404)
    await server.rows('CREATE TABLE rest.silver.customers (id INT)')
    expect(await server.ok('GET', `${UC}/permissions/table/rest.silver.customers`)).toEqual({})

    await server.rows('DROP CATALOG rest CASCADE')
    expect((await server.call('GET', `${UC}/catalogs/rest`)).status).toBe(404)
    expect((await server.sql('DROP CATALOG rest')).status.state).toBe('FAILED')
    expect((await server.sql('DROP CATALOG IF EXISTS rest')).status.state).toBe('SUCCEEDED')
  })
})
