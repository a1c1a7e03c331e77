/**
 * Test-only control endpoints (served under /__lakectl/ when enabled): fault injection for chosen
 * requests (an error status with Retry-After, a delay, a connection reset; before or after the state
 * change) and a record of the API requests served. Bodies and headers are never recorded.
 */
import {randomUUID} from 'node:crypto'

import {z} from 'zod'

import {ApiError, errorCodeForStatus, notFound, retryInfo} from './http/errors.js'
import {parseBody} from './http/input.js'
import type {Routes} from './http/router.js'

export const CONTROL_PREFIX = '/__lakectl'

const faultSpec = z
  .object({
    method: z.string().optional(),
    /** `^regex` or a glob where `*` matches anything (also `/`) and `?` one character. */
    path: z.string().min(1),
    status: z.number().int().min(100).max(599).optional(),
    error_code: z.string().optional(),
    message: z.string().optional(),
    retry_after: z.union([z.string(), z.number()]).optional(),
    delay_ms: z.number().int().min(0).max(600_000).optional(),
    reset: z.boolean().optional(),
    count: z.number().int().min(1).default(1),
    when: z.enum(['before', 'after']).default('before'),
  })
  .refine((spec) => spec.status !== undefined || spec.error_code !== undefined || spec.reset || spec.delay_ms !== undefined, {
    message: 'a fault needs status, error_code, reset or delay_ms',
  })

type FaultSpec = z.infer<typeof faultSpec>

export interface Fault extends FaultSpec {
  id: string
  remaining: number
  hits: number
}

function pathMatcher(pattern: string): RegExp {
  if (pattern.startsWith('^')) return new RegExp(pattern)
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')
  return new RegExp(`^${body}$`)
}

export class FaultInjector {
  private faults: Array<{fault: Fault; matcher: RegExp}> = []

  add(spec: FaultSpec): Fault {
    let matcher: RegExp
    try {
      matcher = pathMatcher(spec.path)
    } catch {
      throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `Invalid path pattern '${spec.path}'.`)
    }
    const fault: Fault = {...spec, method: spec.method?.toUpperCase(), id: randomUUID(), remaining: spec.count, hits: 0}
    this.faults.push({fault, matcher})
    return fault
  }

  list(): Fault[] {
    return this.faults.map(({fault}) => fault)
  }

  clear(): void {
    this.faults = []
  }

  remove(id: string): boolean {
    const before = this.faults.length
    this.faults = this.faults.filter(({fault}) => fault.id !== id)
    return this.faults.length < before
  }

  /** The first armed fault for this request, counted as hit; spent faults are dropped. */
  take(method: string, path: string): Fault | undefined {
    const entry = this.faults.find(({fault, matcher}) => (!fault.method || fault.method === method) && matcher.test(path))
    if (!entry) return undefined
    entry.fault.remaining--
    entry.fault.hits++
    if (entry.fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== entry)
    return entry.fault
  }
}

/** Does the fault replace the response with an error (rather than only delay or reset it)? */
export function faultReplacesResponse(fault: Fault): boolean {
  return fault.status !== undefined || fault.error_code !== undefined
}

export function faultError(fault: Fault): ApiError {
  const status = fault.status ?? 503
  const retryAfter = fault.retry_after === undefined ? undefined : String(fault.retry_after)
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined
  return new ApiError(
    status,
    fault.error_code ?? errorCodeForStatus(status),
    fault.message ?? `Injected fault ${fault.id}.`,
    seconds === undefined ? [] : [retryInfo(seconds)],
    retryAfter === undefined ? {} : {'retry-after': retryAfter},
  )
}

export interface RecordedRequest {
  method: string
  path: string
  /** The raw query string ('' when none). */
  query: string
  /** The API route the path matched (`/api/2.1/unity-catalog/schemas/{full_name}`), when one did. */
  route?: string
  /** HTTP status sent; 0 while in flight or when the connection was reset without a response. */
  status: number
  started_at: number
  duration_ms: number
  fault_id?: string
}

const MAX_RECORDED = 10_000

export class RequestRecorder {
  private requests: RecordedRequest[] = []

  start(method: string, path: string, query: string): RecordedRequest {
    const request: RecordedRequest = {method, path, query, status: 0, started_at: Date.now(), duration_ms: 0}
    this.requests.push(request)
    if (this.requests.length > MAX_RECORDED) this.requests.shift()
    return request
  }

  list(): RecordedRequest[] {
    return this.requests
  }

  clear(): void {
    this.requests = []
  }
}

export function registerControlRoutes(routes: Routes, faults: FaultInjector, recorder: RequestRecorder): void {
  routes
    .post('/faults', ({body}) => ({id: faults.add(parseBody(faultSpec, body)).id}))
    .get('/faults', () => faults.list())
    .delete('/faults', () => {
      faults.clear()
      return {}
    })
    .delete('/faults/{id}', ({params}) => {
      if (!faults.remove(params.id)) throw notFound('RESOURCE_DOES_NOT_EXIST', `Fault ${params.id} does not exist.`)
      return {}
    })
    .get('/requests', () => recorder.list())
    .delete('/requests', () => {
      recorder.clear()
      return {}
    })
}
