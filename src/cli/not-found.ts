/**
 * oclif's command_not_found hook: a mistyped command never prompts. One line on stderr names the
 * closest commands (or, when nothing is close, the commands there are), and the exit code is 2.
 */
import type {Hook} from '@oclif/core'

import {UsageError} from '../errors.js'
import {closest, exitCodeOf} from './errors.js'
import {Output} from './output.js'

const hook: Hook<'command_not_found'> = async function (options) {
  const typed = options.id.split(':')
  const visible = options.config.commands.filter((c) => !c.hidden).map((c) => c.id.split(':').join(' '))
  const failure = unknownCommand(typed, visible)
  const argv = options.argv ?? []
  const out = await Output.create({json: argv.includes('--json'), noColor: argv.includes('--no-color'), noInput: true})
  out.error(failure, {oneLine: true})
  process.exitCode = exitCodeOf(failure)
}

export default hook

/** The error for a command that does not exist, with the closest ones as suggestions. */
export function unknownCommand(typed: readonly string[], commands: readonly string[]): UsageError {
  if (typed.length === 0 || typed[0].startsWith('-')) return new UsageError('No command given.', {code: 'UNKNOWN_COMMAND', hint: 'lakectl help'})
  // oclif reads the words after a command without arguments as part of its id: `doctor extra`.
  const command = commands.find((c) => typed.join(' ').startsWith(`${c} `))
  if (command) {
    const extra = typed.slice(command.split(' ').length)
    return new UsageError(`Unexpected argument${extra.length === 1 ? '' : 's'}: ${extra.join(', ')}.`, {code: 'UNEXPECTED_ARGUMENT', hint: `lakectl ${command} --help`})
  }
  const topic = typed.length > 1 && commands.some((c) => c.startsWith(`${typed[0]} `)) ? typed[0] : undefined
  const candidates = topic ? commands.filter((c) => c.startsWith(`${topic} `)) : commands
  // Within a topic the typed words after it are compared with its commands' words.
  const strip = (words: string) => (topic ? words.slice(topic.length + 1) : words)
  const suggestions = closest(strip(typed.join(' ')), candidates.map(strip), 3).map((s) => (topic ? `${topic} ${s}` : s))
  const shown = `'${typed.join(' ')}' is not a lakectl command.`
  const help = topic ? `lakectl help ${topic}` : 'lakectl help'
  if (suggestions.length) {
    return new UsageError(`${shown} Closest: ${suggestions.map((s) => `lakectl ${s}`).join(', ')}.`, {code: 'UNKNOWN_COMMAND', hint: help, details: {suggestions}})
  }
  const words = [...new Set(candidates.map((c) => (topic ? c : c.split(' ')[0])))].sort()
  return new UsageError(`${shown} ${topic ? `The ${topic} commands` : 'Commands'}: ${words.join(', ')}.`, {code: 'UNKNOWN_COMMAND', hint: help, details: {suggestions: []}})
}
