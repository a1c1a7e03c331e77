/**
 * Start-up fast path. Importing @oclif/core alone costs more than node's own start-up, so `--version`,
 * `--help` and the root help are answered from the help model written at build time
 * (dist/help-model.json) without loading oclif, rendered by the same function as `lakectl help`.
 * Anything else, words that name no command, or a missing model go through oclif as usual.
 */
import {readFileSync} from 'node:fs'

import {asksForHelp} from './argv.js'
import {type HelpModel, helpWidth, helpWords, renderHelp, versionLine} from './help.js'

export const HELP_MODEL = new URL('../help-model.json', import.meta.url)

export function loadHelpModel(): HelpModel | undefined {
  try {
    return JSON.parse(readFileSync(HELP_MODEL, 'utf8')) as HelpModel
  } catch {
    return undefined
  }
}

/** Answers argv when it asks for the version or for help; false to run it through oclif. */
export function fastPath(argv: string[], model: HelpModel | undefined, write: (text: string) => void = (t) => process.stdout.write(t)): boolean {
  if (!model || !asksForHelp(argv)) return false
  if (argv[0] === '--version' || argv[0] === '-v') {
    write(versionLine(model) + '\n')
    return true
  }
  const text = renderHelp(model, helpWords(model, argv), helpWidth())
  if (text === undefined) return false
  write(text)
  return true
}
