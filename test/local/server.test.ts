import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from './harness.js'

describe('local workspace: HTTP basics', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('rejects API calls without the bearer token with 401 UNAUTHENTICATED', async () => {
    const missing = await server.call('GET', '/api/2.0/preview/scim/v2/Me', undefined, null)
    expect(missing.status).toBe(401)
    expect(missing.body.error_code).toBe('UNAUTHENTICATED')
    const wrong = await server.call('GET', '/api/2.1/unity-catalog/catalogs', undefined, 'lkl_wrong')
    expect(wrong.status).toBe(401)
    expect(wrong.body).toMatchObject({error_code: 'UNAUTHENTICATED', message: 'Invalid access token.'})
    expect(JSON.stringify(wrong.body)).not.toContain('lkl_wrong')
  })

  it('answers unknown endpoints with 404 ENDPOINT_NOT_FOUND and logs them', async () => {
    const response = await server.call('PUT', '/api/2.1/unity-catalog/nothing-here')
    expect(response.status).toBe(404)
    expect(response.body.error_code).toBe('ENDPOINT_NOT_FOUND')
    expect(response.body.message).toBe("No API found for 'PUT /api/2.1/unity-catalog/nothing-here'")
    expect(server.logLines.some((line) => line.includes("No API found for 'PUT /api/2.1/unity-catalog/nothing-here'"))).toBe(true)
  })

  it('sends x-request-id on every response and repeats it in error details as RequestInfo', async () => {
    const ok = await server.call('GET', '/api/2.0/preview/scim/v2/Me')
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const error = await server.call('GET', '/api/2.1/unity-catalog/catalogs/nope')
    const requestId = error.headers.get('x-request-id')
    expect(error.body.details).toContainEqual({'@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: requestId, serving_data: '', metadata: {}})
  })

  it('serves SCIM Me for the local user', async () => {
    const me = await server.ok('GET', '/api/2.0/preview/scim/v2/Me')
    expect(me).toMatchObject({userName: 'local-admin@lakectl.local', active: true, groups: [{display: 'admins'}]})
    expect(me.id).toBeTypeOf('string')
    expect(me.schemas).toContain('urn:ietf:params:scim:schemas:core:2.0:User')
  })

  it('rejects malformed JSON bodies', async () => {
    const response = await fetch(`${server.url}/api/2.1/unity-catalog/catalogs`, {
      method: 'POST',
      headers: {authorization: `Bearer ${server.token}`},
      body: '{not json',
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as {error_code: string}).error_code).toBe('MALFORMED_REQUEST')
  })

  it('refuses the control endpoints when they are not enabled', async () => {
    const response = await server.call('GET', '/__lakectl/requests')
    expect(response.status).toBe(404)
    expect(response.body.error_code).toBe('ENDPOINT_NOT_FOUND')
  })

  it('serves the one warehouse with start and stop', async () => {
    const list = await server.ok('GET', '/api/2.0/sql/warehouses?page_size=10')
    expect(list.warehouses).toHaveLength(1)
    const id = list.warehouses[0].id
    expect(list.warehouses[0]).toMatchObject({name: 'Local DuckDB warehouse', state: 'RUNNING'})
    expect(await server.ok('POST', `/api/2.0/sql/warehouses/${id}/stop`)).toEqual({})
    let state = (await server.ok('GET', `/api/2.0/sql/warehouses/${id}`)).state
    expect(['STOPPING', 'STOPPED']).toContain(state)
    while (state !== 'STOPPED') state = (await server.ok('GET', `/api/2.0/sql/warehouses/${id}`)).state
    // A statement sent to a stopped warehouse starts it.
    expect(await server.rows('SELECT 1')).toEqual([['1']])
    expect((await server.ok('GET', `/api/2.0/sql/warehouses/${id}`)).state).toBe('RUNNING')
    const missing = await server.call('POST', '/api/2.0/sql/warehouses/abc/start')
    expect(missing.status).toBe(404)
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST')
  })
})
