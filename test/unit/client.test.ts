import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest'

import {DatabricksClient} from '../../src/databricks/client.js'
import {ApiError, ConnectionError, OutcomeUnknownError} from '../../src/databricks/errors.js'
import type {RetryEvent} from '../../src/databricks/retry.js'
import {NetworkError} from '../../src/databricks/transport.js'
import {convertValue, encodeParameters, isIdempotentStatement} from '../../src/databricks/sql.js'
import {parseParams} from '../../src/commands/sql.js'

/** A scripted server: each path has a queue of answers; the last one repeats. */
type Answer = {status: number; body?: unknown; headers?: Record<string, string>} | 'reset'
const script = new Map<string, Answer[]>()
const seen: Array<{method: string; url: string; body: string; headers: http.IncomingHttpHeaders}> = []
let server: http.Server
let host: string

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push({method: req.method!, url: req.url!, body, headers: req.headers})
      const queue = script.get(new URL(req.url!, 'http://x').pathname) ?? [{status: 404, body: {error_code: 'ENDPOINT_NOT_FOUND', message: 'no'}}]
      const answer = queue.length > 1 ? queue.shift()! : queue[0]
      if (answer === 'reset') {
        req.socket.destroy()
        return
      }
      res.writeHead(answer.status, {'content-type': 'application/json', ...answer.headers})
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function client(options: {deadlineMs?: number; trace?: string[]; sleeps?: number[]} = {}) {
  return new DatabricksClient({
    host,
    userAgent: 'lakectl/test',
    auth: {headers: async () => ({authorization: 'Bearer secret-token-123'}), secrets: () => ['secret-token-123']},
    retry: {baseDelayMs: 1, maxDelayMs: 4, deadlineMs: options.deadlineMs ?? 10_000},
    trace: options.trace ? (line) => options.trace!.push(line) : undefined,
    // Record the waits instead of sleeping: the policy, not the clock, is under test here.
    sleep: async (ms) => void options.sleeps?.push(ms),
  })
}

describe('DatabricksClient', () => {
  it('sends PATCH bodies, the user agent and JSON', async () => {
    script.set('/p', [{status: 200, body: {ok: true}}])
    seen.length = 0
    expect(await client().patch('/p', {changes: [{principal: 'a', add: ['SELECT']}]})).toEqual({ok: true})
    expect(seen[0]).toMatchObject({method: 'PATCH', body: '{"changes":[{"principal":"a","add":["SELECT"]}]}'})
    expect(seen[0].headers['user-agent']).toBe('lakectl/test')
  })

  it('waits what Retry-After asks on 429 and 503, then succeeds', async () => {
    script.set('/r', [
      {status: 429, body: {error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down'}, headers: {'retry-after': '2'}},
      {status: 503, body: {error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy'}, headers: {'retry-after': '1'}},
      {status: 200, body: {done: 1}},
    ])
    const sleeps: number[] = []
    expect(await client({sleeps}).get('/r')).toEqual({done: 1})
    expect(sleeps).toEqual([2000, 1000])
  })

  it('gives up at the deadline and keeps status, error_code and request id', async () => {
    script.set('/d', [{status: 429, body: {error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'throttled'}, headers: {'retry-after': '30', 'x-request-id': 'rid-9'}}])
    const error = await client({deadlineMs: 5_000}).get('/d').catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({status: 429, errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'throttled', requestId: 'rid-9'})
  })

  it('retries a reset GET, and raises an unknown outcome for a reset non-idempotent POST without sending it again', async () => {
    script.set('/g', ['reset', {status: 200, body: {fine: true}}])
    expect(await client().get('/g')).toEqual({fine: true})
    script.set('/post', ['reset', {status: 200, body: {}}])
    seen.length = 0
    const error = (await client().post('/post', {a: 1}).catch((e: unknown) => e)) as OutcomeUnknownError
    expect(error).toBeInstanceOf(OutcomeUnknownError)
    expect(error).toMatchObject({code: 'OUTCOME_UNKNOWN', kind: 'failure', request: 'POST /post'})
    expect(error.message).toMatch(/^The outcome of POST \/post is unknown: connection reset before a response arrived \(ECONNRESET\); it may or may not have taken effect\.$/)
    expect(seen.filter((r) => r.url === '/post')).toHaveLength(1)
  })

  it('sends an idempotent call again after a 500, at most serverErrorAttempts times', async () => {
    script.set('/f', [{status: 500, body: {error_code: 'INTERNAL_ERROR', message: 'kaput'}}, {status: 200, body: {ok: 1}}])
    seen.length = 0
    expect(await client().put('/f', {})).toEqual({ok: 1})
    expect(seen).toHaveLength(2)
    script.set('/f', [{status: 502, body: {error_code: 'BAD_GATEWAY', message: 'kaput'}}])
    seen.length = 0
    const error = await client().delete('/f').catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({status: 502, errorCode: 'BAD_GATEWAY', kind: 'failure'})
    expect(seen).toHaveLength(4)
  })

  it('settles an unknown outcome by reading: done returns what the read found, without sending again', async () => {
    script.set('/create', [{status: 500, body: {error_code: 'INTERNAL_ERROR', message: 'kaput'}}, {status: 200, body: {id: 'second'}}])
    seen.length = 0
    const reads: string[] = []
    const made = await client().post<{id: string}>('/create', {name: 'x'}, {settle: async () => (reads.push('read'), {value: {id: 'found'}})})
    expect(made).toEqual({id: 'found'})
    expect(reads).toEqual(['read'])
    expect(seen.filter((r) => r.url === '/create')).toHaveLength(1)
  })

  it('settles an unknown outcome by reading: absent is sent again after the backoff', async () => {
    script.set('/create', ['reset', {status: 200, body: {id: 'made'}}])
    seen.length = 0
    const sleeps: number[] = []
    const made = await client({sleeps}).post<{id: string}>('/create', {name: 'x'}, {settle: async () => undefined})
    expect(made).toEqual({id: 'made'})
    expect(seen.filter((r) => r.url === '/create')).toHaveLength(2)
    expect(sleeps).toHaveLength(1)
  })

  it('gives up on a settled-absent create after serverErrorAttempts 500s with the last error', async () => {
    script.set('/create', [{status: 500, body: {error_code: 'INTERNAL_ERROR', message: 'kaput'}}])
    seen.length = 0
    let reads = 0
    const error = await client().post('/create', {}, {settle: async () => void reads++}).catch((e) => e)
    expect(error).toMatchObject({status: 500, errorCode: 'INTERNAL_ERROR'})
    expect(seen).toHaveLength(4)
    expect(reads).toBe(4)
  })

  it('never sends a definite refusal again, nor reads it back', async () => {
    script.set('/bad', [{status: 400, body: {error_code: 'INVALID_PARAMETER_VALUE', message: 'no'}}])
    seen.length = 0
    let reads = 0
    const error = await client().post('/bad', {}, {settle: async () => void reads++}).catch((e) => e)
    expect(error).toMatchObject({status: 400, errorCode: 'INVALID_PARAMETER_VALUE'})
    expect(seen).toHaveLength(1)
    expect(reads).toBe(0)
  })

  it('follows next_page_token through empty pages until it is absent', async () => {
    script.set('/list', [
      {status: 200, body: {items: [1, 2], next_page_token: 'a'}},
      {status: 200, body: {items: [], next_page_token: 'b'}},
      {status: 200, body: {next_page_token: 'c'}},
      {status: 200, body: {items: [3]}},
    ])
    seen.length = 0
    expect(await client().listAll('/list', 'items', {max_results: 2})).toEqual([1, 2, 3])
    expect(seen.map((r) => r.url)).toEqual(['/list?max_results=2', '/list?max_results=2&page_token=a', '/list?max_results=2&page_token=b', '/list?max_results=2&page_token=c'])
  })

  it('traces requests with the credentials redacted', async () => {
    script.set('/t', [{status: 200, body: {token_value: 'secret-token-123', name: 'n'}}])
    const trace: string[] = []
    await client({trace}).post('/t', {client_secret: 'xyz', note: 'secret-token-123'})
    const text = trace.join('\n')
    expect(text).toMatch(/> POST \/t/)
    expect(text).toMatch(/< 200 POST \/t \(\d+ ms\)/)
    expect(text).not.toContain('secret-token-123')
    expect(text).not.toContain('xyz')
  })

  it('refuses plain http to a non-loopback host', () => {
    expect(() => new DatabricksClient({host: 'http://example.com', userAgent: 'x', auth: {headers: async () => ({}), secrets: () => []}})).toThrow(/Refusing plain http/)
  })
})

describe('SQL values and parameters', () => {
  it('judges by its text whether a statement is safe to submit twice', () => {
    for (const safe of ['SELECT 1', '  -- why\n/* note */ select * from t', 'WITH a AS (SELECT 1) SELECT * FROM a', 'SHOW TABLES', 'DESCRIBE t', 'CREATE TABLE IF NOT EXISTS a.b.c (x INT)', 'create or replace view v as select 1', 'DROP TABLE IF EXISTS a.b']) {
      expect(isIdempotentStatement(safe), safe).toBe(true)
    }
    for (const unsafe of ['INSERT INTO t VALUES (1)', 'WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a', 'UPDATE t SET x = x + 1', 'DELETE FROM t', 'MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE', 'CREATE TABLE a (x INT)', 'ALTER TABLE t ADD COLUMNS (y INT)', 'DROP TABLE t', '-- SELECT\nINSERT INTO t VALUES (1)']) {
      expect(isIdempotentStatement(unsafe), unsafe).toBe(false)
    }
  })

  it('converts values by column type', () => {
    expect(convertValue('42', 'INT')).toBe(42)
    expect(convertValue('9007199254740993', 'LONG')).toBe('9007199254740993')
    expect(convertValue('12.50', 'DECIMAL')).toBe(12.5)
    expect(convertValue('1.5', 'DOUBLE')).toBe(1.5)
    expect(convertValue('true', 'BOOLEAN')).toBe(true)
    expect(convertValue('2026-11-26', 'DATE')).toBe('2026-11-26')
    expect(convertValue(null, 'INT')).toBeNull()
  })

  it('parses --param flags with optional types', () => {
    expect(parseParams(['id=C1', 'n:int=42', 'amount:DECIMAL(10,2)=9.99', 'empty='])).toEqual({
      id: {value: 'C1', type: 'STRING'},
      n: {value: '42', type: 'INT'},
      amount: {value: '9.99', type: 'DECIMAL(10,2)'},
      empty: {value: '', type: 'STRING'},
    })
    expect(() => parseParams(['1bad=x'])).toThrow(/Invalid --param/)
    expect(() => parseParams(['a=1', 'a=2'])).toThrow(/given twice/)
  })

  it('encodes typed parameters, NULL as an absent value', () => {
    expect(encodeParameters({a: 1, b: 1.5, c: true, d: null, e: 'x'})).toEqual([
      {name: 'a', value: '1', type: 'BIGINT'},
      {name: 'b', value: '1.5', type: 'DOUBLE'},
      {name: 'c', value: 'true', type: 'BOOLEAN'},
      {name: 'd', type: 'STRING'},
      {name: 'e', value: 'x', type: 'STRING'},
    ])
  })
})

describe('a host that cannot be reached', () => {
  /** A transport that fails every request with `code`; time moves only when the client waits. */
  function unreachable(code: string, policy: {unreachableMs: number; deadlineMs?: number}) {
    const events: RetryEvent[] = []
    let sent = 0
    const c = new DatabricksClient({
      host: 'https://nowhere.example',
      userAgent: 'lakectl/test',
      auth: {headers: async () => ({}), secrets: () => []},
      retry: {baseDelayMs: 250, maxDelayMs: 10_000, ...policy},
      transport: {send: async () => {
        sent++
        throw new NetworkError(code, code === 'ENOTFOUND' ? 'host name not found (DNS)' : 'connection refused')
      }},
      onRetry: (event) => events.push(event),
      sleep: async (ms) => void vi.setSystemTime(Date.now() + ms),
    })
    return {client: c, events, sent: () => sent}
  }

  beforeEach(() => {
    vi.useFakeTimers({toFake: ['Date']})
    // A fixed jitter: with a random one the last attempt may fall too close to the budget's end to wait again.
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  it('gives a DNS failure the short budget, reporting every retry, and fails with the host and the cause', async () => {
    const started = Date.now()
    const {client: c, events, sent} = unreachable('ENOTFOUND', {unreachableMs: 10_000})
    const error = (await c.get("/api/2.0/preview/scim/v2/Me").catch((e: unknown) => e)) as ConnectionError
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toMatchObject({code: 'UNREACHABLE', details: {host: 'nowhere.example', cause: 'ENOTFOUND'}})
    expect(error.message).toMatch(/^Cannot reach nowhere\.example: host name not found \(DNS\) \(ENOTFOUND\), \d+ attempts in 10\.0 s/)
    // The last wait is cut so that the budget is used, not overrun.
    expect(Date.now() - started).toBe(10_000)
    expect(events).toHaveLength(sent() - 1)
    expect(events.map((e) => e.attempt)).toEqual(events.map((_, i) => i + 1))
    expect(events[0]).toMatchObject({what: 'GET https://nowhere.example/api/2.0/preview/scim/v2/Me', cause: 'host name not found (DNS) (ENOTFOUND)'})
  })

  it('takes a shorter budget (lakectl.yaml or --timeout) as given', async () => {
    const started = Date.now()
    const {client: c, sent} = unreachable('ECONNREFUSED', {unreachableMs: 2_000})
    await expect(c.post('/api/2.0/sql/statements', {})).rejects.toMatchObject({code: 'UNREACHABLE'})
    expect(Date.now() - started).toBe(2_000)
    expect(sent()).toBeLessThan(7)
  })
})
