/**
 * Runs a command through oclif once the fast path (fast-path.ts) has declined. Errors that escape a
 * command (the help command's, a hook's) are rendered like every lakectl error, with its exit code.
 */
import {flush, run, settings} from '@oclif/core'

import {exitCodeOf, toLakectlError} from './errors.js'
import {Output} from './output.js'

export async function runCommand(argv: string[], dir: string, options: {development?: boolean} = {}): Promise<void> {
  if (options.development) {
    process.env.NODE_ENV = 'development'
    settings.debug = true
  }
  try {
    await run(argv, dir)
    await flush()
  } catch (error) {
    const exit = (error as {oclif?: {exit?: number}; code?: string}).oclif?.exit
    // oclif's own commands (help, autocomplete) end through its ExitError; lakectl's set the exit code.
    if ((error as {code?: string}).code === 'EEXIT' && exit !== undefined) {
      process.exitCode = exit
      return
    }
    const failure = toLakectlError(error)
    const out = await Output.create({json: argv.includes('--json'), noColor: argv.includes('--no-color'), noInput: true})
    out.error(failure)
    process.exitCode = exitCodeOf(failure)
  }
}
