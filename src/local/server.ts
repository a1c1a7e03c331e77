/**
 * The embedded local workspace: a Databricks-compatible REST server on 127.0.0.1 backed by DuckDB.
 * Every /api/ request needs the bearer token; each API area registers its routes on the router; the
 * request pipeline adds the request id, the error envelope, and (when enabled) the test-only fault
 * injection and request recording.
 */
import {createHash, randomUUID, timingSafeEqual} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'

import {registerAlertRoutes} from './api/alerts.js'
import {registerJobsRoutes} from './api/jobs.js'
import {registerLineageRoutes} from './api/lineage.js'
import {registerPermissionsRoutes} from './api/permissions.js'
import {registerScimRoutes} from './api/scim.js'
import {publishedDashboardPage} from './serving/page.js'
import {registerLakeviewRoutes, registerServingRoutes} from './serving/routes.js'
import {registerSqlRoutes} from './api/sql.js'
import {registerTopicRoutes, TOPICS_PREFIX} from './api/topics.js'
import {registerUnityCatalogRoutes} from './api/unity-catalog.js'
import {registerVolumeRoutes} from './api/volumes.js'
import {registerWorkspaceRoutes} from './api/workspace.js'
import {registerModelRoutes} from './models/routes.js'
import {CONTROL_PREFIX, FaultInjector, faultError, faultReplacesResponse, registerControlRoutes, RequestRecorder, type Fault, type RecordedRequest} from './control.js'
import {ApiError, endpointNotFound} from './http/errors.js'
import {Reply, Router} from './http/router.js'
import {DEFAULT_LIMITS, type LocalLimits} from './limits.js'
import {openServices} from './services.js'
import {statePaths} from './state-dir.js'

export interface LocalWorkspaceOptions {
  stateDir: string
  /** 0 or undefined: an ephemeral port. */
  port?: number
  token: string
  /** Serve the test-only /__lakectl/ endpoints (faults, request recording). */
  enableControl?: boolean
  log?: (line: string) => void
  /** Tunables (page and chunk sizes...), mostly for tests. */
  limits?: Partial<LocalLimits>
}

export interface LocalWorkspace {
  url: string
  port: number
  close(): Promise<void>
}

const MAX_BODY_BYTES = 32 * 1024 * 1024

interface Outcome {
  status: number
  body: unknown
  headers?: Record<string, string>
}

function errorOutcome(error: ApiError, requestId: string): Outcome {
  return {status: error.status, body: error.toBody(requestId), headers: error.headers}
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export async function startLocalWorkspace(options: LocalWorkspaceOptions): Promise<LocalWorkspace> {
  const log = options.log ?? (() => undefined)
  const services = await openServices(statePaths(options.stateDir), {...DEFAULT_LIMITS, ...options.limits}, log)
  const expectedToken = createHash('sha256').update(options.token).digest()
  const faults = new FaultInjector()
  const recorder = new RequestRecorder()
  let port = 0

  const api = new Router()
  registerScimRoutes(api)
  registerUnityCatalogRoutes(api.under('/api/2.1/unity-catalog'), services)
  registerPermissionsRoutes(api.under('/api/2.1/unity-catalog'), services)
  registerVolumeRoutes(api.under('/api/2.1/unity-catalog'), services)
  registerSqlRoutes(api, services, () => port)
  registerWorkspaceRoutes(api.under('/api/2.0/workspace'), services)
  registerJobsRoutes(api.under('/api/2.2/jobs'), '2.2', services, () => `http://127.0.0.1:${port}`)
  registerJobsRoutes(api.under('/api/2.1/jobs'), '2.1', services, () => `http://127.0.0.1:${port}`)
  registerTopicRoutes(api.under(TOPICS_PREFIX), services)
  registerModelRoutes(api, services.models, services.pageLimits)
  registerLineageRoutes(api.under('/api/2.0/lineage-tracking'), services)
  registerAlertRoutes(api.under('/api/2.0/alerts'), services)
  registerServingRoutes(api, services.serving)
  registerLakeviewRoutes(api, services)

  const control = new Router()
  registerControlRoutes(control.under(CONTROL_PREFIX), faults, recorder)
  control
    .under(CONTROL_PREFIX)
    .post('/streams/{stream}/stall', ({params, body}) => {
      services.streamFaults.stall(params.stream, body.stalled !== false)
      return {}
    })
    .post('/streams/{stream}/slow', ({params, body}) => {
      services.streamFaults.slow(params.stream, Number(body.delay_ms ?? 0))
      return {}
    })

  function authorized(request: http.IncomingMessage): boolean {
    const presented = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1]
    // Hashing first makes the comparison constant-time whatever the presented length.
    return presented !== undefined && timingSafeEqual(createHash('sha256').update(presented).digest(), expectedToken)
  }

  async function dispatch(router: Router, method: string, url: URL, raw: RequestBody, requestId: string): Promise<Outcome> {
    const match = router.match(method, url.pathname)
    if (!match) {
      log(`No API found for '${method} ${url.pathname}'`)
      return errorOutcome(endpointNotFound(method, url.pathname), requestId)
    }
    let body: Record<string, unknown>
    try {
      body = await parseRequestBody(raw)
    } catch (error) {
      if (error instanceof ApiError) return errorOutcome(error, requestId)
      throw error
    }
    try {
      const result = await match.handler({method, path: url.pathname, params: match.params, query: url.searchParams, body, requestId})
      if (result instanceof Reply) return {status: 200, body: result.body, headers: result.headers}
      return {status: 200, body: result ?? {}}
    } catch (error) {
      if (error instanceof ApiError) return errorOutcome(error, requestId)
      log(`Internal error in ${method} ${url.pathname} (request ${requestId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      const message = error instanceof Error ? error.message : String(error)
      return errorOutcome(new ApiError(500, 'INTERNAL_ERROR', `Internal error: ${message}`), requestId)
    }
  }

  /** Applies a fault (after its delay): 'reset' when it dropped the connection, an error outcome when it replaces the response. */
  async function applyFault(fault: Fault, response: http.ServerResponse, requestId: string): Promise<Outcome | 'reset' | undefined> {
    if (fault.delay_ms) await delay(fault.delay_ms)
    if (fault.reset) {
      response.socket?.destroy()
      return 'reset'
    }
    return faultReplacesResponse(fault) ? errorOutcome(faultError(fault), requestId) : undefined
  }

  async function handleApi(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    body: RequestBody,
    requestId: string,
    record: RecordedRequest,
  ): Promise<Outcome | undefined> {
    const method = request.method ?? 'GET'
    if (!authorized(request)) return unauthenticated(request, requestId)
    record.route = api.match(method, url.pathname)?.pattern
    const fault = faults.take(method, url.pathname)
    if (fault) record.fault_id = fault.id
    if (fault?.when === 'before') {
      const applied = await applyFault(fault, response, requestId)
      if (applied === 'reset') return undefined
      if (applied) return applied
    }
    const outcome = await dispatch(api, method, url, body, requestId)
    if (fault?.when === 'after') {
      const applied = await applyFault(fault, response, requestId)
      if (applied === 'reset') return undefined
      if (applied) return applied
    }
    return outcome
  }

  function unauthenticated(request: http.IncomingMessage, requestId: string): Outcome {
    const message = request.headers.authorization ? 'Invalid access token.' : 'Credential was not sent or was of an unsupported type for this API.'
    return {...errorOutcome(new ApiError(401, 'UNAUTHENTICATED', message), requestId), headers: {'www-authenticate': 'Bearer'}}
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const requestId = randomUUID()
    response.setHeader('x-request-id', requestId)
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const method = request.method ?? 'GET'
    const bytes = await readBody(request)
    const body = bytes && {bytes, contentType: request.headers['content-type'] ?? ''}
    let outcome: Outcome | undefined
    let record: RecordedRequest | undefined
    const published = method === 'GET' ? /^\/dashboardsv3\/([0-9a-f]{32})\/published$/.exec(url.pathname) : null
    if (published) {
      // A published dashboard with embedded credentials is a page its viewers open without a token.
      const page = await publishedDashboardPage(services, published[1])
      response.writeHead(page ? 200 : 404, {'content-type': page ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8'})
      response.end(page ?? 'No published dashboard here.\n')
      return
    }
    if (body === undefined) {
      outcome = errorOutcome(new ApiError(400, 'INVALID_PARAMETER_VALUE', `The request body is larger than ${MAX_BODY_BYTES} bytes.`), requestId)
      response.setHeader('connection', 'close')
    } else if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      if (!options.enableControl) {
        log(`No API found for '${method} ${url.pathname}' (control endpoints are disabled)`)
        outcome = errorOutcome(endpointNotFound(method, url.pathname), requestId)
      } else {
        outcome = authorized(request) ? await dispatch(control, method, url, body, requestId) : unauthenticated(request, requestId)
      }
    } else {
      record = recorder.start(method, url.pathname, url.search.slice(1))
      outcome = await handleApi(request, response, url, body, requestId, record)
    }
    if (record) {
      // A reset connection stays recorded with status 0.
      record.status = outcome === undefined || response.destroyed ? 0 : outcome.status
      record.duration_ms = Date.now() - record.started_at
    }
    if (outcome === undefined || response.destroyed) return
    response.writeHead(outcome.status, {'content-type': 'application/json', ...outcome.headers})
    // A handler answers raw bytes (a file download) as a Buffer, everything else as JSON.
    response.end(Buffer.isBuffer(outcome.body) ? outcome.body : JSON.stringify(outcome.body))
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`Unhandled error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      if (!response.headersSent) response.writeHead(500, {'content-type': 'application/json'})
      response.end(JSON.stringify({error_code: 'INTERNAL_ERROR', message: 'Internal error.'}))
    })
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
    })
  } catch (error) {
    await services.close()
    throw error
  }
  port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  log(`Local workspace listening on ${url} (state in ${statePaths(options.stateDir).root})`)
  // Continuous jobs resume once the workspace answers.
  services.jobs.start()
  services.alerts.start()

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await stopped
        await services.close()
        log('Local workspace stopped')
      })()
      return closing
    },
  }
}

interface RequestBody {
  bytes: Buffer
  contentType: string
}

/**
 * A request body as the handlers see it: a JSON object, or the fields of a multipart form (the
 * workspace import's upload form, as the SDKs send it) with each file part base64-encoded.
 */
async function parseRequestBody({bytes, contentType}: RequestBody): Promise<Record<string, unknown>> {
  if (/^multipart\/form-data/i.test(contentType)) {
    let form: FormData
    try {
      form = await new Response(bytes, {headers: {'content-type': contentType}}).formData()
    } catch {
      throw new ApiError(400, 'MALFORMED_REQUEST', 'Invalid multipart form in the body of the request.')
    }
    const fields: Record<string, unknown> = {}
    for (const [name, value] of form.entries()) {
      fields[name] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer()).toString('base64')
    }
    return fields
  }
  const text = bytes.toString('utf8')
  if (text.trim() === '') return {}
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ApiError(400, 'MALFORMED_REQUEST', 'Invalid JSON given in the body of the request.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'MALFORMED_REQUEST', 'The body of the request must be a JSON object.')
  }
  return body as Record<string, unknown>
}

/** The whole request body, or undefined when it exceeds the limit (the rest is drained). */
function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)))
    request.on('error', reject)
  })
}
