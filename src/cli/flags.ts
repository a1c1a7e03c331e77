/**
 * Flag and argument definitions without loading oclif: the same objects @oclif/core's `Flags.boolean`,
 * `Flags.string`, `Flags.integer` and `Args.string` build (oclif's parser, manifest and help read them
 * unchanged), so a command module can be imported on the start-up path (dispatch.ts) without the
 * ~100 ms of oclif's import graph. Only the types come from oclif.
 */
import type {Args as OclifArgs, Flags as OclifFlags} from '@oclif/core'

type Options = Record<string, unknown> & {multiple?: boolean}

function option(defaults: Record<string, unknown> = {}) {
  return (options: Options = {}) => ({
    parse: async (input: string) => input,
    ...defaults,
    ...options,
    input: [],
    multiple: Boolean(options.multiple ?? defaults.multiple ?? false),
    type: 'option',
  })
}

/** oclif's integer flag, with its messages ("Parsing --flag" is added by whichever parser runs it). */
async function integer(input: string, _context: unknown, options: {min?: number; max?: number}): Promise<number> {
  if (!/^-?\d+$/.test(input)) throw new Error(`Expected an integer but received: ${input}`)
  const number = Number.parseInt(input, 10)
  if (options.min !== undefined && number < options.min) throw new Error(`Expected an integer greater than or equal to ${options.min} but received: ${input}`)
  if (options.max !== undefined && number > options.max) throw new Error(`Expected an integer less than or equal to ${options.max} but received: ${input}`)
  return number
}

export const Flags = {
  boolean: ((options: Options = {}) => ({parse: async (b: boolean) => b, ...options, allowNo: Boolean(options.allowNo), type: 'boolean'})) as unknown as typeof OclifFlags.boolean,
  string: option() as unknown as typeof OclifFlags.string,
  integer: option({parse: integer}) as unknown as typeof OclifFlags.integer,
}

export const Args = {
  // Arguments come from the command line only: oclif would otherwise wait on a piped stdin for a missing
  // one, and take a runbook's input for it.
  string: ((options: Options = {}) => ({parse: async (input: string) => input, ignoreStdin: true, ...options, input: [], type: 'option'})) as unknown as typeof OclifArgs.string,
}
