// parseSimple against oclif's own parser, on every command's flag and argument definitions: where
// parseSimple answers, the flags, arguments, argv and default markers are oclif's; what it declines
// (oclif then parses it, or rejects it with its usage error) is declined for real.
import {readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Parser} from '@oclif/core'
import {afterEach, describe, expect, it} from 'vitest'

import type {LakectlCommand} from '../../src/cli/base-command.js'
import {type FlagDefinition, type ParseInput, parseSimple} from '../../src/cli/parse.js'

type CommandClass = typeof LakectlCommand

const root = fileURLToPath(new URL('../../src/commands/', import.meta.url))
const files = readdirSync(root, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts'))
const commands = await Promise.all(
  files.map(async (file) => {
    const command = ((await import(`../../src/commands/${file}`)) as {default: CommandClass}).default
    const definition = {flags: {...command.baseFlags, ...command.flags}, args: command.args, strict: command.strict !== false} as unknown as ParseInput
    return {id: file.replace(/\.ts$/, '').replace(/\/index$/, '').split('/').join(':'), definition}
  }),
)

const oclif = async (definition: ParseInput, argv: string[]) => {
  const parsed = await Parser.parse(argv, {...definition, context: {}} as never)
  return {flags: parsed.flags, args: parsed.args, argv: parsed.argv, metadata: {flags: parsed.metadata.flags}}
}

/** A value the flag accepts. */
function valid(flag: FlagDefinition & {min?: number; max?: number}, name: string): string {
  if (flag.options) return flag.options.at(-1)!
  if (flag.parse.toString().includes('Expected an integer')) return String(flag.min ?? 7)
  return `${name}-value`
}

/** The arguments and flags a command requires, with values. */
const requiredArgs = (definition: ParseInput) => [
  ...Object.values(definition.args).filter((a) => a.required).map((a, i) => a.options?.[0] ?? `arg${i}`),
  ...Object.entries(definition.flags).filter(([, f]) => f.required).flatMap(([name, f]) => [`--${name}`, valid(f, name)]),
]

/** Command lines every command must accept without oclif: the arguments it needs and each simple flag in turn. */
function simpleLines(definition: ParseInput): string[][] {
  const required = requiredArgs(definition)
  const lines = [required]
  const all: string[] = []
  for (const [name, flag] of Object.entries(definition.flags)) {
    if (flag.dependsOn || flag.exclusive || flag.required) continue
    const tokens = flag.type === 'boolean' ? [`--${name}`] : [`--${name}`, valid(flag, name)]
    lines.push([...required, ...tokens])
    // Words after a multiple flag's value are that flag's for oclif (parseSimple leaves those lines to it).
    if (!flag.multiple) lines.push([...tokens, ...required])
    if (flag.type === 'option') lines.push([...required, `--${name}=${valid(flag, name)}`])
    if (flag.type === 'option' && flag.multiple) lines.push([...required, ...tokens, ...tokens])
    if (flag.type === 'boolean' && flag.allowNo) lines.push([...required, `--no-${name}`])
    if (flag.char) lines.push([...required, `-${flag.char}`, ...tokens.slice(1)])
    if (!flag.multiple) all.push(...tokens)
  }
  lines.push([...required, ...all])
  if (!definition.strict) lines.push([...required, 'extra1', 'extra2'])
  return lines
}

/** Lines parseSimple must leave to oclif: the unusual (oclif may take them) and the wrong (oclif rejects them). */
function declinedLines(definition: ParseInput): Array<[string[], 'unusual' | 'wrong']> {
  const required = requiredArgs(definition)
  const lines: Array<[string[], 'unusual' | 'wrong']> = [
    [[...required, '--not-a-flag'], 'wrong'],
    [[...required, '--', 'x'], 'unusual'],
    [['--json=true', ...required], 'unusual'],
    [['--json', '--json', ...required], 'unusual'],
  ]
  for (const [name, flag] of Object.entries(definition.flags)) {
    if (flag.dependsOn || flag.exclusive) lines.push([[...required, `--${name}`, ...(flag.type === 'option' ? [valid(flag, name)] : [])], 'unusual'])
    if (flag.type !== 'option') continue
    lines.push([[...required, `--${name}`], 'wrong'])
    if (flag.options) lines.push([[...required, `--${name}`, 'not-an-option'], 'wrong'])
    if (flag.parse.toString().includes('Expected an integer')) lines.push([[...required, `--${name}`, 'seven'], 'wrong'])
    if (!flag.multiple) lines.push([[...required, `--${name}`, valid(flag, name), `--${name}`, valid(flag, name)], 'wrong'])
    if (flag.multiple) lines.push([[`--${name}`, valid(flag, name), ...(required.length ? required : ['word'])], 'unusual'])
  }
  if (required.length > 0) lines.push([[], 'wrong'])
  return lines
}

describe.each(commands)('lakectl $id', ({definition}) => {
  afterEach(() => {
    delete process.env.LAKECTL_TARGET
    delete process.env.LAKECTL_STATE_DIR
  })

  it('parses the simple lines exactly as oclif does', async () => {
    for (const line of simpleLines(definition)) {
      const simple = await parseSimple(definition, line, process.env)
      expect(simple, line.join(' ')).toBeDefined()
      expect(simple, line.join(' ')).toEqual(await oclif(definition, line))
    }
  })

  it('takes env-backed flags from the environment as oclif does', async () => {
    process.env.LAKECTL_TARGET = 'prod'
    process.env.LAKECTL_STATE_DIR = '/tmp/state'
    const required = requiredArgs(definition)
    const simple = await parseSimple(definition, required, process.env)
    expect(simple?.flags.target).toBe('prod')
    expect(simple).toEqual(await oclif(definition, required))
  })

  it('leaves the unusual and the wrong to oclif', async () => {
    for (const [line, kind] of declinedLines(definition)) {
      expect(await parseSimple(definition, line, process.env), line.join(' ')).toBeUndefined()
      if (kind === 'wrong') await expect(oclif(definition, line), line.join(' ')).rejects.toThrow()
    }
  })
})

it('finds every command', () => {
  expect(commands.map((c) => c.id)).toEqual(expect.arrayContaining(['stream:status', 'sql', 'doctor', 'backfill', 'local:up']))
})
