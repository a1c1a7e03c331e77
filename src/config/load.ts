/**
 * Loads lakectl.yaml over the built-in defaults and validates the result. Errors name the file, the
 * line and the key, so a typo is fixed in one look.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {LineCounter, parseDocument, type Document} from 'yaml'
import type {z} from 'zod'

import {UsageError} from '../errors.js'
import {DEFAULT_CONFIG_PATH, userConfigPath} from './files.js'
import {configSchema, type LakectlConfig} from './schema.js'

/** Keys whose value in the user's file replaces the default as a whole instead of being merged into it. */
const REPLACED_KEYS = new Set(['access'])

interface ParsedYaml {
  file: string
  doc: Document
  lines: LineCounter
  value: unknown
}

export interface LoadedConfig {
  config: LakectlConfig
  /** The user's file, when there is one (else only the built-in defaults apply). */
  path?: string
  /** The folder that holds the project's lakectl.yaml, or the working directory. */
  projectDir: string
}

function parseYaml(file: string, text: string): ParsedYaml {
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  const problem = doc.errors[0]
  if (problem) {
    const line = lines.linePos(problem.pos[0]).line
    throw new UsageError(`${file}${line ? `:${line}` : ''}: invalid YAML: ${problem.message.split('\n')[0]}`, {code: 'CONFIG_INVALID'})
  }
  return {file, doc, lines, value: doc.toJS() ?? {}}
}

export function loadConfig(options: {configPath?: string; cwd: string}): LoadedConfig {
  const defaults = parseYaml(DEFAULT_CONFIG_PATH, readFileSync(DEFAULT_CONFIG_PATH, 'utf8'))
  const userPath = userConfigPath(options)
  let user: ParsedYaml | undefined
  if (userPath) {
    let text: string
    try {
      text = readFileSync(userPath, 'utf8')
    } catch (error) {
      throw new UsageError(`Cannot read the config file ${userPath}: ${(error as NodeJS.ErrnoException).code ?? error}.`, {
        code: 'CONFIG_NOT_FOUND',
        hint: 'lakectl init   (writes a commented lakectl.yaml)',
      })
    }
    user = parseYaml(userPath, text)
    if (user.value === null || typeof user.value !== 'object' || Array.isArray(user.value)) {
      throw new UsageError(`${userPath}: the config must be a mapping of keys (see resources/lakectl.default.yaml).`, {code: 'CONFIG_INVALID'})
    }
  }
  const merged = user ? mergeConfig(defaults.value, user.value) : defaults.value
  const result = configSchema.safeParse(merged)
  if (!result.success) throw configError(result.error, user ?? defaults, defaults)
  return {config: result.data, path: userPath, projectDir: userPath ? path.dirname(userPath) : path.resolve(options.cwd)}
}

/** Deep merge of plain objects; arrays and REPLACED_KEYS are taken from the override whole. */
export function mergeConfig(base: unknown, override: unknown, depth = 0): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override
  const out: Record<string, unknown> = {...base}
  for (const [key, value] of Object.entries(override)) {
    out[key] = depth === 0 && REPLACED_KEYS.has(key) ? value : mergeConfig(base[key], value, depth + 1)
  }
  return out
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function configError(error: z.ZodError, primary: ParsedYaml, fallback: ParsedYaml): UsageError {
  const problems = error.issues.map((issue) => {
    const keyPath = issue.path.map(String)
    if (issue.code === 'unrecognized_keys') keyPath.push(issue.keys[0])
    const where = locate(primary, keyPath) ?? locate(fallback, keyPath) ?? primary.file
    const key = formatPath(issue.path)
    return `${where}: ${key ? `${key}: ` : ''}${describeIssue(issue)}`
  })
  return new UsageError(`Invalid config:\n  ${problems.join('\n  ')}`, {
    code: 'CONFIG_INVALID',
    hint: 'fix the keys above (resources/lakectl.default.yaml documents every key)',
  })
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
  return issue.message
}

/** file:line of the deepest node of keyPath that this document holds. */
function locate(parsed: ParsedYaml, keyPath: string[]): string | undefined {
  for (let n = keyPath.length; n >= 1; n--) {
    const node = parsed.doc.getIn(keyPath.slice(0, n).map(asKey), true)
    const range = (node as {range?: [number, number, number]} | undefined)?.range
    if (range) return `${parsed.file}:${parsed.lines.linePos(range[0]).line}`
  }
  return undefined
}

const asKey = (k: string) => (/^\d+$/.test(k) ? Number(k) : k)

function formatPath(keyPath: readonly PropertyKey[]): string {
  return keyPath.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('')
}
