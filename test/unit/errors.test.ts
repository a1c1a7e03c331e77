import {describe, expect, it} from 'vitest'

import {CheckFailedError, ExitCode, InterruptedError, LakectlError, toLakectlError, UsageError, WaitTimeoutError} from '../../src/cli/errors.js'
import {ApiError, parseApiError} from '../../src/databricks/errors.js'
import {SqlError} from '../../src/databricks/sql.js'

describe('error -> exit code', () => {
  it('maps each error class to the documented code', () => {
    expect(new UsageError('x').exitCode).toBe(2)
    expect(new CheckFailedError('x').exitCode).toBe(3)
    expect(new WaitTimeoutError('x').exitCode).toBe(8)
    expect(new InterruptedError().exitCode).toBe(130)
    expect(new SqlError('boom', 'BAD_REQUEST').exitCode).toBe(1)
  })

  it('maps 401/403 to exit 4 with a hint, other API errors to 1', () => {
    const unauth = parseApiError(401, '{"error_code":"UNAUTHENTICATED","message":"Invalid token"}', 'GET', '/api/x')
    expect(unauth.exitCode).toBe(ExitCode.auth)
    expect(unauth.hint).toBeTruthy()
    expect(parseApiError(403, '{"error_code":"PERMISSION_DENIED","message":"no"}', 'GET', '/x').exitCode).toBe(4)
    expect(parseApiError(500, '{"error_code":"INTERNAL_ERROR","message":"x"}', 'POST', '/x').exitCode).toBe(1)
  })

  it('turns unknown errors and aborts into LakectlErrors', () => {
    expect(toLakectlError(new Error('x'))).toBeInstanceOf(LakectlError)
    const abort = new Error('aborted')
    abort.name = 'AbortError'
    expect(toLakectlError(abort).exitCode).toBe(130)
    expect(toLakectlError(Object.assign(new Error('Nonexistent flag: --x'), {oclif: {exit: 2}})).exitCode).toBe(2)
  })

  it('renders the JSON error shape', () => {
    expect(new UsageError('bad', {hint: 'do this'}).toJSON()).toEqual({code: 'USAGE', message: 'bad', hint: 'do this', exit_code: 2})
  })
})

describe('API error envelopes', () => {
  it('keeps status, error_code, message and request id', () => {
    const body = JSON.stringify({
      error_code: 'TABLE_ALREADY_EXISTS',
      message: 'Table x already exists',
      details: [{'@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: 'req-1'}],
    })
    const error = parseApiError(409, body, 'POST', '/api/2.1/unity-catalog/tables')
    expect(error).toMatchObject({status: 409, errorCode: 'TABLE_ALREADY_EXISTS', message: 'Table x already exists', requestId: 'req-1'})
    expect(error.alreadyExists).toBe(true)
  })

  it('treats numeric error codes as absent and reads other shapes', () => {
    expect(parseApiError(500, '{"error_code":"500","message":"m"}', 'GET', '/x').errorCode).toBe('INTERNAL_ERROR')
    expect(parseApiError(400, '{"error":"legacy"}', 'GET', '/x').message).toBe('legacy')
    expect(parseApiError(401, '{"detail":"scim says no","status":"401"}', 'GET', '/x').message).toBe('scim says no')
    expect(parseApiError(503, 'TEMPORARILY_UNAVAILABLE: try later', 'GET', '/x')).toMatchObject({errorCode: 'TEMPORARILY_UNAVAILABLE', message: 'try later'})
    expect(parseApiError(502, '<html><pre>Bad gateway</pre></html>', 'GET', '/x')).toMatchObject({errorCode: 'HTTP_502', message: 'Bad gateway'})
  })

  it('recognises not-found, including the legacy 400 of jobs/get', () => {
    expect(parseApiError(404, '{"error_code":"CATALOG_DOES_NOT_EXIST","message":"x"}', 'GET', '/x').notFound).toBe(true)
    expect(parseApiError(400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"Job 12 does not exist."}', 'GET', '/x').notFound).toBe(true)
    expect(parseApiError(400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad"}', 'GET', '/x').notFound).toBe(false)
    expect(new ApiError({status: 404, errorCode: 'NOT_FOUND', message: 'm', method: 'GET', path: '/'}).notFound).toBe(true)
  })
})
