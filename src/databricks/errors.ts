/**
 * Errors from the workspace, keeping what a user or a script needs: HTTP status, error_code,
 * message and request id (reference section 1).
 */
import {LakectlError} from '../errors.js'

export interface ApiErrorInfo {
  status: number
  errorCode: string
  message: string
  requestId?: string
  method: string
  path: string
  /** The server has no such API (rather than no such object): see parseApiError. */
  missingApi?: boolean
}

export class ApiError extends LakectlError {
  readonly status: number
  readonly errorCode: string
  readonly requestId?: string
  readonly method: string
  readonly path: string
  readonly missingApi: boolean

  constructor(info: ApiErrorInfo, hint?: string) {
    const auth = info.status === 401 || info.status === 403
    super(info.message, {
      code: info.errorCode,
      hint: hint ?? (auth ? authHint(info.status) : undefined),
      kind: auth ? 'auth' : 'failure',
      details: {status: info.status, request: `${info.method} ${info.path}`, ...(info.requestId ? {request_id: info.requestId} : {})},
    })
    this.status = info.status
    this.errorCode = info.errorCode
    this.requestId = info.requestId
    this.method = info.method
    this.path = info.path
    this.missingApi = info.missingApi ?? false
  }

  /** The object asked for does not exist (a server without the API at all is not that: see missingApi). */
  get notFound(): boolean {
    if (this.missingApi) return false
    return this.status === 404 || /DOES_NOT_EXIST|NOT_FOUND/.test(this.errorCode) || (this.status === 400 && /does not exist/i.test(this.message))
  }

  get alreadyExists(): boolean {
    return /ALREADY_EXISTS/.test(this.errorCode)
  }
}

function authHint(status: number): string {
  return status === 401
    ? 'check the credentials of the target: `databricks auth login`, DATABRICKS_TOKEN, or for the local workspace `lakectl local up`'
    : 'the identity lacks a privilege here: `lakectl doctor` lists what is missing'
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'RESOURCE_CONFLICT',
  429: 'TOO_MANY_REQUESTS', 499: 'CANCELLED', 500: 'INTERNAL_ERROR', 501: 'NOT_IMPLEMENTED', 503: 'TEMPORARILY_UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
}

/** Parses the error envelopes the API uses (reference 1.1) into an ApiError. */
export function parseApiError(status: number, body: string, method: string, path: string, requestId?: string): ApiError {
  let errorCode: string | undefined
  let message: string | undefined
  let envelope = false
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>
    // Legacy endpoints put the HTTP status in error_code: treat numeric values as absent.
    if (typeof parsed.error_code === 'string' && !/^\d+$/.test(parsed.error_code)) errorCode = parsed.error_code
    if (typeof parsed.message === 'string') message = parsed.message
    else if (typeof parsed.error === 'string') message = parsed.error
    else if (typeof parsed.detail === 'string') message = parsed.detail
    envelope = errorCode !== undefined || message !== undefined
    const details = Array.isArray(parsed.details) ? (parsed.details as Array<Record<string, unknown>>) : []
    requestId ??= details.find((d) => typeof d.request_id === 'string')?.request_id as string | undefined
  } catch {
    const text = body.replace(/<[^>]+>/g, '').trim()
    const match = /^([A-Z_]{3,}): (.*)$/s.exec(text)
    if (match) {
      errorCode = match[1]
      message = match[2]
      envelope = true
    } else if (text) message = text.slice(0, 500)
  }
  return new ApiError({
    status,
    errorCode: errorCode ?? STATUS_CODES[status] ?? `HTTP_${status}`,
    message: message ?? `HTTP ${status}`,
    requestId,
    method,
    path,
    // Databricks answers a path it has no API for with 404 ENDPOINT_NOT_FOUND ("No API found for ...");
    // other servers (an MLflow tracking server, a proxy) with a 404 or 405 that carries no error envelope.
    missingApi: errorCode === 'ENDPOINT_NOT_FOUND' || ((status === 404 || status === 405) && !envelope),
  })
}

/** Failure to reach the workspace at all (after retries). */
export class ConnectionError extends LakectlError {
  constructor(message: string, code: string, hint?: string, details?: Record<string, unknown>) {
    super(message, {code, hint, kind: 'failure', details})
  }
}

/**
 * A mutation that may or may not have taken effect (a reset or timeout after it was sent, a 500, 502 or
 * 504), and that nothing read back could settle: repeating it blindly could apply it twice.
 */
export class OutcomeUnknownError extends LakectlError {
  constructor(
    readonly request: string,
    cause: string,
    options: {message?: string; hint?: string} = {},
  ) {
    super(options.message ?? `The outcome of ${request} is unknown: ${cause}; it may or may not have taken effect.`, {
      code: 'OUTCOME_UNKNOWN',
      hint: options.hint ?? 'read the state back before repeating it (lakectl commands that own the object settle this themselves on the next run)',
      details: {request, cause},
    })
  }
}
