/**
 * Global flags anywhere: `lakectl --json stream status` = `lakectl stream status --json`, as kubectl, gh
 * and the Databricks CLI accept them. oclif only parses flags after the command words, so the global
 * flags found before or between them are moved right behind them. Loaded by the start-up fast path:
 * no oclif here.
 */

/** The global flags (LakectlCommand.baseFlags) and whether each takes a value. */
export const GLOBAL_FLAGS: Readonly<Record<string, {value: boolean; char?: string}>> = {
  target: {value: true},
  profile: {value: true},
  config: {value: true},
  json: {value: false},
  'no-color': {value: false},
  debug: {value: false},
  yes: {value: false, char: 'y'},
  'no-input': {value: false},
}

function globalFlag(token: string): {value: boolean} | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2).split('=')[0]
    const flag = GLOBAL_FLAGS[name]
    // `--json=...` is not a thing for a switch: leave it to oclif to reject.
    return flag && (flag.value || !token.includes('=')) ? flag : undefined
  }
  return Object.values(GLOBAL_FLAGS).find((f) => f.char && token === `-${f.char}`)
}

/**
 * Reorders argv so that oclif sees the command words first. `commandIds` are oclif ids ("stream:status").
 * Command words are the longest run of words that starts some command id; global flags (with their
 * values, `--flag value` or `--flag=value`) among them move right after them. Everything else keeps
 * its order. When the words name no command (a typo), the flags go last so the words stay where
 * oclif looks for the command.
 */
export function normalizeArgv(argv: readonly string[], commandIds: readonly string[]): string[] {
  const isPrefix = (words: string[]) => {
    const id = words.join(':')
    return commandIds.some((c) => c === id || c.startsWith(`${id}:`))
  }
  const words: string[] = []
  const globals: string[] = []
  let i = 0
  for (; i < argv.length; i++) {
    const token = argv[i]
    if (token === '--') break
    const flag = globalFlag(token)
    if (flag) {
      globals.push(token)
      if (flag.value && !token.includes('=') && i + 1 < argv.length) globals.push(argv[++i])
      continue
    }
    if (token.startsWith('-') || !isPrefix([...words, token])) break
    words.push(token)
  }
  const rest = argv.slice(i)
  if (globals.length === 0) return [...argv]
  if (commandIds.includes(words.join(':'))) return [...words, ...globals, ...rest]
  const dash = rest.indexOf('--')
  return dash < 0 ? [...words, ...rest, ...globals] : [...words, ...rest.slice(0, dash), ...globals, ...rest.slice(dash)]
}

/** Whether argv asks for the version or for help (only then is the help model read). */
export function asksForHelp(argv: readonly string[]): boolean {
  if (argv.length === 0 || argv[0] === '--version' || argv[0] === '-v') return true
  const beforeDashes = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv
  return beforeDashes.some((a) => a === '--help' || a === '-h')
}
