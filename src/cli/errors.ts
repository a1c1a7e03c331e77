/**
 * lakectl's error model: every failure a user can meet is a LakectlError with a stable code,
 * a message that names the problem, an optional hint (the next command to run) and an exit code
 * from the contract in DESIGN section 3.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  checkFailed: 3,
  auth: 4,
  timeout: 8,
  interrupted: 130,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface ErrorOptions {
  code?: string
  hint?: string
  exitCode?: ExitCodeValue
  cause?: unknown
  details?: Record<string, unknown>
}

export class LakectlError extends Error {
  readonly code: string
  readonly hint?: string
  readonly exitCode: ExitCodeValue
  readonly details?: Record<string, unknown>

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.code = options.code ?? 'FAILURE'
    this.hint = options.hint
    this.exitCode = options.exitCode ?? ExitCode.failure
    this.details = options.details
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? {hint: this.hint} : {}),
      exit_code: this.exitCode,
      ...(this.details ? {details: this.details} : {}),
    }
  }
}

/** Bad input, flags or config: exit 2, nothing was changed. */
export class UsageError extends LakectlError {
  constructor(message: string, options: Omit<ErrorOptions, 'exitCode'> = {}) {
    super(message, {code: 'USAGE', ...options, exitCode: ExitCode.usage})
  }
}

/** A check failed: threshold breached, guardrail refused, drift pending under --exit-code. */
export class CheckFailedError extends LakectlError {
  constructor(message: string, options: Omit<ErrorOptions, 'exitCode'> = {}) {
    super(message, {code: 'CHECK_FAILED', ...options, exitCode: ExitCode.checkFailed})
  }
}

export class AuthError extends LakectlError {
  constructor(message: string, options: Omit<ErrorOptions, 'exitCode'> = {}) {
    super(message, {code: 'UNAUTHENTICATED', ...options, exitCode: ExitCode.auth})
  }
}

/** A wait expired while the remote state was still changing. */
export class WaitTimeoutError extends LakectlError {
  constructor(message: string, options: Omit<ErrorOptions, 'exitCode'> = {}) {
    super(message, {code: 'TIMED_OUT', ...options, exitCode: ExitCode.timeout})
  }
}

export class InterruptedError extends LakectlError {
  constructor(message = 'Interrupted.') {
    super(message, {code: 'INTERRUPTED', exitCode: ExitCode.interrupted})
  }
}

/** Turns anything thrown into a LakectlError; unknown errors keep their message and exit 1. */
export function toLakectlError(error: unknown): LakectlError {
  if (error instanceof LakectlError) return error
  if (isAbortError(error)) return new InterruptedError()
  const oclif = error as {oclif?: {exit?: number}; message?: string}
  if (oclif?.oclif?.exit === 2) return new UsageError(oclif.message ?? String(error))
  const message = error instanceof Error ? error.message : String(error)
  return new LakectlError(message || 'Unexpected error.', {code: 'INTERNAL', cause: error})
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as {code?: string}).code === 'ABORT_ERR')
}
