import {describe, expect, it} from 'vitest'

import {closest, errorDocument, ExitCode, exitCodeOf, toLakectlError} from '../../src/cli/errors.js'
import {ApiError, parseApiError} from '../../src/databricks/errors.js'
import {SqlError} from '../../src/databricks/sql.js'
import {AuthError, CheckFailedError, InterruptedError, LakectlError, UsageError, WaitTimeoutError} from '../../src/errors.js'

describe('error -> exit code', () => {
  it('maps each error kind to the documented code', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2)
    expect(exitCodeOf(new CheckFailedError('x'))).toBe(3)
    expect(exitCodeOf(new AuthError('x'))).toBe(4)
    expect(exitCodeOf(new WaitTimeoutError('x'))).toBe(8)
    expect(exitCodeOf(new InterruptedError())).toBe(130)
    expect(exitCodeOf(new SqlError('boom', 'BAD_REQUEST'))).toBe(1)
  })

  it('maps 401/403 to exit 4 with a hint, other API errors to 1', () => {
    const unauth = parseApiError(401, '{"error_code":"UNAUTHENTICATED","message":"Invalid token"}', 'GET', '/api/x')
    expect(exitCodeOf(unauth)).toBe(ExitCode.auth)
    expect(unauth.hint).toBeTruthy()
    expect(exitCodeOf(parseApiError(403, '{"error_code":"PERMISSION_DENIED","message":"no"}', 'GET', '/x'))).toBe(4)
    expect(exitCodeOf(parseApiError(500, '{"error_code":"INTERNAL_ERROR","message":"x"}', 'POST', '/x'))).toBe(1)
  })

  it('turns unknown errors and aborts into LakectlErrors', () => {
    expect(toLakectlError(new Error('x'))).toBeInstanceOf(LakectlError)
    const abort = new Error('aborted')
    abort.name = 'AbortError'
    expect(exitCodeOf(toLakectlError(abort))).toBe(130)
    expect(exitCodeOf(toLakectlError(Object.assign(new Error('Nonexistent flag: --x'), {oclif: {exit: 2}})))).toBe(2)
  })

  it('renders the JSON error shape, hint null when there is none', () => {
    expect(errorDocument(new UsageError('bad', {hint: 'do this'}))).toEqual({code: 'USAGE', message: 'bad', hint: 'do this', exit_code: 2})
    expect(errorDocument(new LakectlError('boom'))).toEqual({code: 'FAILURE', message: 'boom', hint: null, exit_code: 1})
  })

  it('finds the closest words for a typo, and none for nonsense', () => {
    expect(closest('statsu', ['status', 'start', 'stop', 'restart'], 3)).toEqual(['status'])
    expect(closest('jsn', ['json', 'debug', 'yes'], 1)).toEqual(['json'])
    expect(closest('frobnicate', ['doctor', 'sql', 'init'], 3)).toEqual([])
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

  it('tells a server without the API apart from a missing object', () => {
    // Databricks for a path it has no API for; an MLflow tracking server (Flask) for a Databricks-only path.
    const databricks = parseApiError(404, `{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for 'GET /serving-endpoints/x'"}`, 'GET', '/x')
    const flask = parseApiError(404, '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>', 'GET', '/x')
    const method = parseApiError(405, '<title>405 Method Not Allowed</title>', 'PUT', '/x')
    for (const error of [databricks, flask, method]) expect(error).toMatchObject({missingApi: true, notFound: false})
    // A missing object of an API that exists, with or without a specific code.
    for (const body of ['{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Endpoint x does not exist."}', '{"message":"Run abc not found"}', 'RESOURCE_DOES_NOT_EXIST: gone']) {
      expect(parseApiError(404, body, 'GET', '/x')).toMatchObject({missingApi: false, notFound: true})
    }
  })
})
