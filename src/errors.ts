/**
 * The errors every layer throws. A LakectlError has a stable code, a message that names the problem,
 * an optional hint (the next command to run, or what to fix) and a kind: what sort of failure it is.
 * Kinds, not exit codes: src/cli/ maps each kind to the exit code of the contract and renders the error.
 */
export type ErrorKind =
  /** An API or runtime failure. */
  | 'failure'
  /** Bad input, flags or config: nothing was changed. */
  | 'usage'
  /** A check failed: threshold breached, guardrail refused, drift pending under --exit-code. */
  | 'check'
  /** Credentials or privileges. */
  | 'auth'
  /** A wait expired while the remote state was still changing. */
  | 'timeout'
  /** Ctrl-C. */
  | 'interrupted'

export interface ErrorOptions {
  code?: string
  hint?: string
  kind?: ErrorKind
  cause?: unknown
  details?: Record<string, unknown>
}

export class LakectlError extends Error {
  readonly code: string
  readonly hint?: string
  readonly kind: ErrorKind
  readonly details?: Record<string, unknown>

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.code = options.code ?? 'FAILURE'
    this.hint = options.hint
    this.kind = options.kind ?? 'failure'
    this.details = options.details
  }
}

type KindlessOptions = Omit<ErrorOptions, 'kind'>

export class UsageError extends LakectlError {
  constructor(message: string, options: KindlessOptions = {}) {
    super(message, {code: 'USAGE', ...options, kind: 'usage'})
  }
}

export class CheckFailedError extends LakectlError {
  constructor(message: string, options: KindlessOptions = {}) {
    super(message, {code: 'CHECK_FAILED', ...options, kind: 'check'})
  }
}

export class AuthError extends LakectlError {
  constructor(message: string, options: KindlessOptions = {}) {
    super(message, {code: 'UNAUTHENTICATED', ...options, kind: 'auth'})
  }
}

export class WaitTimeoutError extends LakectlError {
  constructor(message: string, options: KindlessOptions = {}) {
    super(message, {code: 'TIMED_OUT', ...options, kind: 'timeout'})
  }
}

export class InterruptedError extends LakectlError {
  constructor(message = 'Interrupted.') {
    super(message, {code: 'INTERRUPTED', kind: 'interrupted'})
  }
}

/** Anything thrown, as a LakectlError: unknown errors keep their message (code INTERNAL, a failure). */
export function asLakectlError(error: unknown): LakectlError {
  if (error instanceof LakectlError) return error
  if (isAbortError(error)) return new InterruptedError()
  const message = error instanceof Error ? error.message : String(error)
  return new LakectlError(message || 'Unexpected error.', {code: 'INTERNAL', cause: error})
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as {code?: string}).code === 'ABORT_ERR')
}
