/**
 * From errors to the contract of DESIGN section 3: each kind of LakectlError (src/errors.ts) maps to
 * one exit code, every error becomes one document (code, message, hint, exit_code), and oclif's own
 * parse errors are translated into lakectl errors with a stable code and a hint.
 */
import {asLakectlError, type ErrorKind, LakectlError, UsageError} from '../errors.js'

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

const EXIT_CODE_OF_KIND: Record<ErrorKind, ExitCodeValue> = {
  failure: ExitCode.failure,
  usage: ExitCode.usage,
  check: ExitCode.checkFailed,
  auth: ExitCode.auth,
  timeout: ExitCode.timeout,
  interrupted: ExitCode.interrupted,
}

export function exitCodeOf(error: LakectlError): ExitCodeValue {
  return EXIT_CODE_OF_KIND[error.kind]
}

/** What --json prints for an error, under the key `error`. */
export interface ErrorDocument {
  code: string
  message: string
  hint: string | null
  exit_code: number
  details?: Record<string, unknown>
}

export function errorDocument(error: LakectlError): ErrorDocument {
  return {
    code: error.code,
    message: error.message,
    hint: error.hint ?? null,
    exit_code: exitCodeOf(error),
    ...(error.details ? {details: error.details} : {}),
  }
}

/** What the failing command was, for hints: its words ("stream status") and the flags it knows. */
export interface CommandContext {
  words: string
  flags: readonly string[]
}

/** Anything thrown, as a LakectlError; oclif's parse errors become usage errors with a code and a hint. */
export function toLakectlError(error: unknown, command?: CommandContext): LakectlError {
  if (error instanceof LakectlError) return error
  const parse = parseFailure(error, command)
  return parse ?? asLakectlError(error)
}

interface OclifError extends Error {
  oclif?: {exit?: number}
  flags?: string[]
  args?: Array<{name: string; description?: string}>
}

/** oclif's parse errors carry `oclif.exit` (2) and end with "See more help with --help". */
function parseFailure(error: unknown, command?: CommandContext): UsageError | undefined {
  if (!(error instanceof Error)) return undefined
  const e = error as OclifError
  const message = stripAnsi(e.message).replace(/\s*See more help with --help\s*$/, '').trim()
  if (e.oclif?.exit !== 2 && !/^Parsing --/.test(message)) return undefined
  const hint = command ? `lakectl ${command.words} --help` : 'lakectl help'
  switch (e.constructor.name) {
    case 'NonExistentFlagsError': {
      const unknown = e.flags ?? []
      const closest = command ? unknown.map((f) => closestFlag(f, command.flags)).filter(Boolean) : []
      return new UsageError(`Unknown flag${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}${closest.length ? `; did you mean ${closest.join(', ')}?` : '.'}`, {code: 'UNKNOWN_FLAG', hint})
    }
    case 'RequiredArgsError': {
      const missing = (e.args ?? []).map((a) => `${a.name.toUpperCase()}${a.description ? ` (${a.description.replace(/\.$/, '')})` : ''}`)
      return new UsageError(`Missing argument${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}.`, {code: 'MISSING_ARGUMENT', hint})
    }
    case 'UnexpectedArgsError':
      return new UsageError(`${message}.`, {code: 'UNEXPECTED_ARGUMENT', hint})
    case 'FailedFlagValidationError':
    case 'ViolatedFlagConstraintError':
      return new UsageError(message.replace(/^The following errors? occurred:\s*/, '').split('\n').map((l) => l.trim()).filter(Boolean).join('; '), {code: 'INVALID_FLAGS', hint})
    default: {
      const parsing = /^Parsing (--[\w-]+)\s*\n\s*([\s\S]*)$/.exec(message)
      if (parsing) return new UsageError(`${parsing[1]}: ${parsing[2].trim()}`, {code: 'INVALID_FLAG_VALUE', hint})
      return new UsageError(message.split('\n').map((l) => l.trim()).filter(Boolean).join(' '), {code: 'USAGE', hint})
    }
  }
}

/** The known flag nearest to a mistyped one, if it is near enough to be a typo. */
function closestFlag(given: string, known: readonly string[]): string | undefined {
  const name = given.replace(/^-+/, '').split('=')[0]
  const best = closest(name, known, 1)[0]
  return best === undefined ? undefined : `--${best}`
}

/** Up to `limit` candidates nearest to `word` (edit distance within about a third of its length). */
export function closest(word: string, candidates: readonly string[], limit: number): string[] {
  const tolerance = Math.max(2, Math.ceil(word.length / 3))
  return candidates
    .map((c) => ({c, d: editDistance(word, c)}))
    .filter((x) => x.d <= tolerance)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, limit)
    .map((x) => x.c)
}

/** Damerau-Levenshtein distance (optimal string alignment: a swap of neighbours costs 1). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;]*[A-Za-z]/g, '')
}
