/**
 * Prompts follow the TTY rules: only when stdin and stdout are terminals and --no-input is absent.
 * Otherwise a missing answer is a usage error that names the flag to pass instead.
 * @inquirer/prompts loads only when a prompt is really shown.
 */
import {UsageError} from '../errors.js'
import type {Output} from './output.js'

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
