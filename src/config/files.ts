/** Where the config comes from: the built-in defaults and the project's lakectl.yaml. */
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const CONFIG_FILE = 'lakectl.yaml'
export const RESOURCES_DIR = fileURLToPath(new URL('../../resources/', import.meta.url))
export const DEFAULT_CONFIG_PATH = path.join(RESOURCES_DIR, 'lakectl.default.yaml')

/** The user's config file: the one given (relative to cwd), else the nearest lakectl.yaml up from cwd. */
export function userConfigPath(options: {configPath?: string; cwd: string}): string | undefined {
  return options.configPath ? path.resolve(options.cwd, options.configPath) : findConfigFile(options.cwd)
}

export function findConfigFile(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE)
    if (existsSync(candidate)) return candidate
    if (path.dirname(dir) === dir) return undefined
  }
}
