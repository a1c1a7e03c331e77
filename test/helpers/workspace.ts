/**
 * End-to-end harness: a local workspace started in-process on an ephemeral port (with the test-only
 * control endpoints), and the BUILT CLI run as a child process against it over real sockets.
 */
import {cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {startLocalWorkspace, type LocalWorkspace} from '../../src/local/server.js'
import type {LocalLimits} from '../../src/local/limits.js'
import type {ChildProcess} from 'node:child_process'

import {type CliResult, startCli} from './cli.js'

export {BIN, type CliResult, runCli} from './cli.js'


export interface Fault {
  method?: string
  path: string
  status?: number
  error_code?: string
  message?: string
  retry_after?: string
  delay_ms?: number
  reset?: boolean
  count?: number
  when?: 'before' | 'after'
}

export interface RecordedRequest {
  method: string
  path: string
  query?: string
  /** The API route the path matched, e.g. /api/2.1/unity-catalog/schemas/{full_name}. */
  route?: string
  status: number
  started_at: number
  duration_ms: number
}

export class TestWorkspace {
  private constructor(
    readonly server: LocalWorkspace,
    readonly token: string,
    readonly stateDir: string,
    /** A project folder to run the CLI in (holds lakectl.yaml when a test writes one). */
    readonly projectDir: string,
    /** HOME for the CLI: no ~/.databrickscfg leaks in from the machine. */
    readonly home: string,
  ) {}

  /** `from`: a copy of the state folder of a workspace that was closed (a prepared starting point). */
  static async start(options: {token?: string; limits?: Partial<LocalLimits>; from?: string} = {}): Promise<TestWorkspace> {
    const root = mkdtempSync(path.join(tmpdir(), 'lakectl-e2e-'))
    const stateDir = path.join(root, 'state')
    const projectDir = path.join(root, 'project')
    const home = path.join(root, 'home')
    for (const dir of [stateDir, projectDir, home]) mkdirSync(dir, {recursive: true})
    if (options.from) cpSync(options.from, stateDir, {recursive: true})
    const token = options.token ?? `lkl_test_${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`
    const server = await startLocalWorkspace({stateDir, token, enableControl: true, limits: options.limits})
    // What `lakectl local up` publishes, so the CLI's local target finds this server.
    writeFileSync(path.join(stateDir, 'token'), token, {mode: 0o600})
    writeFileSync(path.join(stateDir, 'server.json'), JSON.stringify({url: server.url, port: server.port, pid: process.pid, started_at: Date.now()}))
    return new TestWorkspace(server, token, stateDir, projectDir, home)
  }

  get url(): string {
    return this.server.url
  }

  /** Runs the built CLI. */
  run(args: string[], options: {env?: Record<string, string | undefined>; cwd?: string; input?: string} = {}): Promise<CliResult> {
    return this.start(args, options).result
  }

  /** Starts the built CLI without waiting (to interrupt it). */
  start(args: string[], options: {env?: Record<string, string | undefined>; cwd?: string; input?: string} = {}): {child: ChildProcess; result: Promise<CliResult>} {
    return startCli(args, {env: this.env(options.env), cwd: options.cwd ?? this.projectDir, input: options.input})
  }

  /** The CLI's environment: this workspace's state folder, a clean HOME, no terminal rules from CI unless removed. */
  env(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: this.home,
      // Without this, oclif loads src/ through tsx in a child of vitest (NODE_ENV=test).
      NODE_ENV: 'production',
      OCLIF_SKIP_NEW_VERSION_CHECK: 'true',
      LAKECTL_STATE_DIR: this.stateDir,
      CI: 'true',
    }
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) delete env[k]
      else env[k] = v
    }
    return env
  }

  async control<T = unknown>(method: string, pathname: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${pathname}`, {
      method,
      headers: {authorization: `Bearer ${this.token}`, 'content-type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${text}`)
    return (text ? JSON.parse(text) : {}) as T
  }

  fault(fault: Fault): Promise<{id: string}> {
    return this.control('POST', '/__lakectl/faults', fault)
  }

  clearFaults(): Promise<unknown> {
    return this.control('DELETE', '/__lakectl/faults')
  }

  requests(): Promise<RecordedRequest[]> {
    return this.control<RecordedRequest[] | {requests: RecordedRequest[]}>('GET', '/__lakectl/requests').then((r) => (Array.isArray(r) ? r : r.requests))
  }

  clearRequests(): Promise<unknown> {
    return this.control('DELETE', '/__lakectl/requests')
  }

  /** A REST call with the workspace token, for reading state back independently of lakectl. */
  async api<T = any>(method: string, pathname: string, body?: unknown): Promise<T> {
    return this.control<T>(method, pathname, body)
  }

  /** Every run of a job, all pages of runs/list, newest first. */
  async jobRuns(jobId: number): Promise<any[]> {
    const runs: any[] = []
    let token: string | undefined
    do {
      const page = await this.api('GET', `/api/2.2/jobs/runs/list?job_id=${jobId}&limit=25${token ? `&page_token=${token}` : ''}`)
      runs.push(...(page.runs ?? []))
      token = page.next_page_token
    } while (token)
    return runs
  }

  writeConfig(yaml: string): void {
    writeFileSync(path.join(this.projectDir, 'lakectl.yaml'), yaml)
  }

  writeDatabricksCfg(text: string): void {
    writeFileSync(path.join(this.home, '.databrickscfg'), text)
  }

  /** Closes the server and keeps its state folder, to start copies from: TestWorkspace.start({from}). */
  async freeze(): Promise<string> {
    await this.server.close()
    return this.stateDir
  }

  /** Removes what a frozen workspace left. */
  discard(): void {
    rmSync(path.dirname(this.stateDir), {recursive: true, force: true})
  }

  async stop(): Promise<void> {
    await this.server.close()
    rmSync(path.dirname(this.stateDir), {recursive: true, force: true})
  }
}
