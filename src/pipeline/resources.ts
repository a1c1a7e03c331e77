/** Where the pipeline's resource files live: resources/ at the package root, from src/ and dist/ alike. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const RESOURCES_DIR = fileURLToPath(new URL('../../resources/', import.meta.url))
export const SQL_DIR = path.join(RESOURCES_DIR, 'sql')

export function readResource(...parts: string[]): string {
  return readFileSync(path.join(RESOURCES_DIR, ...parts), 'utf8')
}
