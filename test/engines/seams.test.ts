/**
 * The runners' seams and the defects found in them, against the pinned libraries of Databricks Runtime
 * 15.4 LTS (python/test_seams.py, run by the tier's Python): the serving lookup with databricks-sdk
 * 0.20.0, ai_query's request and error handling, progress ids and offsets from PySpark 3.5.0, every
 * Delta concurrency exception retried, the off-Databricks stand-ins.
 */
import {execFile} from 'node:child_process'
import path from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'

import {RESOURCES, venvBin, venvEnv} from './harness/env.js'

const run = promisify(execFile)

describe('runner seams on the runtime\'s libraries', () => {
  it('pass their unit tests', async () => {
    const script = new URL('./python/test_seams.py', import.meta.url).pathname
    const {stderr} = await run(venvBin('python'), [script, '-v'], {env: venvEnv({LAKECTL_PYSPARK_DIR: path.join(RESOURCES, 'pyspark')}), timeout: 120_000})
    expect(stderr).toMatch(/Ran (\d+) tests/)
    expect(stderr.trim().split('\n').at(-1)).toBe('OK')
  })
})
