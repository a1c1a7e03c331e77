import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {resolveCredentials} from '../../src/databricks/auth.js'
import {DatabricksClient} from '../../src/databricks/client.js'

/** A fake workspace with the OAuth endpoints the SDK's M2M flow uses, and one API that needs the token. */
const tokenRequests: string[] = []
let server: http.Server
let host: string

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const url = new URL(req.url!, host)
      res.setHeader('content-type', 'application/json')
      if (url.pathname === '/oidc/.well-known/oauth-authorization-server') {
        res.end(JSON.stringify({authorization_endpoint: `${host}/oidc/v1/authorize`, token_endpoint: `${host}/oidc/v1/token`}))
      } else if (url.pathname === '/oidc/v1/token') {
        tokenRequests.push(`${req.headers.authorization ?? ''} ${body}`)
        res.end(JSON.stringify({access_token: 'm2m-access-token-1', token_type: 'Bearer', expires_in: 3600}))
      } else if (req.headers.authorization === 'Bearer m2m-access-token-1') {
        res.end(JSON.stringify({userName: 'sp@example.com'}))
      } else {
        res.statusCode = 401
        res.end(JSON.stringify({error_code: 'UNAUTHENTICATED', message: 'no'}))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('credentials through the SDK Config', () => {
  it('OAuth M2M: exchanges the client credentials for a bearer token, and knows the secret for redaction', async () => {
    const credentials = await resolveCredentials({env: {DATABRICKS_HOST: host, DATABRICKS_CLIENT_ID: 'app-id', DATABRICKS_CLIENT_SECRET: 'm2m-client-secret-value'}})
    expect(credentials.description).toMatch(/oauth-m2m/)
    expect(credentials.skipVerify).toBe(false)
    expect(await credentials.auth.headers()).toMatchObject({authorization: 'Bearer m2m-access-token-1'})
    expect(tokenRequests.join('\n')).toMatch(/client_credentials/)
    expect(credentials.auth.secrets()).toContain('m2m-client-secret-value')

    const client = new DatabricksClient({host: credentials.host, auth: credentials.auth, userAgent: 'lakectl/test'})
    expect(await client.get('/api/2.0/preview/scim/v2/Me')).toEqual({userName: 'sp@example.com'})
    client.close()
  })

  it('a personal access token from the environment', async () => {
    const credentials = await resolveCredentials({env: {DATABRICKS_HOST: host, DATABRICKS_TOKEN: 'pat-value-123'}})
    expect(await credentials.auth.headers()).toEqual({authorization: 'Bearer pat-value-123'})
    expect(credentials.auth.secrets()).toEqual(['pat-value-123'])
  })

  it('fails with exit 4 and a hint when nothing is configured', async () => {
    const error = await resolveCredentials({env: {HOME: '/nonexistent', DATABRICKS_CONFIG_FILE: '/nonexistent/cfg'}}).catch((e: unknown) => e)
    expect(error).toMatchObject({kind: 'auth'})
    expect((error as {hint?: string}).hint).toBeTruthy()
  })
})

describe('an explicit token (the local target) without the SDK', () => {
  const noConfig = {HOME: '/nonexistent', DATABRICKS_CONFIG_FILE: '/nonexistent/cfg'}
  it.each(['http://127.0.0.1:8123', 'http://127.0.0.1:8123/', 'adb-1.11.azuredatabricks.net', 'https://dbc-1.cloud.databricks.com/some/path?o=1'])(
    'resolves %s exactly as the SDK does',
    async (workspace) => {
      const sdk = await resolveCredentials({host: workspace, token: 'dapi-explicit-1', env: noConfig})
      const direct = await resolveCredentials({host: workspace, token: 'dapi-explicit-1', env: {}})
      expect({host: direct.host, skipVerify: direct.skipVerify, description: direct.description}).toEqual({host: sdk.host, skipVerify: sdk.skipVerify, description: sdk.description})
      expect(await direct.auth.headers()).toEqual(await sdk.auth.headers())
      expect(direct.auth.secrets()).toEqual(sdk.auth.secrets())
    },
  )
})
