/**
 * The local workspace's DuckDB runs with the memory limit, thread count and spill folder its limits set
 * (DuckDB's own defaults, 80% of the machine's memory and a thread per core, let its cache grow with
 * the data), and an operator larger than the limit spills instead of failing.
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DEFAULT_LIMITS} from '../../src/local/limits.js'
import {openServices, type LocalServices} from '../../src/local/services.js'
import {statePaths} from '../../src/local/state-dir.js'

let stateDir: string
let services: LocalServices

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'lakectl-engine-settings-'))
  services = await openServices(statePaths(stateDir), {...DEFAULT_LIMITS, engineMemoryLimitMb: 100, engineThreads: 1})
})

afterAll(async () => {
  await services?.close()
  rmSync(stateDir, {recursive: true, force: true})
})

describe('the local engine', () => {
  it('runs with the memory limit, threads and spill folder of its limits', async () => {
    const [settings] = await services.engine.query(
      `SELECT current_setting('memory_limit') AS memory_limit, current_setting('threads') AS threads, current_setting('temp_directory') AS spill`,
    )
    // 100 MB = 95.3 MiB, as DuckDB prints it.
    expect(settings).toEqual({memory_limit: '95.3 MiB', threads: 1n, spill: statePaths(stateDir).spill})
  })

  it('spills a sort larger than the limit to the spill folder instead of failing', async () => {
    const [row] = await services.engine.query(`SELECT count(*) AS n, sum(i) AS total FROM (SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(3000000) AS t(i) ORDER BY h) AS s`)
    expect(row).toEqual({n: 3_000_000n, total: 4_499_998_500_000n})
    expect(existsSync(statePaths(stateDir).spill)).toBe(true)
  })
})
