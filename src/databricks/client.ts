/**
 * The workspace client: every request lakectl sends goes through here. Auth headers come from the
 * SDK's Config (see auth.ts); transport, TLS, retries, deadlines, pagination and the --debug trace are
 * lakectl's own, because the SDK drops PATCH bodies, skips TLS verification by default and ignores
 * Retry-After (reference/sdk-and-toolchain.md). The local workspace is just another host here.
 */
import {setTimeout as sleepFor} from 'node:timers/promises'

import {InterruptedError, isAbortError} from '../errors.js'
import {ApiError, ConnectionError, OutcomeUnknownError, parseApiError} from './errors.js'
import {Redactor} from './redact.js'
import {DEFAULT_RETRY_POLICY, isOutcomeUnknown, isUnreachable, nextDelay, type Outcome, type RetryEvent, type RetryPolicy} from './retry.js'
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
  /** Told about every retry before its wait (the CLI prints one line per retry). */
  onRetry?: (event: RetryEvent) => void
  /** Aborts every request in flight and every wait (Ctrl-C). */
  signal?: AbortSignal
  transport?: Transport
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export type Query = Record<string, string | number | boolean | undefined | Array<string | number>>

/** What a read back found: the change is in place (with the answer to return), or it is not. */
export type Settled<T> = {value: T} | undefined

export interface RequestOptions<T = unknown> {
  query?: Query
  body?: unknown
  /**
   * Safe to repeat after an unknown outcome (a reset or timeout after sending, a 500/502/504): such a
   * call is simply sent again. GET, HEAD, PUT and DELETE are by default.
   */
  idempotent?: boolean
  /**
   * The one rule for a mutation that is not idempotent: after an unknown outcome the client calls this
   * to read the state back. It returns the answer when the change is in place (done; an object found in
   * another state is brought to the desired one by the settle function itself, through the normal update
   * path), or undefined when the change did not happen: the request is then sent again once the retry
   * policy allows. Without it, an unknown outcome of a non-idempotent call throws OutcomeUnknownError.
   */
  settle?: () => Promise<Settled<T>>
  timeoutMs?: number
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE'])
/** A last retry squeezed in before the end of a budget must leave the host at least this long. */
const MIN_RETRY_DELAY_MS = 200

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

  post<T>(path: string, body?: unknown, options: Omit<RequestOptions<T>, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, {...options, body: body ?? {}})
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, {body: body ?? {}})
  }

  patch<T>(path: string, body: unknown, options: Omit<RequestOptions<T>, 'body'> = {}): Promise<T> {
    return this.request<T>('PATCH', path, {...options, body})
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

  async request<T>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
    const url = this.url(path, options.query)
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    const idempotent = options.idempotent ?? IDEMPOTENT_METHODS.has(method)
    const started = Date.now()
    const deadline = started + this.policy.deadlineMs
    const shownPath = url.pathname + url.search
    let unreachableSince: number | undefined
    for (let attempt = 1; ; attempt++) {
      this.throwIfAborted()
      const headers = {
        ...(await this.options.auth.headers()),
        'user-agent': this.options.userAgent,
        accept: 'application/json',
        ...(body === undefined ? {} : {'content-type': 'application/json'}),
      }
      const timeoutMs = Math.max(1, Math.min(options.timeoutMs ?? this.policy.requestTimeoutMs, deadline - Date.now()))
      this.trace(() => `> ${method} ${shownPath}${attempt > 1 ? ` (attempt ${attempt})` : ''}${body ? ` ${this.redactor.body(body)}` : ''}`)
      const sent = Date.now()
      let outcome: Outcome
      let response: HttpResponse | undefined
      let failure: Error
      let cause: string
      try {
        response = await this.transport.send({method, url, headers, body, timeoutMs, connectTimeoutMs: this.policy.connectTimeoutMs, signal: this.options.signal})
        unreachableSince = undefined
        const requestId = header(response, 'x-request-id') ?? header(response, 'x-databricks-request-id')
        const {status, body: text} = response
        this.trace(() => `< ${status} ${method} ${shownPath} (${Date.now() - sent} ms)${requestId ? ` [${requestId}]` : ''} ${this.redactor.body(text)}`)
        if (response.status >= 200 && response.status < 300) return parseBody<T>(response.body)
        const apiError = parseApiError(response.status, this.redactor.text(response.body), method, url.pathname, requestId)
        failure = apiError
        cause = `${response.status} ${apiError.errorCode}`
        outcome = {kind: 'response', status: response.status, retryAfter: header(response, 'retry-after')}
      } catch (error) {
        if (isAbortError(error) || this.options.signal?.aborted) throw new InterruptedError()
        if (!(error instanceof NetworkError)) throw error
        if (TLS_CODES.test(error.code)) throw tlsError(error, this.host)
        this.trace(() => `< ${error.code} ${method} ${shownPath} (${Date.now() - sent} ms) ${error.message}`)
        outcome = {kind: 'network', code: error.code}
        cause = `${error.message} (${error.code})`
        if (isUnreachable(outcome)) unreachableSince ??= sent
        failure = this.connectionError(method, url, error, cause, attempt, unreachableSince ?? started)
      }
      let resend = idempotent
      if (!idempotent && isOutcomeUnknown(outcome)) {
        if (!options.settle) throw new OutcomeUnknownError(`${method} ${url.pathname}`, cause)
        this.trace(() => `  outcome unknown (${cause}): reading the state back`)
        const settled = await options.settle()
        if (settled) {
          this.trace(() => `  ${method} ${url.pathname} took effect`)
          return settled.value
        }
        this.trace(() => `  ${method} ${url.pathname} did not take effect`)
        resend = true
      }
      const delay = this.retryDelay(outcome, attempt, resend, unreachableSince === undefined ? deadline : Math.min(deadline, unreachableSince + this.policy.unreachableMs))
      if (delay === undefined) throw failure
      const what = outcome.kind === 'network' ? `${method} ${this.host.origin}${url.pathname}` : `${method} ${url.pathname}`
      this.trace(() => `  retrying in ${delay} ms`)
      this.options.onRetry?.({what, cause, attempt, delayMs: delay})
      await this.sleep(delay)
    }
  }

  /** The wait before the next attempt, or undefined to give up: the last wait is cut to end at the budget. */
  private retryDelay(outcome: Outcome, attempt: number, resend: boolean, budgetEnd: number): number | undefined {
    const delay = nextDelay(outcome, attempt, resend, this.policy)
    if (delay === undefined) return undefined
    const left = budgetEnd - Date.now()
    if (delay <= left) return delay
    // A server-requested Retry-After longer than the budget is not cut short: that attempt would fail.
    return outcome.kind === 'network' && left >= MIN_RETRY_DELAY_MS ? left : undefined
  }

  private connectionError(method: string, url: URL, error: NetworkError, cause: string, attempt: number, since: number): ConnectionError {
    const attempts = `${attempt} attempt${attempt > 1 ? 's' : ''}`
    const took = ((Date.now() - since) / 1000).toFixed(1)
    const unreachable = isUnreachable({kind: 'network', code: error.code})
    return new ConnectionError(
      unreachable
        ? `Cannot reach ${this.host.host}: ${cause}, ${attempts} in ${took} s (${method} ${url.pathname}).`
        : `${method} ${url.pathname} on ${this.host.host} failed: ${cause} after ${attempts}.`,
      unreachable ? 'UNREACHABLE' : error.code,
      `check that ${this.host.origin} is the workspace you mean and that it is reachable from here (for the local workspace: lakectl local status)`,
      {host: this.host.host, cause: error.code, attempts: attempt},
    )
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
    // Web Crypto's, loaded on first use: a read-only command never needs node:crypto.
    return globalThis.crypto.randomUUID()
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

  /** A --debug line, built only when someone listens (redacting a body costs a JSON parse and print). */
  private trace(line: () => string): void {
    this.options.trace?.(this.redactor.text(line()))
  }

  private throwIfAborted(): void {
    if (this.options.signal?.aborted) throw new InterruptedError()
  }
}

/** Settles the create of a named object by reading it back: there means done, not found means absent. */
export function settleByFinding<T>(client: DatabricksClient, path: string, query?: Query): () => Promise<Settled<T>> {
  return async () => {
    const found = await client.find<T>(path, query)
    return found === undefined ? undefined : {value: found}
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
