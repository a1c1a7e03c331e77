/** The PySpark runners cannot run here (no Spark), but they must compile on the Python of DBR 15.4 (3.11). */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {RESOURCES_DIR} from '../../src/pipeline/resources.js'

const PYSPARK_DIR = path.join(RESOURCES_DIR, 'pyspark')
// Bytecode goes to a temporary folder: no __pycache__ in resources/ (bootstrap uploads that folder).
const COMPILE = 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)'

describe('PySpark runners', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'lakectl-pyc-'))
  afterAll(() => rmSync(out, {recursive: true, force: true}))
  const files = readdirSync(PYSPARK_DIR).filter((f) => f.endsWith('.py'))

  it('include the layer runners, the backfill and the shared module', () => {
    expect(files).toEqual(expect.arrayContaining(['bronze.py', 'silver.py', 'gold.py', 'backfill.py', 'lakectl_pipeline.py']))
  })

  it.each(files)('%s compiles', (file) => {
    expect(() => execFileSync('python3', ['-c', COMPILE, path.join(PYSPARK_DIR, file), path.join(out, `${file}c`)], {stdio: 'pipe'})).not.toThrow()
  })
})
