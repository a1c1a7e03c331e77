/**
 * The validated config, cached by the content it was made from. Parsing YAML and building the schema
 * (the yaml and zod packages) cost more than the rest of a workspace command's start-up, and the files
 * rarely change: a cache hit loads neither. The key covers everything the result depends on (both
 * files' text, the user file's path, the loader's and the schema's code by size and time, which a new
 * lakectl rewrites), so a changed file or a new lakectl misses and is validated again; an invalid config
 * is never cached and fails as before. The key is compared whole, not hashed: node:crypto would cost a
 * workspace command more start-up than the cache file's few kilobytes.
 */
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {fnv1a32} from '../hash.js'
import {DEFAULT_CONFIG_PATH, userConfigPath} from './files.js'
import type {LoadedConfig} from './load.js'

/** The code whose change invalidates every cached config (compiled .js, or the .ts sources under the tests). */
const LOADER_SOURCES = ['load', 'schema', 'names'].map((name) => new URL(`./${name}${path.extname(import.meta.url)}`, import.meta.url))

export async function loadConfigCached(options: {configPath?: string; cwd: string}, cacheDir: string | undefined): Promise<LoadedConfig> {
  const userPath = userConfigPath(options)
  const projectDir = userPath ? path.dirname(userPath) : path.resolve(options.cwd)
  const key = cacheDir ? cacheKey(userPath) : undefined
  const file = cacheDir && key ? path.join(cacheDir, `config-${slot(userPath ?? '')}.json`) : undefined
  if (file) {
    const hit = readEntry(file, key!)
    if (hit) return {config: hit, path: userPath, projectDir}
  }
  const {loadConfig} = await import('./load.js')
  const loaded = loadConfig(options)
  if (file) writeEntry(file, key!, loaded.config)
  return loaded
}

/** undefined when a file cannot be read: the full loader then reports it. */
function cacheKey(userPath: string | undefined): string | undefined {
  try {
    const code = LOADER_SOURCES.map((source) => statSync(source)).map((stat) => [stat.size, stat.mtimeMs])
    return JSON.stringify([code, readFileSync(DEFAULT_CONFIG_PATH, 'utf8'), userPath ?? null, userPath ? readFileSync(userPath, 'utf8') : null])
  } catch {
    return undefined
  }
}

/** A cache file per config path: two paths that share one only evict each other, as the key holds the path. */
function slot(text: string): string {
  return fnv1a32(text).toString(16).padStart(8, '0')
}

function readEntry(file: string, key: string): LoadedConfig['config'] | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as {key?: string; config?: LoadedConfig['config']}
    return entry.key === key ? entry.config : undefined
  } catch {
    return undefined
  }
}

/** Best effort (a read-only home only means no cache); the rename keeps a concurrent reader from a torn file. */
function writeEntry(file: string, key: string, config: LoadedConfig['config']): void {
  try {
    mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
    const partial = `${file}.${process.pid}.tmp`
    writeFileSync(partial, JSON.stringify({key, config}), {mode: 0o600})
    renameSync(partial, file)
  } catch {
    // no cache this time
  }
}

/** $XDG_CACHE_HOME/lakectl, else ~/.cache/lakectl; none without a home (the config is then always validated). */
export function configCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined)
  return base ? path.join(base, 'lakectl') : undefined
}
