import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {BIN, runCli} from '../helpers/cli.js'
import {screenText, startPty} from '../helpers/pty.js'

const env = {PATH: process.env.PATH ?? '', HOME: mkdtempSync(path.join(tmpdir(), 'lakectl-home-')), NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}
const cli = (args: string[]) => runCli(args, {env, cwd: env.HOME})
const model = JSON.parse(readFileSync(new URL('../../dist/help-model.json', import.meta.url), 'utf8')) as {commands: Array<{id: string}>; topics: Array<{name: string}>}
const everything = [[], ...model.topics.map((t) => [t.name]), ...model.commands.filter((c) => !['help', 'autocomplete'].includes(c.id)).map((c) => c.id.split(':'))]

describe('start-up fast path', () => {
  it('prints the same version line as oclif', async () => {
    const fast = await cli(['--version'])
    const script = `import {execute} from '@oclif/core'; await execute({dir: ${JSON.stringify(BIN)}, args: ['--version']})`
    const oclif = execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: path.dirname(path.dirname(BIN)), env, encoding: 'utf8'})
    expect(fast.code).toBe(0)
    expect(fast.stdout).toMatch(/^lakectl\/\d+\.\d+\.\d+ linux-x64 node-v\d+/)
    expect(fast.stdout).toBe(oclif)
  })

  it.each(everything.map((w) => [w.join(' '), w]))('`%s --help` is the same text as `lakectl help`, within 80 columns', async (_name, words) => {
    const [fast, help, short] = await Promise.all([cli([...words, '--help']), cli(['help', ...words]), cli([...words, '-h'])])
    expect(fast.code).toBe(0)
    expect(help.code).toBe(0)
    expect(fast.stdout.length).toBeGreaterThan(100)
    expect(fast.stdout).toBe(help.stdout)
    expect(short.stdout).toBe(fast.stdout)
    const lines = fast.stdout.split('\n')
    expect(lines.filter((l) => l.length > 80)).toEqual([])
    expect(lines.filter((l) => l !== l.trimEnd())).toEqual([])
  })

  it('reflows descriptions: no line breaks where the next word would have fitted', async () => {
    for (const words of everything) {
      const {stdout} = await cli([...words, '--help'])
      const description = /\nDESCRIPTION\n([\s\S]*?)\n\n[A-Z]/.exec(stdout)?.[1]
      if (!description) continue
      const lines = description.split('\n')
      for (let i = 0; i + 1 < lines.length; i++) {
        const next = lines[i + 1]
        if (!next.trim() || /^\s*- /.test(next) || indentOf(next) !== indentOf(lines[i])) continue
        const word = next.trim().split(' ')[0]
        expect(lines[i].length + 1 + word.length, `${words.join(' ')}: ragged after "${lines[i]}"`).toBeGreaterThan(80)
      }
    }
  })

  it('root help lists the global flags, the exit codes and examples', async () => {
    const {stdout} = await cli(['--help'])
    expect(stdout).toMatch(/^GLOBAL FLAGS/m)
    for (const flag of ['--target', '--profile', '--config', '--json', '--no-color', '--debug', '--yes', '--no-input']) expect(stdout).toContain(flag)
    expect(stdout).toMatch(/^EXIT CODES\n {2}0 +success\n {2}1 +failure[\s\S]*\n {2}130 +interrupted/m)
    expect(stdout).toMatch(/^EXAMPLES\n {2}\$ lakectl /m)
    expect((await cli([])).stdout).toBe(stdout)
  })

  it('documents the exit codes in every command help', async () => {
    expect((await cli(['sql', '--help'])).stdout).toMatch(/EXIT CODES[\s\S]*130 +interrupted/)
  })

  it('answers help for words that name nothing like a mistyped command', async () => {
    const result = await cli(['sqll', '--help'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error \(UNKNOWN_COMMAND\): 'sqll' is not a lakectl command\. Closest: lakectl sql\./)
    const help = await cli(['help', 'stream', 'statsu'])
    expect(help.code).toBe(2)
    expect(help.stderr).toMatch(/Closest: lakectl stream status/)
  })

  it('wraps to the width of a terminal, the same on both paths', async () => {
    const run = async (args: string[]) => {
      const session = startPty(args, {env, cwd: env.HOME, columns: 120})
      const {code, output} = await session.result
      expect(code).toBe(0)
      return screenText(output)
    }
    const [fast, help] = await Promise.all([run(['stream', 'status', '--help']), run(['help', 'stream', 'status'])])
    expect(fast).toBe(help)
    const lines = fast.split('\n')
    expect(Math.max(...lines.map((l) => l.length))).toBeGreaterThan(80)
    expect(lines.filter((l) => l.length > 120)).toEqual([])
    expect(fast).toContain('Show each layer: state, run, uptime, rows/s, offsets and seconds behind, health, Burrow lag status.\n')
  })
})

function indentOf(line: string): number {
  return line.length - line.trimStart().length
}
