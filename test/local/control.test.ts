import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {TestServer} from './harness.js'

const CATALOGS = '/api/2.1/unity-catalog/catalogs'

describe('local workspace: test control endpoints', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start({enableControl: true})
  })
  afterAll(async () => {
    await server.stop()
  })
  beforeEach(async () => {
    await server.ok('DELETE', '/__lakectl/faults')
    await server.ok('DELETE', '/__lakectl/requests')
  })

  it('requires the bearer token on control endpoints too', async () => {
    expect((await server.call('GET', '/__lakectl/faults', undefined, null)).status).toBe(401)
  })

  it('fails matching requests before the state change, for `count` requests, with Retry-After', async () => {
    const {id} = await server.ok('POST', '/__lakectl/faults', {method: 'POST', path: `${CATALOGS}*`, status: 429, retry_after: '2', count: 2})
    expect(id).toBeTypeOf('string')
    for (let i = 0; i < 2; i++) {
      const throttled = await server.call('POST', CATALOGS, {name: 'before_fault'})
      expect(throttled.status).toBe(429)
      expect(throttled.headers.get('retry-after')).toBe('2')
      expect(throttled.body.error_code).toBe('REQUEST_LIMIT_EXCEEDED')
      expect(throttled.body.details).toContainEqual(expect.objectContaining({'@type': 'type.googleapis.com/google.rpc.RetryInfo', retry_delay: '2s'}))
    }
    // Nothing was created by the failed attempts; the third request goes through.
    expect((await server.call('GET', `${CATALOGS}/before_fault`)).status).toBe(404)
    expect((await server.call('POST', CATALOGS, {name: 'before_fault'})).status).toBe(200)
    expect(await server.ok('GET', '/__lakectl/faults')).toEqual([])
  })

  it('fails after the state change when asked, so the change is visible on retry', async () => {
    await server.ok('POST', '/__lakectl/faults', {path: '^/api/2\\.1/unity-catalog/catalogs$', method: 'post', status: 503, error_code: 'TEMPORARILY_UNAVAILABLE', when: 'after'})
    const failed = await server.call('POST', CATALOGS, {name: 'after_fault'})
    expect(failed.status).toBe(503)
    expect(failed.body.error_code).toBe('TEMPORARILY_UNAVAILABLE')
    expect((await server.call('GET', `${CATALOGS}/after_fault`)).status).toBe(200)
    expect((await server.call('POST', CATALOGS, {name: 'after_fault'})).status).toBe(409)
  })

  it('resets the connection without a response', async () => {
    await server.ok('POST', '/__lakectl/faults', {path: '/api/2.0/preview/scim/v2/Me', reset: true})
    await expect(server.call('GET', '/api/2.0/preview/scim/v2/Me')).rejects.toThrow()
    expect((await server.call('GET', '/api/2.0/preview/scim/v2/Me')).status).toBe(200)
  })

  it('delays responses', async () => {
    await server.ok('POST', '/__lakectl/faults', {path: '/api/2.0/preview/scim/v2/Me', delay_ms: 300})
    const started = Date.now()
    expect((await server.call('GET', '/api/2.0/preview/scim/v2/Me')).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('lists and deletes single faults, and validates them', async () => {
    const {id} = await server.ok('POST', '/__lakectl/faults', {path: '/api/*', status: 500})
    expect((await server.ok('GET', '/__lakectl/faults')).map((fault: any) => fault.id)).toEqual([id])
    expect(await server.ok('DELETE', `/__lakectl/faults/${id}`)).toEqual({})
    expect((await server.call('DELETE', `/__lakectl/faults/${id}`)).status).toBe(404)
    expect((await server.call('POST', '/__lakectl/faults', {path: '/api/*'})).status).toBe(400)
  })

  it('records API requests in order without headers or bodies', async () => {
    await server.call('GET', `${CATALOGS}?max_results=0`)
    await server.call('POST', CATALOGS, {name: 'recorded', comment: 'secret-ish'})
    await server.call('GET', `${CATALOGS}/recorded`)
    await server.call('GET', '/api/2.0/preview/scim/v2/Me', undefined, 'lkl_wrong_token')
    const requests = await server.ok('GET', '/__lakectl/requests')
    expect(requests.map((request: any) => [request.method, request.path, request.query, request.status, request.route])).toEqual([
      ['GET', CATALOGS, 'max_results=0', 200, CATALOGS],
      ['POST', CATALOGS, '', 200, CATALOGS],
      // The route the path matched, with its parameters named (an unauthenticated request matched none).
      ['GET', `${CATALOGS}/recorded`, '', 200, `${CATALOGS}/{name}`],
      ['GET', '/api/2.0/preview/scim/v2/Me', '', 401, undefined],
    ])
    expect(requests[0].started_at).toBeTypeOf('number')
    expect(requests[0].duration_ms).toBeGreaterThanOrEqual(0)
    const serialized = JSON.stringify(requests)
    expect(serialized).not.toContain(server.token)
    expect(serialized).not.toContain('lkl_wrong_token')
    expect(serialized).not.toContain('secret-ish')
    expect(await server.ok('DELETE', '/__lakectl/requests')).toEqual({})
    expect(await server.ok('GET', '/__lakectl/requests')).toEqual([])
  })
})
