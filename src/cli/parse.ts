/**
 * The common command lines parsed without oclif: long and short flags with separate values, `--flag=value`,
 * `--no-flag`, repeated multiple flags, positional arguments, env and default values, each value through
 * the flag's own parse function. It declines (returns undefined) whatever is unusual or wrong: an
 * unknown flag, `--`, a missing or dash-leading value, a flag with relationships, a value its flag
 * rejects, too many or too few arguments. oclif's parser then takes the whole line and produces the
 * result or the error it always has, so both parsers give the same result where this one answers
 * (test/unit/parse.test.ts compares them on every command's flags).
 */

export interface FlagDefinition {
  type: 'boolean' | 'option'
  char?: string
  aliases?: string[]
  allowNo?: boolean
  multiple?: boolean
  options?: readonly string[]
  env?: string
  default?: unknown
  required?: boolean
  dependsOn?: string[]
  exclusive?: string[]
  parse: (input: never, context: unknown, flag: never) => Promise<unknown>
}

export interface ArgDefinition {
  required?: boolean
  ignoreStdin?: boolean
  default?: unknown
  options?: readonly string[]
  parse: (input: never, context: unknown, arg: never) => Promise<unknown>
}

export interface ParseInput {
  flags: Record<string, FlagDefinition>
  args: Record<string, ArgDefinition>
  strict: boolean
}

export interface ParseOutput {
  flags: Record<string, unknown>
  args: Record<string, unknown>
  argv: unknown[]
  metadata: {flags: Record<string, {setFromDefault?: boolean}>}
}

const TRUTHY = new Set(['true', '1', 'yes', 'y'])

export async function parseSimple(input: ParseInput, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ParseOutput | undefined> {
  const byToken = new Map<string, [string, FlagDefinition, boolean]>()
  for (const [name, flag] of Object.entries(input.flags)) {
    byToken.set(`--${name}`, [name, flag, true])
    for (const alias of flag.aliases ?? []) byToken.set(`--${alias}`, [name, flag, true])
    if (flag.type === 'boolean' && flag.allowNo) byToken.set(`--no-${name}`, [name, flag, false])
    if (flag.char) byToken.set(`-${flag.char}`, [name, flag, true])
  }
  const given = new Map<string, string[] | boolean>()
  const positional: string[] = []
  let greedy = false
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (!token.startsWith('-') || token === '-') {
      // oclif gives the words after a multiple flag's value to that flag: leave that reading to it.
      if (greedy) return undefined
      positional.push(token)
      continue
    }
    const equals = token.startsWith('--') ? token.indexOf('=') : -1
    const found = byToken.get(equals < 0 ? token : token.slice(0, equals))
    if (!found) return undefined
    const [name, flag, value] = found
    if (flag.dependsOn || flag.exclusive) return undefined
    if (flag.type === 'boolean') {
      if (equals >= 0 || given.has(name)) return undefined
      given.set(name, value)
      greedy = false
      continue
    }
    const text = equals >= 0 ? token.slice(equals + 1) : argv[++i]
    if (text === undefined || (equals < 0 && text.startsWith('-'))) return undefined
    const values = given.get(name)
    if (values !== undefined && !flag.multiple) return undefined
    given.set(name, [...((values as string[] | undefined) ?? []), text])
    greedy = Boolean(flag.multiple)
  }

  const flags: Record<string, unknown> = {}
  const metadata: ParseOutput['metadata'] = {flags: {}}
  try {
    for (const [name, flag] of Object.entries(input.flags)) {
      const value = given.get(name)
      if (typeof value === 'boolean') flags[name] = value
      else if (value) {
        if (flag.options && value.some((v) => !flag.options!.includes(v))) return undefined
        const parsed = await Promise.all(value.map((v) => flag.parse(v as never, undefined, flag as never)))
        flags[name] = flag.multiple ? parsed : parsed[0]
      } else if (flag.env && env[flag.env]) {
        const text = env[flag.env]!
        if (flag.type === 'boolean') flags[name] = TRUTHY.has(text.toLowerCase())
        else {
          if (flag.options && !flag.options.includes(text)) return undefined
          flags[name] = await flag.parse(text as never, undefined, flag as never)
        }
      } else {
        if (flag.required || typeof flag.default === 'function') return undefined
        // oclif marks the flags it could have had a value for: switches, env-backed and defaulted ones.
        if (flag.type === 'boolean' || flag.env || flag.default !== undefined) metadata.flags[name] = {setFromDefault: true}
        if (flag.default !== undefined) flags[name] = flag.default
      }
    }
    const names = Object.keys(input.args)
    if (input.strict && positional.length > names.length) return undefined
    const args: Record<string, unknown> = {}
    const parsedArgv: unknown[] = []
    for (const [index, name] of names.entries()) {
      const arg = input.args[name]
      const text = positional[index]
      if (text === undefined) {
        // oclif would read a missing argument from a piped stdin, unless told not to (Args in flags.ts are).
        if (arg.required || arg.default !== undefined || !arg.ignoreStdin) return undefined
        continue
      }
      if (arg.options && !arg.options.includes(text)) return undefined
      args[name] = await arg.parse(text as never, undefined, arg as never)
      parsedArgv.push(args[name])
    }
    parsedArgv.push(...positional.slice(names.length))
    return {flags, args, argv: parsedArgv, metadata}
  } catch {
    return undefined
  }
}
