import {execFileSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {BIN, runCli} from '../helpers/cli.js'

const env = {PATH: process.env.PATH ?? '', HOME: mkdtempSync(path.join(tmpdir(), 'lakectl-home-')), NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}
const cli = (args: string[]) => runCli(args, {env, cwd: env.HOME})

describe('start-up fast path', () => {
  it('prints the same version line as oclif', async () => {
    const fast = await cli(['--version'])
    const script = `import {execute} from '@oclif/core'; await execute({dir: ${JSON.stringify(BIN)}, args: ['--version']})`
    const oclif = execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: path.dirname(path.dirname(BIN)), env, encoding: 'utf8'})
    expect(fast.code).toBe(0)
    expect(fast.stdout).toMatch(/^lakectl\/\d+\.\d+\.\d+ linux-x64 node-v\d+/)
    expect(fast.stdout).toBe(oclif)
  })

  it.each([[['sql']], [['doctor']], [['local', 'up']], [[]]])('serves `%s --help` exactly as oclif renders it', async (words) => {
    const fast = await cli([...words, '--help'])
    const oclif = await cli(['help', ...words])
    expect(fast.code).toBe(0)
    expect(fast.stdout.length).toBeGreaterThan(100)
    expect(fast.stdout).toBe(oclif.stdout)
  })

  it('documents the exit codes in --help', async () => {
    expect((await cli(['sql', '--help'])).stdout).toMatch(/EXIT CODES[\s\S]*130 interrupted/)
  })

  it('leaves unknown commands to oclif (plugin-not-found suggests)', async () => {
    const result = await cli(['sqll', '--help'])
    expect(result.stdout + result.stderr).toMatch(/sql/)
  })
})
