/**
 * Prompts follow the TTY rules: only when stdin and stdout are terminals and --no-input is absent.
 * Otherwise a missing answer is a usage error that names the flag to pass instead.
 * @inquirer/prompts loads only when a prompt is really shown.
 */
import {UsageError} from '../errors.js'
import type {Output, Progress} from './output.js'

export async function confirm(out: Output, message: string, flag: string): Promise<boolean> {
  if (!out.interactive) throw new UsageError(`${message} Confirmation is needed and there is no terminal to ask.`, {hint: `pass ${flag}`})
  const {confirm: ask} = await import('@inquirer/prompts')
  return ask({message, default: false}, {output: process.stderr})
}

export async function input(out: Output, message: string, flag: string, defaultValue?: string): Promise<string> {
  if (!out.interactive) {
    if (defaultValue !== undefined) return defaultValue
    throw new UsageError(`${message} is required.`, {hint: `pass ${flag}`})
  }
  const {input: ask} = await import('@inquirer/prompts')
  return ask({message, default: defaultValue}, {output: process.stderr})
}

/**
 * A change that production feels (an alias move, a bootstrap): asked on a terminal (default No), given
 * by --yes otherwise. Without either it is a usage error that shows the command to run.
 */
export async function confirmChange(out: Output, change: string, options: {yes: boolean; command: string; progress?: Progress}): Promise<void> {
  if (options.yes) return
  if (!out.interactive) {
    throw new UsageError(`${change}: this needs a confirmation and there is no terminal to ask.`, {code: 'CONFIRMATION_REQUIRED', hint: `${options.command} --yes`})
  }
  const ask = () => confirm(out, `${change}?`, '--yes')
  if (!(await (options.progress ? options.progress.suspend(ask) : ask()))) throw new UsageError('Nothing was changed.', {code: 'CANCELLED'})
}
