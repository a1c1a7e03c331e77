/**
 * Build step (after `oclif manifest`): renders the help of the root and of every command with oclif's
 * own Help class into dist/help.json, for the start-up fast path (fast-path.ts). Topics are left to oclif.
 */
import {writeFileSync} from 'node:fs'
import {Config, Help} from '@oclif/core'

import {HELP_CACHE} from './fast-path.js'

class CapturingHelp extends Help {
  captured = ''
  protected override log(...args: string[]): void {
    this.captured += args.join(' ') + '\n'
  }
}

const config = await Config.load({root: new URL('../../', import.meta.url).pathname})
const columns = 80
process.stdout.columns = columns
const cache: Record<string, string> = {}
const render = async (argv: string[]) => {
  const help = new CapturingHelp(config, {stripAnsi: true, maxWidth: columns})
  await help.showHelp(argv)
  return help.captured
}
cache[''] = await render([])
for (const command of config.commands) {
  if (command.hidden) continue
  const words = command.id.split(':')
  cache[words.join(' ')] = await render(words)
}
writeFileSync(HELP_CACHE, JSON.stringify(cache))
