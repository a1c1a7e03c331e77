/**
 * What a user sees on a terminal, with the BUILT CLI on a pseudo-terminal (util-linux `script`): the
 * confirmation of `model promote` (default No), tables without row separators, `stream status --watch`
 * redrawing in place, and Ctrl-C ending the watch with exit 130. Through a pipe: no box characters.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {expectGolden} from '../helpers/golden.js'
import {loadReviews, syntheticReviews} from '../helpers/reviews.js'
import {screenText, startPty} from '../helpers/pty.js'
import {TestWorkspace} from '../helpers/workspace.js'

const MODEL_PATH = '/api/2.1/unity-catalog/models/lakehouse.ml.sentiment'
const BOX = /[┌┐└┘├┤┬┴┼│─]/
let ws: TestWorkspace

const onTerminal = (args: string[], columns = 160) => startPty(args, {env: ws.env({CI: undefined}), cwd: ws.projectDir, columns})
const champion = async (): Promise<number | null> => {
  const response = await fetch(`${ws.url}${MODEL_PATH}/aliases/champion`, {headers: {authorization: `Bearer ${ws.token}`}})
  return response.status === 404 ? null : ((await response.json()) as {version: number}).version
}

beforeAll(async () => {
  ws = await TestWorkspace.start()
  const bootstrap = await ws.run(['bootstrap', '--yes'])
  expect(bootstrap.code, bootstrap.stderr).toBe(0)
  await loadReviews(ws, syntheticReviews(400, 7), 'terminal')
  const train = await ws.run(['model', 'train', '--wait'])
  expect(train.code, train.stderr).toBe(0)
}, 120_000)

afterAll(async () => {
  await ws?.stop()
})

describe('model promote on a terminal', () => {
  it('asks first; Enter keeps the default No and changes nothing', async () => {
    const session = onTerminal(['model', 'promote', '--version', '1'])
    await session.waitFor(/Move champion of lakehouse\.ml\.sentiment from no version to version 1 and serve it on lakectl-sentiment\?/)
    expect(screenText(session.output())).toMatch(/\(y\/N\)/)
    session.write('\r')
    const {code, output} = await session.result
    expect(code).toBe(2)
    expect(screenText(output)).toMatch(/Error \(CANCELLED\): Nothing was changed\./)
    expect(await champion()).toBeNull()
  })

  it('moves the alias once the user says yes', async () => {
    const session = onTerminal(['model', 'promote', '--version', '1'])
    await session.waitFor(/\(y\/N\)/)
    session.write('y\r')
    const {code, output} = await session.result
    expect(code, screenText(output)).toBe(0)
    expect(screenText(output)).toMatch(/Moved champion of lakehouse\.ml\.sentiment to version 1\./)
    expect(await champion()).toBe(1)
  })
})

describe('tables', () => {
  it('on a terminal: a box, one line under the header and none between rows', async () => {
    const {code, output} = await onTerminal(['model', 'history']).result
    expect(code).toBe(0)
    const lines = screenText(output).split('\n')
    expect(lines.some((l) => l.startsWith('┌'))).toBe(true)
    expect(lines.filter((l) => l.startsWith('├'))).toHaveLength(1)
  })

  it('through a pipe: aligned columns, no box characters', async () => {
    for (const args of [['model', 'history'], ['model', 'versions'], ['model', 'list'], ['stream', 'status'], ['report', 'lag'], ['sql', 'SELECT 1 AS n, 12345 AS big']]) {
      const result = await ws.run(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
      expect(result.stdout, args.join(' ')).not.toMatch(BOX)
      expect(result.stdout, args.join(' ')).not.toMatch(/^\+-|\| /m)
    }
    expect((await ws.run(['sql', 'SELECT 1 AS n, 12345 AS big'])).stdout).toBe('n  big\n1  12345\n')
  })
})

describe('golden human output (volatile values replaced)', () => {
  it.each([
    ['stream-status.txt', ['stream', 'status']],
    ['model-history.txt', ['model', 'history']],
    ['doctor.txt', ['doctor']],
    ['root-help.txt', ['--help']],
  ])('%s', async (name, args) => {
    const result = await ws.run(args)
    expect(result.code, result.stderr).toBe(0)
    expectGolden(name, result.stdout)
  })
})

describe('lakectl init on a terminal', () => {
  it('refuses an existing lakectl.yaml before asking anything', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-init-tty-'))
    writeFileSync(path.join(dir, 'lakectl.yaml'), 'catalog: mine\n')
    const session = startPty(['init'], {env: ws.env({CI: undefined}), cwd: dir})
    const {code, output} = await session.result
    expect(code).toBe(2)
    expect(screenText(output)).toMatch(/^Error \(CONFIG_EXISTS\): .*lakectl\.yaml already exists\.\nTry: lakectl init --force/m)
    expect(screenText(output)).not.toMatch(/Catalog name|\?/)
  })
})

describe('stream status --watch', () => {
  it('redraws in place under a header and ends with exit 130 on Ctrl-C', async () => {
    const session = onTerminal(['stream', 'status', '--watch', '--interval', '1'])
    await session.waitFor(/(Every 1 s, Ctrl-C to quit\.[\s\S]*){3}/, 30_000)
    const raw = session.output()
    // Cursor up over the previous block ("ESC [ n F") and line erases, never a full-screen clear.
    expect(raw).toMatch(/\u001B\[\d+F/)
    expect(raw).not.toMatch(/\u001B\[2J|\u001B\[H/)
    session.write('\u0003')
    const {code} = await session.result
    expect(code).toBe(130)
  }, 60_000)
})
