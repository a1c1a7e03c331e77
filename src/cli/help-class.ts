/**
 * oclif's help class for lakectl (package.json oclif.helpClass): `lakectl help ...`, `--help` that the
 * fast path did not answer, and topics. It renders with the same function as the fast path, from the
 * same model, so both print the same text.
 */
import {type Command, HelpBase, type Interfaces} from '@oclif/core'

import {helpModel, type HelpModel, helpWidth, helpWords, renderHelp} from './help.js'
import {unknownCommand} from './not-found.js'

export default class LakectlHelp extends HelpBase {
  async showHelp(argv: string[]): Promise<void> {
    const model = modelOf(this.config)
    const words = helpWords(model, argv)
    const text = renderHelp(model, words, helpWidth())
    if (text === undefined) throw unknownCommand(words, model.commands.map((c) => c.id.split(':').join(' ')))
    process.stdout.write(text)
  }

  async showCommandHelp(command: Command.Loadable): Promise<void> {
    await this.showHelp(command.id.split(':'))
  }
}

/** The help model of a loaded oclif config (also written at build time for the fast path). */
export function modelOf(config: Interfaces.Config): HelpModel {
  return helpModel({
    bin: config.bin,
    version: config.version,
    description: config.pjson.description ?? '',
    topics: config.topics.map((t) => ({name: t.name, description: t.description, hidden: t.hidden})),
    commands: config.commands,
  })
}
