/**
 * lakectl's one retry policy (reference section 1.3, with the SDK's gaps closed):
 * - 429 and 503 are retried, honouring Retry-After given in seconds or as an HTTP date;
 * - connection resets, refusals and timeouts are retried with jittered exponential backoff, but a
 *   request that may have reached the server is retried only when it is safe to send again;
 * - a reset or timeout after sending and a 500/502/504 leave a mutation's outcome unknown: an idempotent
 *   call is sent again (5xx: at most `serverErrorAttempts` attempts); any other mutation is settled by
 *   the service that issued it, by reading the state back (client.ts, RequestOptions.settle), and sent
 *   again only when the read shows it did not take effect;
 * - a host that cannot be reached at all (refused, DNS, no route, no TCP connection) gets a short
 *   budget of its own (`unreachableMs`, about 10 s), so a wrong or down host fails fast;
 * - nothing is retried past the overall deadline, and every retry is reported (RetryEvent).
 */
export interface RetryPolicy {
  /** Delay before the first retry of a transient failure, doubled each attempt. */
  baseDelayMs: number
  /** Ceiling for one backoff delay. */
  maxDelayMs: number
  /** Ceiling for a server-requested Retry-After. */
  maxRetryAfterMs: number
  /** Per-attempt timeout: no response within it is a (retriable) timeout. */
  requestTimeoutMs: number
  /** Overall deadline for a call, retries included. */
  deadlineMs: number
  /** How long a call keeps retrying a host it cannot reach (refused, DNS, no route, connect timeout). */
  unreachableMs: number
  /** A TCP (and TLS) connection not made within this is a failure to reach the host. */
  connectTimeoutMs: number
  /** Attempts of a call the server answers 500, 502 or 504 (each sent again only when safe). */
  serverErrorAttempts: number
}

/** One retry about to happen: what failed and why, the attempt that failed, and the wait before the next. */
export interface RetryEvent {
  /** "GET /api/2.0/sql/warehouses", or for a host that cannot be reached "GET https://host/path". */
  what: string
  /** "503 TEMPORARILY_UNAVAILABLE", "connection refused (ECONNREFUSED)" */
  cause: string
  attempt: number
  delayMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  requestTimeoutMs: 60_000,
  deadlineMs: 300_000,
  unreachableMs: 10_000,
  connectTimeoutMs: 10_000,
  serverErrorAttempts: 4,
}

/** Network error codes that mean the request never reached the server: always safe to retry. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT'])

/** The host cannot be reached at all: these get the short `unreachableMs` budget. */
export function isUnreachable(outcome: Outcome): boolean {
  return outcome.kind === 'network' && NOT_SENT.has(outcome.code)
}
/** Network error codes that may hide a processed request: retried only when idempotent. */
const MAYBE_SENT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET', 'REQUEST_TIMEOUT'])

/** Statuses after which the server may or may not have made the change. */
const UNKNOWN_STATUSES = new Set([500, 502, 504])

/** The request may have taken effect, and the answer does not say whether it did. */
export function isOutcomeUnknown(outcome: Outcome): boolean {
  return outcome.kind === 'response' ? UNKNOWN_STATUSES.has(outcome.status) : MAYBE_SENT.has(outcome.code)
}

export type Outcome = {kind: 'response'; status: number; retryAfter?: string} | {kind: 'network'; code: string}

/**
 * How long to wait before the next attempt, or undefined when the outcome is final.
 * `attempt` counts the attempts made so far (1 after the first). `resend` says the request is safe to send
 * again after an unknown outcome: it is idempotent, or a read showed it did not take effect.
 */
export function nextDelay(
  outcome: Outcome,
  attempt: number,
  resend: boolean,
  policy: RetryPolicy,
  now: number = Date.now(),
  random: () => number = Math.random,
): number | undefined {
  if (outcome.kind === 'response') {
    if (UNKNOWN_STATUSES.has(outcome.status)) return resend && attempt < policy.serverErrorAttempts ? backoff(attempt, policy, random) : undefined
    if (outcome.status !== 429 && outcome.status !== 503) return undefined
    const requested = outcome.retryAfter === undefined ? undefined : parseRetryAfter(outcome.retryAfter, now)
    if (requested !== undefined) return Math.min(requested, policy.maxRetryAfterMs)
    return backoff(attempt, policy, random)
  }
  if (NOT_SENT.has(outcome.code) || (resend && MAYBE_SENT.has(outcome.code))) return backoff(attempt, policy, random)
  return undefined
}

/** Retry-After as delta-seconds or an HTTP date; undefined when unparseable. */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/** "Equal jitter" exponential backoff: half fixed, half random, capped at maxDelayMs. */
export function backoff(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}
