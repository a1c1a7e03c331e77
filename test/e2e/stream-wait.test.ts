/**
 * `lakectl stream wait` with the BUILT CLI against a local workspace whose Bronze triggers once an hour
 * (so once per run, when it starts: a restart makes it read): it returns 0 once every layer has
 * processed what its upstream holds (the counts read back agree), 8 at --timeout while Bronze has not
 * read new records, and 1 at once when a layer that is behind is stopped. Also `report lag` over no
 * batches, and the quickstart runbook's use of `stream wait`.
 */
import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestWorkspace} from '../helpers/workspace.js'

let ws: TestWorkspace

const count = async (sql: string): Promise<number> => {
  const result = await ws.run(['sql', sql, '--json'])
  expect(result.code, result.stderr).toBe(0)
  return Number(Object.values(result.json().rows[0])[0])
}
/** What each layer holds, read back independently of `stream wait`. */
const holdings = async () => ({
  bronze: await count('SELECT count(*) AS n FROM lakehouse.bronze.customer_events_raw'),
  silver_in: await count("SELECT coalesce(sum(rows_in), 0) AS n FROM lakehouse.ops.quality_metrics WHERE stream = 'silver'"),
  gold_in: await count("SELECT coalesce(sum(rows_in), 0) AS n FROM lakehouse.ops.quality_metrics WHERE stream = 'gold' AND table_name = 'gold.customer_behavior_daily'"),
  cleaned: await count('SELECT count(*) AS n FROM lakehouse.silver.customer_events_cleaned'),
})
const produce = async (n: number, seed: number) => {
  const result = await ws.run(['local', 'produce', '--count', String(n), '--seed', String(seed)])
  expect(result.code, result.stderr).toBe(0)
}

beforeAll(async () => {
  ws = await TestWorkspace.start()
  ws.writeConfig('streams:\n  bronze: {trigger_seconds: 3600}\n')
  const bootstrap = await ws.run(['bootstrap', '--yes'])
  expect(bootstrap.code, bootstrap.stderr).toBe(0)
}, 120_000)

afterAll(async () => {
  await ws?.run(['stream', 'stop'])
  await ws?.stop()
})

describe('report lag before any batch', () => {
  it('says there is nothing to check instead of "Every threshold holds."', async () => {
    const result = await ws.run(['report', 'lag'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).not.toMatch(/Every threshold holds/)
    expect(result.stdout).toMatch(/^Nothing to check: no layer recorded a batch since .*\. Next: lakectl stream status$/m)
    expect(result.stdout).not.toMatch(/^CHECK/m)
  })
})

describe('stream wait', () => {
  it('returns 0 once every layer has processed what its upstream holds', async () => {
    await produce(2000, 1)
    const started = await ws.run(['stream', 'start'])
    expect(started.code, started.stderr).toBe(0)
    const result = await ws.run(['stream', 'wait', '--timeout', '60'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/^Waiting for bronze, silver, gold to catch up\.\.\.$/m)
    expect(result.stderr).toMatch(/^bronze caught up, silver caught up, gold caught up$/m)
    expect(result.stdout).toMatch(/^Caught up: bronze, silver, gold \(waited [\d.]+ s\)\.$/m)
    const held = await holdings()
    expect(held).toMatchObject({bronze: 2000, silver_in: 2000})
    expect(held.gold_in).toBe(held.cleaned)
  }, 90_000)

  it('exits 8 at --timeout while Bronze has not read the new records yet, printing progress', async () => {
    // Bronze read the first records at most a few seconds ago: its next trigger is 10 s after that.
    await produce(1000, 2)
    const result = await ws.run(['stream', 'wait', '--timeout', '2', '--json'])
    expect(result.code).toBe(8)
    expect(result.json().error).toMatchObject({code: 'TIMED_OUT', exit_code: 8, hint: 'lakectl stream status   (the streams keep running)'})
    expect(result.json().error.message).toMatch(/^Timed out after 2s waiting for bronze, silver, gold to catch up \(last state bronze catching up/)
    expect(result.stderr).toMatch(/^bronze catching up, silver caught up, gold caught up$/m)
    expect((await holdings()).bronze).toBe(2000)
  })

  it('then returns 0 with everything read', async () => {
    const restarted = await ws.run(['stream', 'restart', 'bronze'])
    expect(restarted.code, restarted.stderr).toBe(0)
    const result = await ws.run(['stream', 'wait', '--timeout', '60', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json().layers.map((l: {layer: string; caught_up: boolean}) => [l.layer, l.caught_up])).toEqual([['bronze', true], ['silver', true], ['gold', true]])
    const held = await holdings()
    expect(held).toMatchObject({bronze: 3000, silver_in: 3000})
    expect(held.gold_in).toBe(held.cleaned)
  }, 90_000)

  it('fails at once, exit 1, when a layer that is behind is stopped', async () => {
    const stopped = await ws.run(['stream', 'stop', 'gold'])
    expect(stopped.code, stopped.stderr).toBe(0)
    // The wait's last state: the run ended.
    expect(stopped.stderr).toMatch(/^gold: TERMINATED$/m)
    expect(stopped.stdout).toMatch(/^Next: lakectl stream status/m)
    await produce(500, 3)
    expect((await ws.run(['stream', 'restart', 'bronze'])).code).toBe(0)
    const result = await ws.run(['stream', 'wait', '--timeout', '60', '--json'])
    expect(result.code).toBe(1)
    expect(result.json().error).toMatchObject({code: 'LAYER_NOT_RUNNING', hint: 'lakectl stream start gold', exit_code: 1})
  }, 90_000)

  it('is what the quickstart runbook waits with (no polling loop of its own)', () => {
    const script = readFileSync(new URL('../../resources/runbooks/quickstart.sh', import.meta.url), 'utf8')
    expect(script.match(/^lakectl stream wait --timeout \d+$/gm)).toHaveLength(2)
    expect(script).not.toMatch(/\bsleep\b|for _ in|wait_caught_up/)
  })
})
