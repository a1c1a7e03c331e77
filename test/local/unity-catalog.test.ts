import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from './harness.js'

const UC = '/api/2.1/unity-catalog'

/** Follows next_page_token until it is absent, returning every page. */
async function allPages(server: TestServer, path: string, key: string): Promise<any[][]> {
  const pages: any[][] = []
  let token: string | undefined
  do {
    const separator = path.includes('?') ? '&' : '?'
    const body = await server.ok('GET', `${path}${token ? `${separator}page_token=${encodeURIComponent(token)}` : ''}`)
    pages.push(body[key] ?? [])
    token = body.next_page_token
  } while (token)
  return pages
}

describe('local workspace: Unity Catalog', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start({limits: {ucPageSize: 3}})
  })
  afterAll(async () => {
    await server.stop()
  })

  it('creates, reads, updates and deletes a catalog', async () => {
    const created = await server.ok('POST', `${UC}/catalogs`, {name: 'Crud', comment: 'first', properties: {team: 'data'}})
    expect(created).toMatchObject({
      name: 'crud',
      full_name: 'crud',
      catalog_type: 'MANAGED_CATALOG',
      owner: 'local-admin@lakectl.local',
      comment: 'first',
      properties: {team: 'data'},
      created_by: 'local-admin@lakectl.local',
    })
    expect(created.metastore_id).toBeTypeOf('string')
    expect(created.created_at).toBeTypeOf('number')

    const updated = await server.ok('PATCH', `${UC}/catalogs/crud`, {comment: 'second', owner: 'data-team', properties: {a: '1'}})
    expect(updated).toMatchObject({comment: 'second', owner: 'data-team', properties: {a: '1'}})
    expect(await server.ok('GET', `${UC}/catalogs/crud`)).toMatchObject({comment: 'second'})

    const renamed = await server.ok('PATCH', `${UC}/catalogs/crud`, {new_name: 'crud2'})
    expect(renamed).toMatchObject({name: 'crud2', comment: 'second'})
    expect((await server.call('GET', `${UC}/catalogs/crud`)).status).toBe(404)

    expect(await server.ok('DELETE', `${UC}/catalogs/crud2`)).toEqual({})
    const gone = await server.call('GET', `${UC}/catalogs/crud2`)
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({error_code: 'CATALOG_DOES_NOT_EXIST', message: "Catalog 'crud2' does not exist."})
  })

  it('reports duplicates with 409 and ErrorInfo, invalid names with 400', async () => {
    await server.ok('POST', `${UC}/catalogs`, {name: 'dup'})
    const duplicate = await server.call('POST', `${UC}/catalogs`, {name: 'DUP'})
    expect(duplicate.status).toBe(409)
    expect(duplicate.body.error_code).toBe('CATALOG_ALREADY_EXISTS')
    expect(duplicate.body.details).toContainEqual(
      expect.objectContaining({
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RESOURCE_ALREADY_EXISTS',
        domain: 'unity-catalog.databricks.com',
      }),
    )
    expect(duplicate.body.details).toContainEqual(expect.objectContaining({'@type': 'type.googleapis.com/google.rpc.RequestInfo'}))
    for (const name of ['has space', 'a.b', 'a/b', '']) {
      const invalid = await server.call('POST', `${UC}/catalogs`, {name})
      expect(invalid.status).toBe(400)
      expect(invalid.body.error_code).toBe('INVALID_PARAMETER_VALUE')
    }
    const missingField = await server.call('POST', `${UC}/schemas`, {name: 's'})
    expect(missingField.status).toBe(400)
    expect(missingField.body.message).toBe('Missing required field: catalog_name')
    expect((await server.call('POST', `${UC}/catalogs`, {name: 'system'})).status).toBe(400)
  })

  it('manages schemas with the not-found, duplicate and not-empty errors', async () => {
    await server.ok('POST', `${UC}/catalogs`, {name: 'sch'})
    const schemas = await server.ok('GET', `${UC}/schemas?catalog_name=sch`)
    expect(schemas.schemas.map((schema: any) => schema.name)).toEqual(['default'])

    const created = await server.ok('POST', `${UC}/schemas`, {catalog_name: 'sch', name: 'bronze', comment: 'raw'})
    expect(created).toMatchObject({name: 'bronze', catalog_name: 'sch', full_name: 'sch.bronze', comment: 'raw', owner: 'local-admin@lakectl.local'})
    expect(created.schema_id).toBeTypeOf('string')
    expect((await server.call('POST', `${UC}/schemas`, {catalog_name: 'sch', name: 'bronze'})).body.error_code).toBe('SCHEMA_ALREADY_EXISTS')
    const noCatalog = await server.call('POST', `${UC}/schemas`, {catalog_name: 'nope', name: 'x'})
    expect(noCatalog.status).toBe(404)
    expect(noCatalog.body.error_code).toBe('CATALOG_DOES_NOT_EXIST')
    const noSchema = await server.call('GET', `${UC}/schemas/sch.s`)
    expect(noSchema.status).toBe(404)
    expect(noSchema.body).toMatchObject({error_code: 'SCHEMA_DOES_NOT_EXIST', message: "Schema 'sch.s' does not exist."})

    expect(await server.ok('PATCH', `${UC}/schemas/sch.bronze`, {comment: 'landing', owner: 'eng'})).toMatchObject({comment: 'landing', owner: 'eng'})

    await server.ok('POST', `${UC}/tables`, {catalog_name: 'sch', schema_name: 'bronze', name: 't', columns: [{name: 'a', type_name: 'INT'}]})
    const notEmpty = await server.call('DELETE', `${UC}/schemas/sch.bronze`)
    expect(notEmpty.status).toBe(400)
    expect(notEmpty.body.error_code).toBe('SCHEMA_NOT_EMPTY')
    const catalogNotEmpty = await server.call('DELETE', `${UC}/catalogs/sch`)
    expect(catalogNotEmpty.status).toBe(400)
    expect(catalogNotEmpty.body.error_code).toBe('CATALOG_NOT_EMPTY')

    expect(await server.ok('DELETE', `${UC}/schemas/sch.bronze?force=true`)).toEqual({})
    expect((await server.call('GET', `${UC}/tables/sch.bronze.t`)).status).toBe(404)
    expect(await server.ok('DELETE', `${UC}/catalogs/sch`)).toEqual({})
  })

  it('creates tables over REST with columns, partitions, properties and exists/owner/delete', async () => {
    await server.ok('POST', `${UC}/catalogs`, {name: 'tbl'})
    const table = await server.ok('POST', `${UC}/tables`, {
      catalog_name: 'tbl',
      schema_name: 'default',
      name: 'Orders',
      table_type: 'EXTERNAL',
      data_source_format: 'DELTA',
      storage_location: 's3://bucket/orders',
      properties: {'delta.appendOnly': 'true'},
      columns: [
        {name: 'order_id', type_text: 'bigint', type_name: 'LONG', position: 0, nullable: false, comment: 'key'},
        {name: 'amount', type_text: 'decimal(12,2)', type_name: 'DECIMAL', position: 1},
        {name: 'tags', type_text: 'array<string>', type_name: 'ARRAY', position: 2},
        {name: 'order_date', type_name: 'DATE', position: 3, partition_index: 0},
      ],
    })
    expect(table).toMatchObject({
      name: 'orders',
      full_name: 'tbl.default.orders',
      table_type: 'EXTERNAL',
      data_source_format: 'DELTA',
      storage_location: 's3://bucket/orders',
      properties: {'delta.appendOnly': 'true'},
      owner: 'local-admin@lakectl.local',
    })
    expect(table.columns).toEqual([
      expect.objectContaining({name: 'order_id', type_name: 'LONG', type_text: 'bigint', position: 0, nullable: false, comment: 'key'}),
      expect.objectContaining({name: 'amount', type_name: 'DECIMAL', type_text: 'decimal(12,2)', type_precision: 12, type_scale: 2, position: 1, nullable: true}),
      expect.objectContaining({name: 'tags', type_name: 'ARRAY', type_text: 'array<string>', position: 2}),
      expect.objectContaining({name: 'order_date', type_name: 'DATE', type_text: 'date', position: 3, partition_index: 0}),
    ])
    expect(JSON.parse(table.columns[0].type_json)).toEqual({name: 'order_id', type: 'long', nullable: false, metadata: {comment: 'key'}})

    expect((await server.call('POST', `${UC}/tables`, {catalog_name: 'tbl', schema_name: 'default', name: 'orders', columns: [{name: 'a', type_name: 'INT'}]})).body.error_code).toBe(
      'TABLE_ALREADY_EXISTS',
    )
    const badType = await server.call('POST', `${UC}/tables`, {catalog_name: 'tbl', schema_name: 'default', name: 'bad', columns: [{name: 'a', type_text: 'uuid'}]})
    expect(badType.status).toBe(400)
    expect(badType.body.error_code).toBe('INVALID_PARAMETER_VALUE')
    const twice = await server.call('POST', `${UC}/tables`, {catalog_name: 'tbl', schema_name: 'default', name: 'bad', columns: [{name: 'a', type_name: 'INT'}, {name: 'a', type_name: 'INT'}]})
    expect(twice.status).toBe(400)
    expect(await server.ok('GET', `${UC}/tables/tbl.default.orders/exists`)).toEqual({table_exists: true})
    expect(await server.ok('GET', `${UC}/tables/tbl.default.nope/exists`)).toEqual({table_exists: false})
    expect(await server.ok('PATCH', `${UC}/tables/tbl.default.orders`, {owner: 'analysts'})).toEqual({})
    expect((await server.ok('GET', `${UC}/tables/tbl.default.orders`)).owner).toBe('analysts')
    const missing = await server.call('GET', `${UC}/tables/tbl.default.nope`)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({error_code: 'TABLE_DOES_NOT_EXIST', message: "Table 'tbl.default.nope' does not exist."})
    expect(await server.ok('DELETE', `${UC}/tables/tbl.default.orders`)).toEqual({})
    expect((await server.call('DELETE', `${UC}/tables/tbl.default.orders`)).status).toBe(404)
  })

  it('pages with max_results and opaque tokens, including an empty page that carries a token', async () => {
    await server.ok('POST', `${UC}/catalogs`, {name: 'paging'})
    for (const name of ['s1', 's2', 's3']) await server.ok('POST', `${UC}/schemas`, {catalog_name: 'paging', name})
    for (let i = 0; i < 7; i++) {
      await server.ok('POST', `${UC}/tables`, {catalog_name: 'paging', schema_name: 's1', name: `t${i}`, columns: [{name: 'a', type_name: 'INT'}]})
    }

    // 7 tables, 2 per page: 2, 2, 2, 1 and no token after the last.
    const pages = await allPages(server, `${UC}/tables?catalog_name=paging&schema_name=s1&max_results=2`, 'tables')
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 1])
    expect(pages.flat().map((table) => table.name)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6'])

    // max_results=0 uses the server page size (3 here); landing exactly on the end leaves an empty last page.
    const serverSized = await allPages(server, `${UC}/schemas?catalog_name=paging&max_results=0`, 'schemas')
    expect(serverSized.flat().map((schema) => schema.name)).toEqual(['default', 's1', 's2', 's3'])
    const exact = await allPages(server, `${UC}/tables?catalog_name=paging&schema_name=s1&max_results=7`, 'tables')
    expect(exact.map((page) => page.length)).toEqual([7, 0])

    // DuckDB's own databases are paged over but hidden: with one entry per page some pages are empty yet carry a token.
    const onePerPage = await allPages(server, `${UC}/catalogs?max_results=1`, 'catalogs')
    const emptyPagesWithToken = onePerPage.slice(0, -1).filter((page) => page.length === 0)
    expect(emptyPagesWithToken.length).toBeGreaterThan(0)
    expect(onePerPage.flat().map((catalog) => catalog.name)).toContain('paging')

    // Legacy unpaginated listing (no max_results) returns everything at once.
    const legacy = await server.ok('GET', `${UC}/tables?catalog_name=paging&schema_name=s1`)
    expect(legacy.tables).toHaveLength(7)
    expect(legacy.next_page_token).toBeUndefined()

    const negative = await server.call('GET', `${UC}/catalogs?max_results=-1`)
    expect(negative.status).toBe(400)
    expect(negative.body.error_code).toBe('INVALID_PARAMETER_VALUE')
    expect((await server.call('GET', `${UC}/catalogs?max_results=1&page_token=garbage`)).status).toBe(400)
  })
})

describe('local workspace: Unity Catalog permissions', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start()
    await server.ok('POST', `${UC}/catalogs`, {name: 'lake'})
    await server.ok('POST', `${UC}/schemas`, {catalog_name: 'lake', name: 'gold'})
    await server.ok('POST', `${UC}/tables`, {catalog_name: 'lake', schema_name: 'gold', name: 'daily', columns: [{name: 'a', type_name: 'INT'}]})
  })
  afterAll(async () => {
    await server.stop()
  })

  it('adds and removes privileges as an idempotent delta, sorted, dropping empty principals', async () => {
    const path = `${UC}/permissions/schema/lake.gold`
    expect(await server.ok('GET', path)).toEqual({})
    const first = await server.ok('PATCH', path, {
      changes: [
        {principal: 'analysts', add: ['USE_SCHEMA', 'SELECT']},
        {principal: 'engineers', add: ['MODIFY']},
      ],
    })
    expect(first).toEqual({
      privilege_assignments: [
        {principal: 'analysts', privileges: ['SELECT', 'USE_SCHEMA']},
        {principal: 'engineers', privileges: ['MODIFY']},
      ],
    })
    const again = await server.ok('PATCH', path, {changes: [{principal: 'analysts', add: ['SELECT']}]})
    expect(again).toEqual(first)
    const removed = await server.ok('PATCH', path, {changes: [{principal: 'engineers', remove: ['MODIFY', 'SELECT']}]})
    expect(removed).toEqual({privilege_assignments: [{principal: 'analysts', privileges: ['SELECT', 'USE_SCHEMA']}]})
    expect(await server.ok('GET', `${path}?principal=analysts`)).toEqual({privilege_assignments: [{principal: 'analysts', privileges: ['SELECT', 'USE_SCHEMA']}]})
    expect(await server.ok('GET', `${path}?principal=nobody`)).toEqual({})
    expect(await server.ok('PATCH', path, {changes: [{principal: 'x', add: ['SELECT']}], omit_permissions_in_response: true})).toEqual({})
  })

  it('validates privileges against the securable type and refuses add+remove of the same privilege', async () => {
    const invalid = await server.call('PATCH', `${UC}/permissions/table/lake.gold.daily`, {changes: [{principal: 'a', add: ['CREATE_SCHEMA']}]})
    expect(invalid.status).toBe(400)
    expect(invalid.body.error_code).toBe('INVALID_PARAMETER_VALUE')
    expect(invalid.body.message).toContain('CREATE_SCHEMA')
    expect(invalid.body.message).toContain('TABLE')
    const duplicate = await server.call('PATCH', `${UC}/permissions/table/lake.gold.daily`, {changes: [{principal: 'bob', add: ['SELECT'], remove: ['SELECT']}]})
    expect(duplicate.status).toBe(400)
    expect(duplicate.body.message).toBe('Duplicate privileges to add and delete for principal bob.')
    const missing = await server.call('GET', `${UC}/permissions/table/lake.gold.nope`)
    expect(missing.status).toBe(404)
    expect(missing.body.error_code).toBe('TABLE_DOES_NOT_EXIST')
    expect((await server.call('GET', `${UC}/permissions/catalog/nope`)).body.error_code).toBe('CATALOG_DOES_NOT_EXIST')
    expect((await server.call('GET', `${UC}/permissions/table/lake.gold.daily?max_results=10`)).status).toBe(400)
  })

  it('computes effective permissions inherited catalog -> schema -> table', async () => {
    await server.ok('PATCH', `${UC}/permissions/catalog/lake`, {changes: [{principal: 'readers', add: ['USE_CATALOG', 'SELECT']}]})
    await server.ok('PATCH', `${UC}/permissions/table/lake.gold.daily`, {changes: [{principal: 'readers', add: ['MODIFY']}]})
    const effective = await server.ok('GET', `${UC}/effective-permissions/table/lake.gold.daily?principal=readers`)
    expect(effective).toEqual({
      privilege_assignments: [
        {
          principal: 'readers',
          privileges: [
            {privilege: 'MODIFY'},
            {privilege: 'SELECT', inherited_from_type: 'CATALOG', inherited_from_name: 'lake'},
          ],
        },
      ],
    })
    const schemaLevel = await server.ok('GET', `${UC}/effective-permissions/schema/lake.gold`)
    expect(schemaLevel.privilege_assignments).toContainEqual({
      principal: 'analysts',
      privileges: [{privilege: 'SELECT'}, {privilege: 'USE_SCHEMA'}],
    })
  })

  it('drops the grants of deleted objects', async () => {
    await server.ok('POST', `${UC}/tables`, {catalog_name: 'lake', schema_name: 'gold', name: 'temp', columns: [{name: 'a', type_name: 'INT'}]})
    await server.ok('PATCH', `${UC}/permissions/table/lake.gold.temp`, {changes: [{principal: 'x', add: ['SELECT']}]})
    await server.ok('DELETE', `${UC}/tables/lake.gold.temp`)
    await server.ok('POST', `${UC}/tables`, {catalog_name: 'lake', schema_name: 'gold', name: 'temp', columns: [{name: 'a', type_name: 'INT'}]})
    expect(await server.ok('GET', `${UC}/permissions/table/lake.gold.temp`)).toEqual({})
  })
})
