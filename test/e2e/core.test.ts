import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestWorkspace} from '../helpers/workspace.js'

const CANARY = 'lkl_canary_5f1e2d3c4b5a69788796a5b4c3d2e1f0'
let ws: TestWorkspace

beforeAll(async () => {
  ws = await TestWorkspace.start({token: CANARY})
})

afterAll(async () => {
  await ws?.stop()
})

describe('doctor', () => {
  it('is all green on a fresh local workspace once the catalog exists', async () => {
    const sql = await ws.run(['sql', 'CREATE CATALOG IF NOT EXISTS lakehouse'])
    expect(sql.stderr).toBe('')
    expect(sql.code).toBe(0)
    const result = await ws.run(['doctor', '--json'])
    expect(result.code).toBe(0)
    const report = result.json()
    expect(report.checks.map((c: {name: string}) => c.name)).toEqual(['config', 'reachable', 'identity', 'warehouse', 'catalog', 'privileges'])
    expect(report.checks.filter((c: {status: string}) => c.status !== 'ok')).toEqual([])
    expect(report.user).toMatch(/@/)
  })

  it('prints one line per check for humans', async () => {
    const result = await ws.run(['doctor'])
    expect(result.code).toBe(0)
    expect(result.stdout.trim().split('\n').filter((l) => /^(ok|warn|FAIL|skip) /.test(l))).toHaveLength(6)
  })
})

describe('sql', () => {
  it('round-trips create / insert / select with named, typed parameters', async () => {
    const create = await ws.run(['sql', 'CREATE TABLE IF NOT EXISTS lakehouse.default.orders (id BIGINT, customer STRING, amount DECIMAL(10,2), placed DATE, paid BOOLEAN)'])
    expect(create.code, create.stderr).toBe(0)
    const insert = await ws.run([
      'sql', 'INSERT INTO lakehouse.default.orders VALUES (:id, :customer, :amount, :placed, :paid)',
      '--param', 'id:BIGINT=7', '--param', "customer=O'Brien; DROP TABLE x", '--param', 'amount:DECIMAL(10,2)=12.50',
      '--param', 'placed:DATE=2026-11-26', '--param', 'paid:BOOLEAN=true',
    ])
    expect(insert.code, insert.stderr).toBe(0)
    const select = await ws.run(['sql', 'SELECT id, customer, amount, placed, paid FROM lakehouse.default.orders WHERE id = :id', '--param', 'id:INT=7', '--json'])
    expect(select.code, select.stderr).toBe(0)
    const result = select.json()
    expect(result.rows).toEqual([{id: 7, customer: "O'Brien; DROP TABLE x", amount: 12.5, placed: '2026-11-26', paid: true}])
    expect(result.columns.map((c: {type_name: string}) => c.type_name)).toEqual(['LONG', 'STRING', 'DECIMAL', 'DATE', 'BOOLEAN'])
  })

  it('renders a table on stdout and the row count on stderr', async () => {
    const result = await ws.run(['sql', 'SELECT 1 AS one, \'a\' AS letter'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/one.*letter/)
    expect(result.stdout).toBe('one  letter\n1    a\n')
    expect(result.stderr).toBe('1 row.\n')
  })

  it('exits 1 with the engine message on a SQL error, as JSON too', async () => {
    const human = await ws.run(['sql', 'SELECT * FROM lakehouse.default.no_such_table'])
    expect(human.code).toBe(1)
    expect(human.stderr).toMatch(/no_such_table/)
    const json = await ws.run(['sql', 'SELEC 1', '--json'])
    expect(json.code).toBe(1)
    expect(json.json().error).toMatchObject({exit_code: 1})
    expect(json.json().error).toMatchObject({code: 'PARSE_SYNTAX_ERROR', details: {error_code: 'BAD_REQUEST', sql_state: '42601'}})
    expect(json.json().error.message).toMatch(/^\[PARSE_SYNTAX_ERROR\] Syntax error at or near 'SELEC'/)
  })

  it('prints the error condition and its message, with the fix when it is obvious (a missing catalog)', async () => {
    const missing = await ws.run(['sql', 'SELECT * FROM attic.sales.orders'])
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toContain('CATALOG_NOT_FOUND')
    expect(missing.stderr).toContain('The catalog `attic` not found.')
    expect(missing.stderr).toContain('`lakectl bootstrap`')
    const json = await ws.run(['sql', 'SELECT * FROM attic.sales.orders', '--json'])
    expect(json.json().error).toMatchObject({code: 'CATALOG_NOT_FOUND', hint: expect.stringContaining('lakectl bootstrap'), exit_code: 1, details: {sql_state: '42P08'}})
    const divide = await ws.run(['sql', 'SELECT 1 / 0', '--json'])
    expect(divide.json().error).toMatchObject({code: 'DIVIDE_BY_ZERO', exit_code: 1})
    expect(divide.json().error.hint).toBeNull()
  })

  it('exits 2 on a malformed --param before sending anything', async () => {
    await ws.clearRequests()
    const result = await ws.run(['sql', 'SELECT :x', '--param', 'nonsense'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/Invalid --param 'nonsense'/)
    expect(result.stderr).toMatch(/Try: --param name=value/)
    expect(await ws.requests()).toEqual([])
  })
})

describe('Ctrl-C', () => {
  it('exits 130 and cancels the running statement', async () => {
    await ws.clearRequests()
    const {child, result} = ws.start(['sql', 'SELECT count(*) FROM range(100000000000) AS a(x) WHERE x % 7 = 3'])
    // Interrupt once the statement is being polled: it was submitted and is running on the warehouse.
    for (let i = 0; i < 200; i++) {
      const requests = await ws.requests()
      if (requests.some((r) => r.method === 'GET' && r.path.startsWith('/api/2.0/sql/statements/'))) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    child.kill('SIGINT')
    const done = await result
    expect(done.code).toBe(130)
    expect(done.stderr).toMatch(/INTERRUPTED/)
    const cancel = (await ws.requests()).find((r) => r.method === 'POST' && /\/api\/2\.0\/sql\/statements\/[^/]+\/cancel$/.test(r.path))
    expect(cancel?.status).toBe(200)
    const id = cancel!.path.split('/')[5]
    expect((await ws.api('GET', `/api/2.0/sql/statements/${id}`)).status.state).toBe('CANCELED')
  })
})

describe('auth and targets', () => {
  it('treats a profile pointing at the local workspace exactly like --target local', async () => {
    ws.writeDatabricksCfg(`[loc]\nhost = ${ws.url}\ntoken = ${CANARY}\n\n[bad]\nhost = ${ws.url}\ntoken = lkl_wrong_token_value\n`)
    const viaProfile = await ws.run(['sql', 'SELECT 42 AS answer', '--profile', 'loc', '--json'])
    expect(viaProfile.code, viaProfile.stderr).toBe(0)
    expect(viaProfile.json().rows).toEqual([{answer: 42}])
  })

  it('exits 4 with a hint on a wrong token', async () => {
    const result = await ws.run(['sql', 'SELECT 1', '--profile', 'bad'])
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/Error \(UNAUTHENTICATED\)/)
    expect(result.stderr).toMatch(/^Try: /m)
    const doctor = await ws.run(['doctor', '--profile', 'bad', '--json'])
    expect(doctor.code).toBe(4)
  })

  it('exits 2 for an unknown target', async () => {
    const result = await ws.run(['doctor', '--target', 'nowhere'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/Unknown target 'nowhere'/)
  })
})

describe('retries through real sockets', () => {
  it('waits Retry-After (1 s) on each of two 429s, then succeeds', async () => {
    await ws.clearRequests()
    await ws.fault({method: 'GET', path: '/api/2.0/sql/warehouses', status: 429, error_code: 'REQUEST_LIMIT_EXCEEDED', retry_after: '1', count: 2})
    const result = await ws.run(['sql', 'SELECT 1 AS x', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const attempts = (await ws.requests()).filter((r) => r.method === 'GET' && r.path === '/api/2.0/sql/warehouses')
    expect(attempts.map((r) => r.status)).toEqual([429, 429, 200])
    expect(attempts[1].started_at - attempts[0].started_at).toBeGreaterThanOrEqual(1000)
    expect(attempts[2].started_at - attempts[1].started_at).toBeGreaterThanOrEqual(1000)
  })

  it('retries a 503 and a connection reset', async () => {
    await ws.clearRequests()
    await ws.fault({method: 'GET', path: '/api/2.0/sql/warehouses', status: 503, error_code: 'TEMPORARILY_UNAVAILABLE', count: 1})
    await ws.fault({method: 'GET', path: '/api/2.0/preview/scim/v2/Me', reset: true, count: 1})
    const result = await ws.run(['doctor', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const requests = await ws.requests()
    expect(requests.filter((r) => r.path === '/api/2.0/sql/warehouses').map((r) => r.status)).toEqual([503, 200])
    expect(requests.filter((r) => r.path === '/api/2.0/preview/scim/v2/Me').length).toBeGreaterThanOrEqual(1)
  })

  it('submits a read-only statement again after a 500', async () => {
    await ws.clearRequests()
    await ws.fault({method: 'POST', path: '/api/2.0/sql/statements', status: 500, error_code: 'INTERNAL_ERROR', message: 'injected failure', count: 1})
    const result = await ws.run(['sql', 'SELECT 1 AS one', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json().rows).toEqual([{one: 1}])
    expect((await ws.requests()).filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([500, 200])
  })

  it('never submits a write again whose outcome is unknown: exit 1 naming the exact statement, and it ran once', async () => {
    await ws.clearRequests()
    await ws.fault({method: 'POST', path: '/api/2.0/sql/statements', reset: true, when: 'after', count: 1})
    const statement = 'INSERT INTO lakehouse.default.orders VALUES (8, :customer, 1.50, DATE\'2026-01-02\', false)'
    const result = await ws.run(['sql', statement, '--param', 'customer=eve', '--json'])
    expect(result.code).toBe(1)
    const error = result.json().error
    expect(error).toMatchObject({code: 'OUTCOME_UNKNOWN', exit_code: 1})
    expect(error.message).toBe(`The outcome of this statement is unknown (connection reset before a response arrived (ECONNRESET)); it may or may not have run, so it was not submitted again: ${statement}`)
    expect((await ws.requests()).filter((r) => r.method === 'POST')).toHaveLength(1)
    const human = await ws.run(['sql', 'SELECT count(*) AS n FROM lakehouse.default.orders WHERE id = 8', '--json'])
    expect(human.json().rows).toEqual([{n: 1}])
  })

  it('prints an unknown outcome as one clear line without a stack trace', async () => {
    await ws.fault({method: 'POST', path: '/api/2.0/sql/statements', status: 502, when: 'after', count: 1})
    const result = await ws.run(['sql', 'DELETE FROM lakehouse.default.orders WHERE id = 8'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^Error \(OUTCOME_UNKNOWN\): The outcome of this statement is unknown \(502 \w+\); it may or may not have run, so it was not submitted again: DELETE FROM lakehouse\.default\.orders WHERE id = 8$/m)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('secrets', () => {
  it('never prints the token: stdout, stderr and --debug traces', async () => {
    await ws.fault({method: 'GET', path: '/api/2.0/sql/warehouses', status: 429, retry_after: '0', count: 1})
    const runs = await Promise.all([
      ws.run(['doctor', '--debug']),
      ws.run(['sql', 'SELECT 1 AS x', '--debug', '--json']),
      ws.run(['sql', 'SELEC broken', '--debug']),
      ws.run(['sql', 'SELECT 1', '--profile', 'loc', '--debug']),
    ])
    const everything = runs.map((r) => r.stdout + r.stderr).join('\n')
    expect(everything).toMatch(/> GET \/api\/2\.0\/preview\/scim\/v2\/Me/)
    expect(everything).toMatch(/< 200 POST \/api\/2\.0\/sql\/statements/)
    expect(everything).not.toContain(CANARY)
    expect(everything).not.toContain(CANARY.slice(4, 24))
  })
})

describe('TLS', () => {
  let server: https.Server
  let port: number
  let authorizedRequests = 0
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lakectl-tls-'))
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=evil.example'], {stdio: 'ignore'})
    server = https.createServer({key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem'))}, (req, res) => {
      if (req.headers.authorization) authorizedRequests++
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify({userName: 'evil@example', warehouses: []}))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('refuses a self-signed certificate by default and sends no credentials', async () => {
    ws.writeDatabricksCfg(`[evil]\nhost = https://127.0.0.1:${port}\ntoken = ${CANARY}\n\n[evil-trusted]\nhost = https://127.0.0.1:${port}\ntoken = ${CANARY}\nskip_verify = true\n`)
    const result = await ws.run(['sql', 'SELECT 1', '--profile', 'evil'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/TLS verification failed/)
    expect(authorizedRequests).toBe(0)
  })

  it('connects only when the profile says skip_verify = true', async () => {
    const result = await ws.run(['doctor', '--profile', 'evil-trusted', '--json'])
    expect(authorizedRequests).toBeGreaterThan(0)
    expect(result.stdout + result.stderr).not.toContain(CANARY)
  })
})
