/**
 * The Databricks error envelope (reference section 1): `{error_code, message, details?}` with
 * google.rpc details. Handlers throw ApiError; the pipeline renders it and appends RequestInfo.
 */
export interface ErrorDetail {
  '@type': string
  [field: string]: unknown
}

const DETAIL_TYPE = 'type.googleapis.com/google.rpc.'
/**
 * The official JS SDK (0.17) reads `metadata` of every detail and fails to parse the error when it
 * is absent, so details that have none in google.rpc carry an empty one.
 */
const SDK_SAFE = {metadata: {}}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }

  toBody(requestId: string): Record<string, unknown> {
    return {error_code: this.errorCode, message: this.message, details: [...this.details, requestInfo(requestId)]}
  }
}

export function requestInfo(requestId: string): ErrorDetail {
  return {'@type': `${DETAIL_TYPE}RequestInfo`, request_id: requestId, serving_data: '', ...SDK_SAFE}
}

export function retryInfo(seconds: number): ErrorDetail {
  return {'@type': `${DETAIL_TYPE}RetryInfo`, retry_delay: `${seconds}s`, ...SDK_SAFE}
}

export function invalidParameter(message: string): ApiError {
  return new ApiError(400, 'INVALID_PARAMETER_VALUE', message)
}

export function notFound(errorCode: string, message: string): ApiError {
  return new ApiError(404, errorCode, message)
}

/** 409 with the ErrorInfo Unity Catalog attaches to duplicates. */
export function alreadyExists(errorCode: string, message: string, resourceType: string, resourceIdentifier: string): ApiError {
  return new ApiError(409, errorCode, message, [
    {
      '@type': `${DETAIL_TYPE}ErrorInfo`,
      reason: 'RESOURCE_ALREADY_EXISTS',
      domain: 'unity-catalog.databricks.com',
      metadata: {resourceType, resourceIdentifier},
    },
  ])
}

export function endpointNotFound(method: string, path: string): ApiError {
  return new ApiError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${method} ${path}'`)
}

/** The error code a bare HTTP status stands for (reference section 1.2). */
export function errorCodeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    409: 'RESOURCE_CONFLICT',
    429: 'REQUEST_LIMIT_EXCEEDED',
    499: 'CANCELLED',
    500: 'INTERNAL_ERROR',
    501: 'NOT_IMPLEMENTED',
    503: 'TEMPORARILY_UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  }
  return codes[status] ?? 'UNKNOWN'
}
