/**
 * The workspace client: every request lakectl sends goes through here. Auth headers come from the
 * SDK's Config (see auth.ts); transport, TLS, retries, deadlines, pagination and the --debug trace are
 * lakectl's own, because the SDK drops PATCH bodies, skips TLS verification by default and ignores
 * Retry-After (reference/sdk-and-toolchain.md). The local workspace is just another host here.
 */
import {randomUUID} from 'node:crypto'
import {setTimeout as sleepFor} from 'node:timers/promises'

import {InterruptedError, isAbortError} from '../errors.js'
import {ApiError, ConnectionError, parseApiError} from './errors.js'
import {Redactor} from './redact.js'
import {DEFAULT_RETRY_POLICY, nextDelay, type Outcome, type RetryPolicy} from './retry.js'
import {NetworkError, NodeTransport, type HttpResponse, type Transport, workspaceUrl} from './transport.js'

export interface AuthProvider {
  /** Headers that authenticate one request (refreshed by the provider when needed). */
  headers(): Promise<Record<string, string>>
  /** Secret values this provider knows, for redaction. */
  secrets(): string[]
}

export interface ClientOptions {
  host: string
  auth: AuthProvider
  userAgent: string
  skipVerify?: boolean
  retry?: Partial<RetryPolicy>
  /** Receives one redacted line per request and response (--debug). */
  trace?: (line: string) => void
  /** Aborts every request in flight and every wait (Ctrl-C). */
  signal?: AbortSignal
  transport?: Transport
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export type Query = Record<string, string | number | boolean | undefined | Array<string | number>>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Safe to repeat after a connection reset or timeout. GET, PUT, DELETE and PATCH are by default. */
  idempotent?: boolean
  timeoutMs?: number
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'])

export class DatabricksClient {
  readonly host: URL
  readonly policy: RetryPolicy
  private readonly options: ClientOptions
  private readonly transport: Transport
  private readonly redactor: Redactor

  constructor(options: ClientOptions) {
    this.host = workspaceUrl(options.host)
    this.options = options
    this.policy = {...DEFAULT_RETRY_POLICY, ...options.retry}
    this.transport = options.transport ?? new NodeTransport({skipVerify: options.skipVerify})
    this.redactor = new Redactor(options.auth.secrets())
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, {query})
  }

  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, {...options, body: body ?? {}})
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, {body: body ?? {}})
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, {body})
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('DELETE', path, {query})
  }

  /** GET that resolves to undefined on not-found instead of throwing. */
  async find<T>(path: string, query?: Query): Promise<T | undefined> {
    try {
      return await this.get<T>(path, query)
    } catch (error) {
      if (error instanceof ApiError && error.notFound) return undefined
      throw error
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query)
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    const idempotent = options.idempotent ?? IDEMPOTENT_METHODS.has(method)
    const started = Date.now()
    const deadline = started + this.policy.deadlineMs
    const shownPath = url.pathname + url.search
    for (let attempt = 1; ; attempt++) {
      this.throwIfAborted()
      const headers = {
        ...(await this.options.auth.headers()),
        'user-agent': this.options.userAgent,
        accept: 'application/json',
        ...(body === undefined ? {} : {'content-type': 'application/json'}),
      }
      const timeoutMs = Math.max(1, Math.min(options.timeoutMs ?? this.policy.requestTimeoutMs, deadline - Date.now()))
      this.trace(`> ${method} ${shownPath}${attempt > 1 ? ` (attempt ${attempt})` : ''}${body ? ` ${this.redactor.body(body)}` : ''}`)
      const sent = Date.now()
      let outcome: Outcome
      let response: HttpResponse | undefined
      let failure: Error
      try {
        response = await this.transport.send({method, url, headers, body, timeoutMs, signal: this.options.signal})
        const requestId = header(response, 'x-request-id') ?? header(response, 'x-databricks-request-id')
        this.trace(`< ${response.status} ${method} ${shownPath} (${Date.now() - sent} ms)${requestId ? ` [${requestId}]` : ''} ${this.redactor.body(response.body)}`)
        if (response.status >= 200 && response.status < 300) return parseBody<T>(response.body)
        failure = parseApiError(response.status, this.redactor.text(response.body), method, url.pathname, requestId)
        outcome = {kind: 'response', status: response.status, retryAfter: header(response, 'retry-after')}
      } catch (error) {
        if (isAbortError(error) || this.options.signal?.aborted) throw new InterruptedError()
        if (!(error instanceof NetworkError)) throw error
        if (TLS_CODES.test(error.code)) throw tlsError(error, this.host)
        this.trace(`< ${error.code} ${method} ${shownPath} (${Date.now() - sent} ms) ${error.message}`)
        failure = new ConnectionError(
          `${method} ${url.pathname} failed: ${error.message} (${error.code}) after ${attempt} attempt${attempt > 1 ? 's' : ''}.`,
          error.code,
          `check that ${this.host.origin} is reachable (for the local workspace: lakectl local status)`,
        )
        outcome = {kind: 'network', code: error.code}
      }
      const delay = nextDelay(outcome, attempt, idempotent, this.policy)
      if (delay === undefined || Date.now() + delay > deadline) throw failure
      this.trace(`  retrying in ${delay} ms`)
      await this.sleep(delay)
    }
  }

  /**
   * Iterates a list endpoint page by page, following next_page_token until it is absent: a page may be
   * empty and still carry a token (the SDK stops there; we do not).
   */
  async *paginate<T>(path: string, itemsKey: string, query: Query = {}, tokenParam = 'page_token'): AsyncGenerator<T> {
    let token: string | undefined
    do {
      const page = await this.get<Record<string, unknown>>(path, {...query, ...(token ? {[tokenParam]: token} : {})})
      const items = page[itemsKey]
      if (Array.isArray(items)) yield* items as T[]
      token = typeof page.next_page_token === 'string' && page.next_page_token !== '' ? page.next_page_token : undefined
    } while (token)
  }

  async listAll<T>(path: string, itemsKey: string, query: Query = {}): Promise<T[]> {
    const out: T[] = []
    for await (const item of this.paginate<T>(path, itemsKey, query)) out.push(item)
    return out
  }

  /** Waits, but wakes up on Ctrl-C. */
  async sleep(ms: number): Promise<void> {
    try {
      await (this.options.sleep ?? sleepFor)(ms, this.options.signal)
    } catch (error) {
      if (isAbortError(error)) throw new InterruptedError()
      throw error
    }
  }

  /** The same client without the Ctrl-C signal, for clean-up requests after an interrupt. */
  detached(): DatabricksClient {
    return new DatabricksClient({...this.options, signal: undefined, transport: this.transport})
  }

  newIdempotencyToken(): string {
    return randomUUID()
  }

  close(): void {
    if (this.transport instanceof NodeTransport) this.transport.close()
  }

  private url(path: string, query: Query = {}): URL {
    const url = new URL(path, this.host)
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item))
    }
    return url
  }

  private trace(line: string): void {
    this.options.trace?.(this.redactor.text(line))
  }

  private throwIfAborted(): void {
    if (this.options.signal?.aborted) throw new InterruptedError()
  }
}

function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function parseBody<T>(body: string): T {
  if (!body.trim()) return {} as T
  return JSON.parse(body) as T
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/

function tlsError(error: NetworkError, host: URL): ConnectionError {
  return new ConnectionError(
    `TLS verification failed for ${host.host}: ${error.message} (${error.code}).`,
    'TLS_VERIFICATION_FAILED',
    'trust the certificate through NODE_EXTRA_CA_CERTS, or set skip_verify = true in the profile only for a host you trust',
  )
}
