/**
 * Hosts that cannot be reached fail fast and visibly, retries say so on stderr, and read-only commands
 * never start the local workspace: the BUILT CLI as a child process, real sockets.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, TestWorkspace} from '../helpers/workspace.js'

const RETRY_LINE = /^GET http:\/\/127\.0\.0\.1:\d+\/api\/[^ ]+: connection refused \(ECONNREFUSED\); attempt \d+ failed, next try in [\d.]+ s$/

let ws: TestWorkspace
let deadPort: number

/** "... 7 attempts in 10.0 s ..." -> 10 */
const secondsTaken = (message: string) => Number(/attempts in ([\d.]+) s/.exec(message)?.[1])

/** A port on 127.0.0.1 that was just free: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

beforeAll(async () => {
  ws = await TestWorkspace.start()
  deadPort = await closedPort()
  ws.writeDatabricksCfg(`[dead]\nhost = http://127.0.0.1:${deadPort}\ntoken = dapi-not-used\n\n[dead-oauth]\nhost = http://127.0.0.1:${deadPort}\nclient_id = c1\nclient_secret = sekrit-oauth-value\n`)
})

afterAll(async () => {
  await ws?.stop()
})

describe('a host that refuses connections', () => {
  // The two waits of about 10 s run side by side.
  let sql: Promise<CliResult>
  let doctor: Promise<CliResult>
  beforeAll(() => {
    sql = ws.run(['sql', 'SELECT 1', '--profile', 'dead'])
    doctor = ws.run(['doctor', '--profile', 'dead', '--json'])
  })

  it('sql fails within 15 s with a line per retry and exit 1 naming the host and the cause', async () => {
    const result = await sql
    expect(result.code).toBe(1)
    // The budget is about 10 s (network.unreachable_retry_seconds); before, this took over 4 minutes.
    expect(result.ms).toBeLessThan(15_000)
    const lines = result.stderr.trim().split('\n')
    const retries = lines.filter((l) => RETRY_LINE.test(l))
    expect(retries.length).toBeGreaterThanOrEqual(3)
    expect(retries.map((l) => Number(/attempt (\d+)/.exec(l)![1]))).toEqual(retries.map((_, i) => i + 1))
    expect(lines.at(-2)).toMatch(new RegExp(`^Error \\(UNREACHABLE\\): Cannot reach 127\\.0\\.0\\.1:${deadPort}: connection refused \\(ECONNREFUSED\\), ${retries.length + 1} attempts in [\\d.]+ s`))
    // The last wait is cut to end with the budget; a loaded machine adds a little to the last attempt.
    expect(secondsTaken(lines.at(-2)!)).toBeGreaterThanOrEqual(9.5)
    expect(secondsTaken(lines.at(-2)!)).toBeLessThan(12)
    expect(lines.at(-1)).toMatch(/^Try: /)
  }, 30_000)

  it('doctor answers within the budget: reachable fails, exit 1', async () => {
    const result = await doctor
    expect(result.code).toBe(1)
    expect(result.ms).toBeLessThan(15_000)
    const reachable = result.json().checks.find((c: {name: string}) => c.name === 'reachable')
    expect(reachable).toMatchObject({status: 'fail'})
    expect(reachable.detail).toMatch(new RegExp(`Cannot reach 127\\.0\\.0\\.1:${deadPort}: connection refused`))
    expect(result.stderr.split('\n').filter((l) => RETRY_LINE.test(l)).length).toBeGreaterThanOrEqual(3)
  }, 30_000)

  it('takes its budget from lakectl.yaml, and from --timeout where a command has one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-budget-'))
    const config = path.join(dir, 'lakectl.yaml')
    writeFileSync(config, 'network:\n  unreachable_retry_seconds: 2\n')
    const fromConfig = await ws.run(['sql', 'SELECT 1', '--profile', 'dead', '--config', config, '--json'])
    expect(fromConfig.code).toBe(1)
    expect(fromConfig.json().error).toMatchObject({code: 'UNREACHABLE', exit_code: 1, details: {host: `127.0.0.1:${deadPort}`, cause: 'ECONNREFUSED'}})
    expect(secondsTaken(fromConfig.json().error.message)).toBeGreaterThanOrEqual(1.5)
    expect(secondsTaken(fromConfig.json().error.message)).toBeLessThan(4)
    const fromFlag = await ws.run(['stream', 'stop', '--profile', 'dead', '--timeout', '2', '--json'])
    expect(fromFlag.code).toBe(1)
    expect(secondsTaken(fromFlag.json().error.message)).toBeGreaterThanOrEqual(1.5)
    expect(secondsTaken(fromFlag.json().error.message)).toBeLessThan(4)
  }, 30_000)
})

describe('an OAuth profile whose host refuses connections', () => {
  it('is a reachability failure (exit 1), not a credentials one (exit 4)', async () => {
    const result = await ws.run(['doctor', '--profile', 'dead-oauth', '--json'])
    expect(result.code).toBe(1)
    const reachable = result.json().checks.find((c: {name: string}) => c.name === 'reachable')
    expect(reachable).toMatchObject({status: 'fail', detail: `Cannot reach http://127.0.0.1:${deadPort} to authenticate (OAuth): ECONNREFUSED.`})
    expect(result.stdout + result.stderr).not.toContain('sekrit-oauth-value')
  })
})

describe('a 503 storm', () => {
  it('prints one line per retry, then succeeds', async () => {
    await ws.clearRequests()
    await ws.fault({method: 'GET', path: '/api/2.0/sql/warehouses', status: 503, error_code: 'TEMPORARILY_UNAVAILABLE', count: 4})
    const result = await ws.run(['sql', 'SELECT 1 AS x', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(4)
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^GET /api/2\\.0/sql/warehouses: 503 TEMPORARILY_UNAVAILABLE; attempt ${i + 1} failed, next try in [\\d.]+ s$`)))
    expect((await ws.requests()).filter((r) => r.path === '/api/2.0/sql/warehouses').map((r) => r.status)).toEqual([503, 503, 503, 503, 200])
    expect(result.json().rows).toEqual([{x: 1}])
  })
})

describe('read-only commands never start the local workspace', () => {
  const stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'lakectl-down-')), 'state')
  const env = {LAKECTL_STATE_DIR: stateDir}

  /** Processes whose command line names the state folder. */
  const serversOf = (dir: string) =>
    readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dir)
      } catch {
        return false
      }
    })
  const refused = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => (socket.destroy(), resolve(false)))
      socket.once('error', () => resolve(true))
    })

  it('stream status and doctor after local down: exit 1 with `lakectl local up`; no process, no port', async () => {
    const up = await ws.run(['local', 'up', '--json'], {env})
    expect(up.code, up.stderr).toBe(0)
    const {port, pid} = up.json()
    expect(serversOf(stateDir)).toEqual([String(pid)])
    const down = await ws.run(['local', 'down'], {env})
    expect(down.code, down.stderr).toBe(0)

    const status = await ws.run(['stream', 'status'], {env})
    expect(status.code).toBe(1)
    expect(status.stderr).toBe(`Error (LOCAL_NOT_RUNNING): Local workspace not running (state in ${stateDir}).\nTry: lakectl local up\n`)
    const doctor = await ws.run(['doctor'], {env})
    expect(doctor.code).toBe(1)
    expect(doctor.stdout).toMatch(/FAIL reachable +Local workspace not running/)
    expect(doctor.stdout).toMatch(/Try: lakectl local up/)
    const json = await ws.run(['stream', 'status', '--json'], {env})
    expect(json.json().error).toMatchObject({code: 'LOCAL_NOT_RUNNING', hint: 'lakectl local up', exit_code: 1})

    expect(existsSync(path.join(stateDir, 'server.json'))).toBe(false)
    expect(serversOf(stateDir)).toEqual([])
    expect(await refused(port)).toBe(true)
  }, 60_000)
})
