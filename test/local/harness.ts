/** Starts the local workspace in-process on an ephemeral port with a temporary state folder. */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {startLocalWorkspace, type LocalWorkspace, type LocalWorkspaceOptions} from '../../src/local/server.js'

export interface ApiResponse<T = any> {
  status: number
  body: T
  headers: Headers
}

export class TestServer {
  private constructor(
    public workspace: LocalWorkspace,
    readonly stateDir: string,
    readonly token: string,
    private readonly options: Partial<LocalWorkspaceOptions>,
    readonly logLines: string[],
  ) {}

  static async start(options: Partial<LocalWorkspaceOptions> = {}, stateDir = mkdtempSync(path.join(tmpdir(), 'lakectl-local-'))): Promise<TestServer> {
    const token = 'lkl_test_token_0123456789'
    const logLines: string[] = []
    const workspace = await startLocalWorkspace({stateDir, token, log: (line) => logLines.push(line), ...options})
    return new TestServer(workspace, stateDir, token, options, logLines)
  }

  get url(): string {
    return this.workspace.url
  }

  async call<T = any>(method: string, pathname: string, body?: unknown, token: string | null = this.token): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.url}${pathname}`, {
      method,
      headers: {...(token === null ? {} : {authorization: `Bearer ${token}`}), ...(body === undefined ? {} : {'content-type': 'application/json'})},
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return {status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers}
  }

  /** Calls and asserts HTTP 200, returning the body. */
  async ok<T = any>(method: string, pathname: string, body?: unknown): Promise<T> {
    const response = await this.call<T>(method, pathname, body)
    if (response.status !== 200) throw new Error(`${method} ${pathname} -> ${response.status} ${JSON.stringify(response.body)}`)
    return response.body
  }

  /** Runs SQL through the Statement Execution API and waits for a terminal state. */
  async sql(statement: string, extra: Record<string, unknown> = {}): Promise<any> {
    let response = await this.ok('POST', '/api/2.0/sql/statements', {statement, warehouse_id: 'local00000000001', wait_timeout: '30s', ...extra})
    while (['PENDING', 'RUNNING'].includes(response.status.state)) {
      response = await this.ok('GET', `/api/2.0/sql/statements/${response.statement_id}`)
    }
    return response
  }

  /** SQL that must succeed; returns its rows (first chunk). */
  async rows(statement: string, extra: Record<string, unknown> = {}): Promise<Array<Array<string | null>>> {
    const response = await this.sql(statement, extra)
    if (response.status.state !== 'SUCCEEDED') throw new Error(`${statement}: ${JSON.stringify(response.status)}`)
    return response.result.data_array ?? []
  }

  async restart(): Promise<void> {
    await this.workspace.close()
    this.workspace = await startLocalWorkspace({stateDir: this.stateDir, token: this.token, log: (line) => this.logLines.push(line), ...this.options})
  }

  async stop(): Promise<void> {
    await this.workspace.close()
    rmSync(this.stateDir, {recursive: true, force: true})
  }
}
