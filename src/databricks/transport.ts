/**
 * One HTTP exchange over node:http(s), with lakectl's own TLS rules: certificates are verified
 * unless the profile explicitly sets skip_verify, and plain http is allowed only on loopback.
 */
import http from 'node:http'
import type https from 'node:https'

import {UsageError} from '../errors.js'

export interface HttpRequest {
  method: string
  url: URL
  headers: Record<string, string>
  body?: string
  timeoutMs: number
  /** A new connection not established within this fails with CONNECT_TIMEOUT (never sent). */
  connectTimeoutMs?: number
  signal?: AbortSignal
}

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** A failure below HTTP: no response was received. `code` is Node's (ECONNRESET, ...) or REQUEST_TIMEOUT. */
export class NetworkError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'NetworkError'
  }
}

export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h)
}

/** Validates a workspace host and returns its base URL. */
export function workspaceUrl(host: string): URL {
  let url: URL
  try {
    url = new URL(/^[a-z]+:\/\//i.test(host) ? host : `https://${host}`)
  } catch {
    throw new UsageError(`Invalid workspace host '${host}'.`, {hint: 'set host = https://<workspace>.cloud.databricks.com in ~/.databrickscfg'})
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new UsageError(`Refusing plain http:// to ${url.hostname}: credentials would travel unencrypted.`, {
      code: 'INSECURE_HOST',
      hint: `use https://${url.host}`,
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`Unsupported scheme in host '${host}'.`)
  return url
}

export class NodeTransport implements Transport {
  private readonly httpAgent = new http.Agent({keepAlive: true, maxSockets: 16})
  /** node:https (TLS and its crypto) is loaded by the first https request: the local workspace speaks http. */
  private https?: Promise<{module: typeof https; agent: https.Agent}>

  constructor(private readonly options: {skipVerify?: boolean} = {}) {}

  async send(request: HttpRequest): Promise<HttpResponse> {
    const {url} = request
    const {module, agent} = url.protocol === 'https:' ? await this.httpsClient() : {module: http, agent: this.httpAgent}
    return new Promise((resolve, reject) => {
      const req = module.request(url, {
        method: request.method,
        headers: request.body === undefined ? request.headers : {...request.headers, 'content-length': Buffer.byteLength(request.body)},
        agent,
        signal: request.signal,
      })
      const timer = setTimeout(() => req.destroy(new NetworkError('REQUEST_TIMEOUT', `no response within ${request.timeoutMs} ms`)), request.timeoutMs)
      if (request.connectTimeoutMs !== undefined) {
        const connectMs = request.connectTimeoutMs
        req.on('socket', (socket) => {
          if (!socket.connecting) return
          const connectTimer = setTimeout(() => req.destroy(new NetworkError('CONNECT_TIMEOUT', `no connection within ${connectMs} ms`)), connectMs)
          socket.once('connect', () => clearTimeout(connectTimer))
          socket.once('close', () => clearTimeout(connectTimer))
        })
      }
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          clearTimeout(timer)
          resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8')})
        })
        res.on('error', (error) => {
          clearTimeout(timer)
          reject(asNetworkError(error))
        })
      })
      req.on('error', (error) => {
        clearTimeout(timer)
        reject(error.name === 'AbortError' ? error : asNetworkError(error))
      })
      if (request.body !== undefined) req.write(request.body)
      req.end()
    })
  }

  private httpsClient(): Promise<{module: typeof https; agent: https.Agent}> {
    this.https ??= import('node:https').then(({default: module}) => ({
      module,
      agent: new module.Agent({keepAlive: true, maxSockets: 16, rejectUnauthorized: this.options.skipVerify !== true}),
    }))
    return this.https
  }

  close(): void {
    this.httpAgent.destroy()
    void this.https?.then(({agent}) => agent.destroy())
  }
}

/** What a network error code means, in words. */
const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset before a response arrived',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
}

function asNetworkError(error: Error): NetworkError {
  if (error instanceof NetworkError) return error
  const code = (error as NodeJS.ErrnoException).code ?? 'NETWORK_ERROR'
  return new NetworkError(code, DESCRIPTIONS[code] ?? error.message)
}
