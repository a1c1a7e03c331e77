import {describe, expect, it} from 'vitest'

import {backoff, DEFAULT_RETRY_POLICY, isOutcomeUnknown, nextDelay, parseRetryAfter} from '../../src/databricks/retry.js'

const policy = {...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1600}

describe('Retry-After', () => {
  const now = Date.parse('2026-11-26T09:00:00Z')

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000)
    expect(parseRetryAfter(' 2.5 ', now)).toBe(2500)
  })

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:03 GMT', now)).toBe(3000)
    expect(parseRetryAfter('Thu, 26 Nov 2026 08:59:00 GMT', now)).toBe(0)
  })

  it('ignores garbage', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })

  it('is honoured on 429 and 503, capped by the policy', () => {
    expect(nextDelay({kind: 'response', status: 429, retryAfter: '1'}, 1, false, policy, now)).toBe(1000)
    expect(nextDelay({kind: 'response', status: 503, retryAfter: 'Thu, 26 Nov 2026 09:00:02 GMT'}, 1, false, policy, now)).toBe(2000)
    expect(nextDelay({kind: 'response', status: 429, retryAfter: '3600'}, 1, false, policy, now)).toBe(policy.maxRetryAfterMs)
  })
})

describe('backoff', () => {
  it('stays within [ceiling/2, ceiling] and doubles up to the cap', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(1600, 100 * 2 ** (attempt - 1))
      expect(backoff(attempt, policy, () => 0)).toBe(ceiling / 2)
      expect(backoff(attempt, policy, () => 1)).toBe(ceiling)
      const jittered = backoff(attempt, policy)
      expect(jittered).toBeGreaterThanOrEqual(ceiling / 2)
      expect(jittered).toBeLessThanOrEqual(ceiling)
    }
  })
})

describe('what is retried', () => {
  it('retries 429/503 without Retry-After by backoff, and never definite refusals', () => {
    expect(nextDelay({kind: 'response', status: 429}, 2, false, policy, 0, () => 1)).toBe(200)
    for (const status of [400, 401, 403, 404, 409, 501]) {
      expect(nextDelay({kind: 'response', status}, 1, true, policy)).toBeUndefined()
    }
  })

  it('sends 500/502/504 again only when safe to, and at most serverErrorAttempts attempts', () => {
    for (const status of [500, 502, 504]) {
      expect(isOutcomeUnknown({kind: 'response', status})).toBe(true)
      expect(nextDelay({kind: 'response', status}, 1, false, policy)).toBeUndefined()
      expect(nextDelay({kind: 'response', status}, 1, true, policy, 0, () => 1)).toBe(100)
      expect(nextDelay({kind: 'response', status}, policy.serverErrorAttempts - 1, true, policy)).toBeDefined()
      expect(nextDelay({kind: 'response', status}, policy.serverErrorAttempts, true, policy)).toBeUndefined()
    }
    expect(isOutcomeUnknown({kind: 'response', status: 503})).toBe(false)
    expect(isOutcomeUnknown({kind: 'network', code: 'ECONNRESET'})).toBe(true)
    expect(isOutcomeUnknown({kind: 'network', code: 'ECONNREFUSED'})).toBe(false)
  })

  it('retries refused connections always, resets and timeouts only when idempotent', () => {
    expect(nextDelay({kind: 'network', code: 'ECONNREFUSED'}, 1, false, policy)).toBeDefined()
    expect(nextDelay({kind: 'network', code: 'ECONNRESET'}, 1, true, policy)).toBeDefined()
    expect(nextDelay({kind: 'network', code: 'REQUEST_TIMEOUT'}, 1, true, policy)).toBeDefined()
    expect(nextDelay({kind: 'network', code: 'ECONNRESET'}, 1, false, policy)).toBeUndefined()
    expect(nextDelay({kind: 'network', code: 'DEPTH_ZERO_SELF_SIGNED_CERT'}, 1, true, policy)).toBeUndefined()
  })
})
