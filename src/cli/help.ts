/**
 * lakectl's help text: one renderer for both paths, so `lakectl stream status --help` (the start-up fast
 * path, which reads the build-time model and never loads oclif) and `lakectl help stream status`
 * (oclif's help command, through LakectlHelp) print the same text. Paragraphs are reflowed and wrapped
 * to the terminal's width (80 columns when stdout is not a terminal), flag descriptions with a hanging
 * indent. No oclif import here: the fast path loads this module.
 */

export interface HelpFlag {
  name: string
  char?: string
  description?: string
  global: boolean
  takesValue: boolean
  allowNo: boolean
  default?: string
  env?: string
  options?: string[]
  multiple: boolean
}

export interface HelpArg {
  name: string
  description?: string
  required: boolean
}

export interface HelpCommand {
  id: string
  summary?: string
  description?: string
  args: HelpArg[]
  /** Takes any number of positional arguments (`strict = false`). */
  variadic: boolean
  flags: HelpFlag[]
  examples: string[]
}

export interface HelpModel {
  bin: string
  /** The package version (the `--version` line adds platform and node at run time). */
  version: string
  description: string
  topics: Array<{name: string; description: string}>
  commands: HelpCommand[]
}

/** The fields of an oclif command (manifest entry or loaded command) that help needs. */
export interface RawCommand {
  id: string
  hidden?: boolean
  summary?: string
  description?: string
  strict?: boolean
  examples?: Array<string | {command: string; description?: string}>
  args?: Record<string, {name?: string; description?: string; required?: boolean; hidden?: boolean}>
  flags?: Record<string, {name?: string; char?: string; description?: string; summary?: string; helpGroup?: string; type: string; allowNo?: boolean; default?: unknown; env?: string; options?: readonly string[]; multiple?: boolean; hidden?: boolean}>
}

export function helpModel(input: {bin: string; version: string; description: string; topics: Array<{name: string; description?: string; hidden?: boolean}>; commands: RawCommand[]}): HelpModel {
  const bin = (text: string | undefined) => text?.replaceAll('<%= config.bin %>', input.bin)
  const commands = input.commands
    .filter((c) => !c.hidden)
    .map((c): HelpCommand => ({
      id: c.id,
      summary: bin(c.summary ?? c.description?.split('\n')[0]),
      description: bin(c.summary ? c.description : c.description?.split('\n').slice(1).join('\n').trim() || undefined),
      variadic: c.strict === false,
      args: Object.entries(c.args ?? {}).filter(([, a]) => !a.hidden).map(([name, a]) => ({name: a.name ?? name, description: a.description, required: Boolean(a.required)})),
      flags: Object.entries(c.flags ?? {})
        .filter(([, f]) => !f.hidden)
        .map(([name, f]) => ({
          name: f.name ?? name,
          char: f.char,
          description: f.summary ?? f.description,
          global: f.helpGroup === 'GLOBAL',
          takesValue: f.type === 'option',
          allowNo: Boolean(f.allowNo),
          default: ['string', 'number'].includes(typeof f.default) || (f.allowNo && f.default === true) ? String(f.default) : undefined,
          env: f.env,
          options: f.options ? [...f.options] : undefined,
          multiple: Boolean(f.multiple),
        })),
      examples: (c.examples ?? []).map((e) => bin(typeof e === 'string' ? e : e.command)!),
    }))
    .sort((a, b) => byCode(a.id, b.id))
  const topics = input.topics
    .filter((t) => !t.hidden && commands.some((c) => c.id.startsWith(`${t.name}:`)))
    .map((t) => ({name: t.name, description: t.description ?? ''}))
    .sort((a, b) => byCode(a.name, b.name))
  return {bin: input.bin, version: input.version, description: input.description, topics, commands}
}

/** The width help wraps to: the terminal's, or 80 columns when stdout is not a terminal. */
export function helpWidth(stdout: {isTTY?: boolean; columns?: number} = process.stdout): number {
  return stdout.isTTY && stdout.columns ? Math.max(40, stdout.columns) : 80
}

export const EXIT_CODES: ReadonlyArray<[string, string]> = [
  ['0', 'success'],
  ['1', 'failure (API or runtime)'],
  ['2', 'usage, invalid input or config (nothing was changed)'],
  ['3', 'a check failed: threshold breached, guardrail refused, drift pending under --exit-code'],
  ['4', 'authentication or permission'],
  ['8', 'timed out while waiting (the remote state is still changing)'],
  ['130', 'interrupted (Ctrl-C)'],
]

const ROOT_EXAMPLES = [
  'local up',
  'doctor',
  'bootstrap --plan',
  '--json stream status',
  'stream wait --timeout 120',
  'model promote --from-alias challenger',
]

/** The help for these words (a command, a topic, or the root for none); undefined when they name nothing. */
export function renderHelp(model: HelpModel, words: readonly string[], width: number): string | undefined {
  const id = words.join(':')
  const command = model.commands.find((c) => c.id === id)
  if (command) return commandHelp(model, command, width)
  const topic = model.topics.find((t) => t.name === id)
  if (topic) return topicHelp(model, topic, width)
  if (words.length === 0) return rootHelp(model, width)
  return undefined
}

function commandHelp(model: HelpModel, c: HelpCommand, width: number): string {
  const words = c.id.split(':').join(' ')
  const args = c.args.map((a) => `${a.required ? '' : '['}${a.name.toUpperCase()}${c.variadic ? '...' : ''}${a.required ? '' : ']'}`)
  const own = c.flags.filter((f) => !f.global)
  const global = c.flags.filter((f) => f.global)
  const subcommands = model.commands.filter((s) => s.id.startsWith(`${c.id}:`))
  const sections = [
    ...(c.summary ? [paragraphs(c.summary, width, 0)] : []),
    section('USAGE', wrap(`$ ${model.bin} ${[words, ...args, own.length ? '[FLAGS]' : '', global.length ? '[GLOBAL FLAGS]' : ''].filter(Boolean).join(' ')}`, width, 2, 4)),
    ...(c.args.length ? [section('ARGUMENTS', table(c.args.map((a) => [`${a.name.toUpperCase()}${c.variadic ? '...' : ''}`, a.description ?? '']), width))] : []),
    ...(own.length ? [section('FLAGS', flagTable(own, width))] : []),
    ...(global.length ? [section('GLOBAL FLAGS (before or after the command words)', flagTable(global, width))] : []),
    ...(c.description ? [section('DESCRIPTION', paragraphs(c.description, width, 2))] : []),
    // Examples are not wrapped: a line break would change a command that is copied (they are kept short).
    ...(c.examples.length ? [section('EXAMPLES', c.examples.map((e) => `  $ ${e}`).join('\n'))] : []),
    // A command that is also a topic (backfill LAYER, backfill status ...) lists its subcommands too.
    ...(subcommands.length ? [section('COMMANDS', table(subcommands.map((s) => [s.id.split(':').join(' '), s.summary ?? '']), width))] : []),
    section('EXIT CODES', table(EXIT_CODES, width)),
  ]
  return sections.join('\n\n') + '\n'
}

function topicHelp(model: HelpModel, topic: {name: string; description: string}, width: number): string {
  const commands = model.commands.filter((c) => c.id.startsWith(`${topic.name}:`))
  return [
    paragraphs(topic.description, width, 0),
    section('USAGE', `  $ ${model.bin} ${topic.name} COMMAND`),
    section('COMMANDS', table(commands.map((c) => [c.id.split(':').join(' '), c.summary ?? '']), width)),
    paragraphs(`Run \`${model.bin} ${topic.name} COMMAND --help\` for a command's flags and examples.`, width, 0),
  ].join('\n\n') + '\n'
}

function rootHelp(model: HelpModel, width: number): string {
  const entries = [
    ...model.topics.map((t): [string, string] => [t.name, t.description]),
    // A command that is also a topic is listed once, as the topic.
    ...model.commands.filter((c) => !c.id.includes(':') && !model.topics.some((t) => t.name === c.id)).map((c): [string, string] => [c.id, c.summary ?? '']),
  ].sort(([a], [b]) => byCode(a, b))
  const global = model.commands.find((c) => c.flags.some((f) => f.global))?.flags.filter((f) => f.global) ?? []
  return [
    paragraphs(model.description, width, 0),
    section('VERSION', `  ${versionLine(model)}`),
    section('USAGE', `  $ ${model.bin} COMMAND [FLAGS]`),
    section('COMMANDS', table(entries, width)),
    ...(global.length ? [section('GLOBAL FLAGS (on every command, before or after the command words)', flagTable(global, width))] : []),
    section('EXAMPLES', ROOT_EXAMPLES.map((e) => `  $ ${model.bin} ${e}`).join('\n')),
    section('EXIT CODES', table(EXIT_CODES, width)),
    paragraphs(`Run \`${model.bin} COMMAND --help\` (or \`${model.bin} help COMMAND\`) for a command's flags and examples.`, width, 0),
  ].join('\n\n') + '\n'
}

/** Plain code-point order: `localeCompare` loads ICU's collator, which costs the fast path milliseconds. */
function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function section(title: string, body: string): string {
  return `${title}\n${body}`
}

function flagTable(flags: readonly HelpFlag[], width: number): string {
  const rows = [...flags]
    .sort((a, b) => byCode(a.name, b.name))
    .map((f): [string, string] => {
      const name = f.allowNo ? `--[no-]${f.name}` : `--${f.name}`
      const value = f.takesValue ? (f.options ? `=<${f.options.join('|')}>` : '=<value>') : ''
      const left = `${f.char ? `-${f.char}, ` : '    '}${name}${value}${f.multiple ? '...' : ''}`
      const notes = [f.default === undefined ? '' : `[default: ${f.default}]`, f.env ? `[env: ${f.env}]` : ''].filter(Boolean).join(' ')
      return [left, [f.description ?? '', notes].filter(Boolean).join(' ')]
    })
  // Without any short flag, the four spaces kept for `-y, ` are no use.
  const trimmed = rows.every(([left]) => left.startsWith('    ')) ? rows.map(([l, r]): [string, string] => [l.slice(4), r]) : rows
  return table(trimmed, width)
}

/**
 * Two columns: the left one as wide as its widest entry (within reason), the right one wrapped with a
 * hanging indent; a left entry too wide for that puts its text on the next line.
 */
function table(rows: ReadonlyArray<readonly [string, string]>, width: number): string {
  const limit = Math.floor(width * 0.4)
  const column = Math.min(limit, Math.max(...rows.map(([left]) => left.length)))
  const indent = 2 + column + 2
  return rows
    .map(([left, right]) => {
      if (!right) return `  ${left}`
      if (left.length > column) return `  ${left}\n${wrap(right, width, indent, indent)}`
      return wrap(right, width, indent, indent, `  ${left.padEnd(column)}  `)
    })
    .join('\n')
}

/**
 * Reflows text written with hard line breaks: lines of a paragraph are joined, blank lines separate
 * paragraphs, and lines that start with spaces or "- " keep their own line (lists, code).
 */
function paragraphs(text: string, width: number, indent: number): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const lines: string[] = []
      for (const line of block.split('\n')) {
        const kept = /^\s+\S|^- /.test(line)
        if (kept || lines.length === 0) lines.push(line.trimEnd())
        else lines[lines.length - 1] += ` ${line.trim()}`
      }
      return lines
        .map((line) => {
          const own = /^(\s*)(- )?/.exec(line)!
          const lead = indent + own[1].length
          return wrap(line.trim(), width, lead, lead + (own[2] ? 2 : 0))
        })
        .join('\n')
    })
    .join('\n\n')
}

/** Word-wraps one paragraph; `first` replaces the first line's indent (a table's left column). */
function wrap(text: string, width: number, indent: number, continuation: number, first?: string): string {
  const out: string[] = []
  let line = first ?? ' '.repeat(indent)
  let empty = true
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line)
      line = ' '.repeat(continuation)
      empty = true
    }
    line += (empty ? '' : ' ') + word
    empty = false
  }
  out.push(line.trimEnd())
  return out.join('\n')
}

/**
 * What `--help` (or `lakectl help ...`) is asked about, from argv: the longest run of leading words that
 * names a command (what follows are its arguments), else all the leading words (a topic, the root, or
 * words that name nothing).
 */
export function helpWords(model: HelpModel, argv: readonly string[]): string[] {
  const words: string[] = []
  for (const token of argv) {
    if (token === '--' || token.startsWith('-')) break
    words.push(...token.split(':'))
  }
  for (let n = words.length; n > 0; n--) {
    if (model.commands.some((c) => c.id === words.slice(0, n).join(':'))) return words.slice(0, n)
  }
  return words
}

/** The `--version` line, the same as oclif's. */
export function versionLine(model: Pick<HelpModel, 'bin' | 'version'>): string {
  return `${model.bin}/${model.version} ${process.platform}-${process.arch} node-${process.version}`
}
