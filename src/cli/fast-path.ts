/**
 * Start-up fast path. Importing @oclif/core alone costs more than node's own start-up, so
 * `lakectl --version` and `lakectl <command> --help` are answered from files written at build time
 * (package.json and dist/help.json, rendered by oclif's own Help class) without loading oclif.
 * Anything else, or a missing cache, goes through oclif as usual.
 */
import {readFileSync} from 'node:fs'

export const HELP_CACHE = new URL('../help.json', import.meta.url)
const MANIFEST = new URL('../../oclif.manifest.json', import.meta.url)

/** The command ids of the build-time manifest ("stream:status"); none when it is missing. */
export function commandIds(): string[] {
  try {
    return Object.keys((JSON.parse(readFileSync(MANIFEST, 'utf8')) as {commands: Record<string, unknown>}).commands)
  } catch {
    return []
  }
}

export function fastPath(argv: string[], write: (text: string) => void = (t) => process.stdout.write(t)): boolean {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    const {version} = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}
    write(`lakectl/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    return true
  }
  const last = argv.at(-1)
  if ((last !== '--help' && last !== '-h') || argv.slice(0, -1).some((a) => a.startsWith('-'))) return false
  let cache: Record<string, string>
  try {
    cache = JSON.parse(readFileSync(HELP_CACHE, 'utf8')) as Record<string, string>
  } catch {
    return false
  }
  const text = cache[argv.slice(0, -1).join(' ')]
  if (text === undefined) return false
  write(text)
  return true
}
