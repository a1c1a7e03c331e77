/**
 * The command line as people type it, with the BUILT CLI as a child process: global flags before and
 * after the command words, typos, oclif's parse errors as lakectl errors (human and JSON), and no ANSI
 * bytes without a terminal.
 */
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, TestWorkspace} from '../helpers/workspace.js'

const ANSI = /\u001B\[/
const EMPTY_STATE = path.join(mkdtempSync(path.join(tmpdir(), 'lakectl-empty-')), 'state')
let ws: TestWorkspace

beforeAll(async () => {
  ws = await TestWorkspace.start()
  ws.writeDatabricksCfg(`[loc]\nhost = ${ws.url}\ntoken = ${ws.token}\n`)
})

afterAll(async () => {
  await ws?.stop()
})

/**
 * Timings and request ids differ between two runs of the same command, and so does the number of status
 * polls a --debug trace shows (one more while the statement is still PENDING or RUNNING on a loaded
 * machine): poll requests and their unfinished answers are left out, the final answer is kept.
 */
const stable = (text: string) =>
  text
    .replace(/\(\d+ ms\)/g, '(N ms)')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')
    .replace(/^> GET \/api\/2\.0\/sql\/statements\/UUID\n/gm, '')
    .replace(/^< 200 GET \/api\/2\.0\/sql\/statements\/UUID .*"state":"(PENDING|RUNNING)".*\n/gm, '')

describe('global flags anywhere', () => {
  const configFile = () => configFileWith('catalog: elsewhere\n')
  const SQL = ['sql', 'SELECT 1 AS x']
  const cases: Array<[string, () => string[], string[]]> = [
    ['--json', () => ['--json'], SQL],
    ['--target value', () => ['--target', 'local', '--json'], SQL],
    ['--target=value', () => ['--target=local', '--json'], SQL],
    ['--profile value', () => ['--profile', 'loc', '--json'], SQL],
    ['--profile=value', () => ['--profile=loc'], SQL],
    ['--config value', () => ['--config', configFile(), '--json'], ['model', 'list']],
    ['--config=value', () => [`--config=${configFile()}`], ['model', 'list']],
    ['--no-color', () => ['--no-color'], SQL],
    ['--debug', () => ['--debug'], SQL],
    ['--no-input', () => ['--no-input'], ['bootstrap']],
    ['--yes', () => ['--yes', '--json'], ['local', 'reset', '--state-dir', EMPTY_STATE]],
    ['-y', () => ['-y'], ['local', 'reset', '--state-dir', EMPTY_STATE]],
    ['several between the words', () => ['--json', '--target', 'local'], ['stream', 'status']],
  ]

  it.each(cases)('%s gives the same result before and after the command words', async (_name, flags, command) => {
    const given = flags()
    const between = command[0] === 'stream' ? [command[0], ...given, ...command.slice(1)] : undefined
    const runs = await Promise.all([ws.run([...given, ...command]), ws.run([...command, ...given]), ...(between ? [ws.run(between)] : [])])
    const [before, after] = runs
    expect(before.code, before.stderr).toBe(after.code)
    expect(stable(before.stdout)).toBe(stable(after.stdout))
    expect(stable(before.stderr)).toBe(stable(after.stderr))
    if (between) expect(stable(runs[2].stdout)).toBe(stable(after.stdout))
    expect(before.stderr).not.toMatch(/is not a lakectl command/)
  })

  it('the flags really act in front of the command', async () => {
    expect((await ws.run(['--json', 'sql', 'SELECT 7 AS x'])).json().rows).toEqual([{x: 7}])
    expect((await ws.run(['--debug', 'sql', 'SELECT 1'])).stderr).toMatch(/> POST \/api\/2\.0\/sql\/statements/)
    // The other config names a catalog that does not exist: the error proves it was read.
    expect((await ws.run(['--config', configFileWith('catalog: elsewhere\n'), '--json', 'model', 'list'])).json().error.message).toMatch(/Catalog 'elsewhere' does not exist/)
    const refused = await ws.run(['--no-input', 'bootstrap'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/CONFIRMATION_REQUIRED/)
    const unknownTarget = await ws.run(['--target', 'nowhere', 'doctor'])
    expect(unknownTarget.code).toBe(2)
    expect(unknownTarget.stderr).toMatch(/Unknown target 'nowhere'/)
  })

  it('answers --help and --version with global flags around', async () => {
    const plain = await ws.run(['sql', '--help'])
    const withFlags = await ws.run(['--json', 'sql', '--help'])
    expect(withFlags.code).toBe(0)
    expect(withFlags.stdout).toBe(plain.stdout)
  })
})

function configFileWith(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lakectl-config-')), 'lakectl.yaml')
  writeFileSync(file, text)
  return file
}

describe('a mistyped command', () => {
  it.each([
    [['stream', 'statsu'], /Closest: lakectl stream status/, 'lakectl help stream'],
    [['frobnicate'], /Commands: .*bootstrap.*stream/, 'lakectl help'],
    [['report', 'nonsense'], /The report commands: report lag, report model, report quality/, 'lakectl help report'],
    [['--json', 'stream', 'statsu'], /Closest/, 'lakectl help stream'],
  ])('%j exits 2 at once with one line of suggestions and no prompt', async (args, message, hint) => {
    const result = await ws.run(args)
    expect(result.code).toBe(2)
    // A prompt would block until its 10 s timeout (the former behaviour); this bound only catches that.
    expect(result.ms).toBeLessThan(5000)
    expect(result.stdout + result.stderr).not.toMatch(/\(Y\/n\)|\?/)
    if (args[0] === '--json') {
      const {error} = result.json()
      expect(Object.keys(error)).toEqual(expect.arrayContaining(['code', 'message', 'hint', 'exit_code']))
      expect(error).toMatchObject({code: 'UNKNOWN_COMMAND', exit_code: 2, hint})
      expect(error.message).toMatch(message)
      expect(result.stderr).toBe('')
      return
    }
    expect(result.stdout).toBe('')
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1)
    expect(result.stderr).toMatch(/^Error \(UNKNOWN_COMMAND\): /)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toContain(`Try: ${hint}`)
  })
})

describe('errors under --json', () => {
  const KEYS = ['code', 'message', 'hint', 'exit_code']
  it.each([
    [['sql', '--nope', 'x'], 'UNKNOWN_FLAG', 2, /Unknown flag --nope/],
    [['sql', 'SELECT 1', '--jsn'], 'UNKNOWN_FLAG', 2, /did you mean --json/],
    [['sql'], 'MISSING_ARGUMENT', 2, /Missing argument: STATEMENT/],
    [['stream', 'status', '--interval', 'abc'], 'INVALID_FLAG_VALUE', 2, /--interval: Expected an integer/],
    [['bootstrap', '--exit-code'], 'INVALID_FLAGS', 2, /--plan/],
    [['doctor', 'extra'], 'UNEXPECTED_ARGUMENT', 2, /Unexpected argument: extra/],
    [['stream', 'start', 'platinum'], 'UNKNOWN_LAYER', 2, /platinum/],
    [['sql', 'SELECT * FROM lakehouse.nowhere.none'], 'CATALOG_NOT_FOUND', 1, /^\[CATALOG_NOT_FOUND\] The catalog `lakehouse` not found/],
  ])('%j: code, message, hint and exit_code', async (args, code, exit, message) => {
    const result = await ws.run([...args, '--json'])
    expect(result.code).toBe(exit)
    const {error} = result.json()
    expect(Object.keys(error)).toEqual(expect.arrayContaining(KEYS))
    if (code) expect(error.code).toBe(code)
    expect(error.exit_code).toBe(exit)
    expect(error.message).toMatch(message)
    expect(error.message).not.toMatch(/See more help|\n/)
    expect(error.hint === null || typeof error.hint === 'string').toBe(true)
  })

  it('hint is null, not missing, when there is none', async () => {
    const result = await ws.run(['sql', 'SELEC 1', '--json'])
    expect(result.json().error).toHaveProperty('hint', null)
  })

  it('renders parse errors like every lakectl error for humans', async () => {
    const result = await ws.run(['sql', '--nope', 'x'])
    expect(result.stderr).toBe('Error (UNKNOWN_FLAG): Unknown flag --nope.\nTry: lakectl sql --help\n')
    const missing = await ws.run(['sql'])
    expect(missing.stderr).toBe('Error (MISSING_ARGUMENT): Missing argument: STATEMENT (The SQL statement).\nTry: lakectl sql --help\n')
  })
})

describe('no colour without a terminal', () => {
  const TERMINAL_ENV = {TERM: 'xterm-256color', COLORTERM: 'truecolor'}
  const runs: Array<[string, string[]]> = [
    ['a result', ['sql', 'SELECT 1 AS x']],
    ['a not-found command', ['stream', 'statsu']],
    ['a parse error', ['sql', '--nope']],
    ['an API error', ['sql', 'SELECT * FROM lakehouse.nowhere.none']],
    ['help', ['stream', 'status', '--help']],
    ['help through oclif', ['help', 'stream', 'status']],
    ['doctor', ['doctor']],
  ]
  it.each(runs)('%s has no ANSI bytes', async (_what, args) => {
    const result: CliResult = await ws.run(args, {env: {...TERMINAL_ENV, CI: undefined}})
    expect(result.stdout + result.stderr).not.toMatch(ANSI)
  })
})
