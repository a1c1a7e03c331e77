import sdk from '@databricks/sdk-experimental'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from './harness.js'

const {WorkspaceClient, ApiError} = sdk
const UC = '/api/2.1/unity-catalog'

describe('local workspace: persistence across restarts', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('keeps catalogs, tables, rows, metadata, grants and files', async () => {
    await server.rows('CREATE CATALOG kept')
    await server.rows("CREATE TABLE kept.`default`.orders (id BIGINT, amount DECIMAL(10,2)) USING DELTA COMMENT 'orders' TBLPROPERTIES ('k' = 'v')")
    await server.rows('INSERT INTO kept.default.orders VALUES (1, 9.99), (2, 19.50)')
    await server.rows('GRANT SELECT ON TABLE kept.default.orders TO `analysts`')
    await server.ok('POST', '/api/2.0/workspace/import', {path: '/Shared/kept.txt', content: Buffer.from('hello').toString('base64'), format: 'RAW'})
    const before = await server.ok('GET', `${UC}/tables/kept.default.orders`)

    await server.restart()

    const after = await server.ok('GET', `${UC}/tables/kept.default.orders`)
    expect(after).toEqual(before)
    expect(after).toMatchObject({comment: 'orders', properties: {k: 'v'}})
    expect(await server.rows('SELECT id, amount FROM kept.default.orders ORDER BY id')).toEqual([
      ['1', '9.99'],
      ['2', '19.50'],
    ])
    expect(await server.ok('GET', `${UC}/permissions/table/kept.default.orders`)).toEqual({privilege_assignments: [{principal: 'analysts', privileges: ['SELECT']}]})
    const exported = await server.ok('GET', '/api/2.0/workspace/export?path=/Shared/kept.txt')
    expect(Buffer.from(exported.content, 'base64').toString()).toBe('hello')
  })
})

describe('local workspace: the official Databricks SDK', () => {
  let server: TestServer
  let client: InstanceType<typeof WorkspaceClient>
  beforeAll(async () => {
    server = await TestServer.start()
    for (const name of ['sdk_a', 'sdk_b']) await server.ok('POST', `${UC}/catalogs`, {name})
    await server.ok('POST', `${UC}/schemas`, {catalog_name: 'sdk_a', name: 'silver'})
    await server.ok('POST', `${UC}/tables`, {catalog_name: 'sdk_a', schema_name: 'silver', name: 'events', columns: [{name: 'id', type_name: 'LONG'}]})
    client = new WorkspaceClient({host: server.url, token: server.token, authType: 'pat'})
  })
  afterAll(async () => {
    await server.stop()
  })

  it('reads the current user, lists catalogs and schemas, and gets a table', async () => {
    expect((await client.currentUser.me()).userName).toBe('local-admin@lakectl.local')
    const catalogs: string[] = []
    for await (const catalog of client.catalogs.list({})) catalogs.push(catalog.name!)
    expect(catalogs).toEqual(['sdk_a', 'sdk_b'])
    const schemas: string[] = []
    for await (const schema of client.schemas.list({catalog_name: 'sdk_a'})) schemas.push(schema.name!)
    expect(schemas).toEqual(['default', 'silver'])
    const table = await client.tables.get({full_name: 'sdk_a.silver.events'})
    expect(table.columns?.[0]).toMatchObject({name: 'id', type_name: 'LONG'})
  })

  it('raises ApiError with the error code and status for a missing table', async () => {
    const error = await client.tables.get({full_name: 'sdk_a.silver.missing'}).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({errorCode: 'TABLE_DOES_NOT_EXIST', statusCode: 404})
  })

  it('runs a statement', async () => {
    const response = await client.statementExecution.executeStatement({statement: 'SELECT 1 AS one', warehouse_id: 'local00000000001', wait_timeout: '10s'})
    expect(response.status?.state).toBe('SUCCEEDED')
    expect(response.result?.data_array).toEqual([['1']])
  })
})
