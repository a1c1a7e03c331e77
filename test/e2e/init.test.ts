import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'

const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-init-'))
const env = {PATH: process.env.PATH ?? '', HOME: dir, NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', CI: 'true'}
const cli = (args: string[]) => runCli(args, {env, cwd: dir})

describe('lakectl init', () => {
  it('writes a commented lakectl.yaml from flags without a terminal', async () => {
    const result = await cli(['init', '--catalog', 'shop', '--databricks-profile', 'dev', '--warehouse', 'abc123', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({catalog: 'shop', targets: ['local', 'dev'], default_target: 'local'})
    const text = readFileSync(path.join(dir, 'lakectl.yaml'), 'utf8')
    expect(text).toMatch(/^# lakectl\.yaml, written by `lakectl init`/)
    expect(text).toMatch(/^catalog: shop$/m)
    expect(text).toMatch(/^# Who may do what, per layer/m)
    expect(text).toMatch(/dev: \{ profile: dev \}/)
  })

  it('is the config every command then reads', async () => {
    const result = await cli(['doctor', '--target', 'nope'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/targets in the config: local, dev/)
  })

  it('refuses to overwrite without --force, then overwrites with it', async () => {
    const refused = await cli(['init', '--catalog', 'other'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/already exists/)
    expect(refused.stderr).toMatch(/Try: lakectl init --force/)
    expect(readFileSync(path.join(dir, 'lakectl.yaml'), 'utf8')).toMatch(/^catalog: shop$/m)
    const forced = await cli(['init', '--catalog', 'other', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(readFileSync(path.join(dir, 'lakectl.yaml'), 'utf8')).toMatch(/^catalog: other$/m)
  })

  it('rejects an invalid catalog name with exit 2', async () => {
    const result = await cli(['init', '--catalog', 'x; DROP TABLE y', '--force'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/Invalid catalog name/)
  })
})
