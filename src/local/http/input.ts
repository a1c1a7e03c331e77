/** Reading request input the way Databricks validates it: bodies by schema, query flags, UC paging. */
import {z} from 'zod'

import {invalidParameter} from './errors.js'

/** Validates a JSON body; the first problem becomes a 400 INVALID_PARAMETER_VALUE naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const field = issue.path.join('.')
  const missing = issue.code === 'invalid_type' && issue.input === undefined
  throw invalidParameter(missing ? `Missing required field: ${field}` : `Invalid value for field '${field || 'body'}': ${issue.message}`)
}

export function requiredQuery(query: URLSearchParams, name: string): string {
  const value = query.get(name)
  if (value === null || value === '') throw invalidParameter(`Missing required field: ${name}`)
  return value
}

export function booleanQuery(query: URLSearchParams, name: string): boolean {
  const value = query.get(name)
  if (value === null || value === '') return false
  if (value === 'true' || value === 'false') return value === 'true'
  throw invalidParameter(`Invalid value for '${name}': expected true or false, got '${value}'.`)
}

export function integerQuery(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name)
  if (value === null || value === '') return undefined
  if (!/^-?\d+$/.test(value)) throw invalidParameter(`Invalid value for '${name}': '${value}' is not an integer.`)
  return Number(value)
}

export interface PageRequest {
  /** Entries per page; undefined = everything in one page (legacy unpaginated listing). */
  size?: number
  /** Raw key after which the page starts. */
  after?: string
}

export interface PageLimits {
  defaultSize: number
  maxSize: number
}

/**
 * Unity Catalog paging (reference 2.1): `max_results` 0 = server page size, >0 = min(value, max),
 * <0 = 400, absent = legacy unpaginated. Page tokens are opaque (base64url JSON of the last key seen).
 */
export function pageRequest(query: URLSearchParams, limits: PageLimits): PageRequest {
  const maxResults = integerQuery(query, 'max_results')
  if (maxResults !== undefined && maxResults < 0) throw invalidParameter(`max_results must be greater than or equal to 0, got ${maxResults}.`)
  const size = maxResults === undefined ? undefined : maxResults === 0 ? limits.defaultSize : Math.min(maxResults, limits.maxSize)
  const token = query.get('page_token')
  return {size, after: token ? decodePageToken(token) : undefined}
}

export interface Page<T> {
  items: T[]
  nextPageToken?: string
}

/**
 * Pages over a sorted listing of raw keys, some of which may be hidden from the caller (DuckDB's
 * internal databases and schemas). A page covers `size` raw keys and carries a token whenever that
 * window was full, so a page can be empty yet carry a token (hidden keys, or an exact end), which the
 * API allows and clients must follow.
 */
export function paginate(sortedKeys: string[], visible: (key: string) => boolean, page: PageRequest): Page<string> {
  const start = page.after === undefined ? 0 : sortedKeys.findIndex((key) => key > page.after!)
  const from = start === -1 ? sortedKeys.length : start
  const window = page.size === undefined ? sortedKeys.slice(from) : sortedKeys.slice(from, from + page.size)
  const full = page.size !== undefined && window.length === page.size
  return {
    items: window.filter(visible),
    nextPageToken: full ? encodePageToken(window[window.length - 1]) : undefined,
  }
}

function encodePageToken(after: string): string {
  return Buffer.from(JSON.stringify({after}), 'utf8').toString('base64url')
}

function decodePageToken(token: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {after?: unknown}
    if (typeof decoded.after === 'string') return decoded.after
  } catch {
    // fall through to the error below
  }
  throw invalidParameter(`Invalid page_token: '${token}'.`)
}
