/**
 * Monitoring end to end, with the BUILT CLI against a local workspace over real sockets:
 *   - each Burrow lag status caused by what causes it on a running pipeline (a paused upstream, a stuck
 *     stream, a stopped job, a stream falling behind, a checkpoint rewound by hand) and read back
 *     through `stream status --json` (and `report lag --json`);
 *   - `report quality` on a 12-week hourly history written to the ops tables, with anomalies injected at
 *     the end: found with their causes, the steady metrics OK, exit 3, and the HTML page written.
 */
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {HOUR_MS} from '../../src/reports/baseline.js'
import {REASONS} from '../../src/reports/quality.js'
import {CATALOG, rowReader, waitFor, type RowReader} from '../engine/helpers.js'
import {steadyHistory} from '../helpers/history.js'
import {TestWorkspace} from '../helpers/workspace.js'

const CONFIG = `monitoring:
  lag_window: 8
`

describe('lag statuses the way Burrow judges them, on running streams', () => {
  let ws: TestWorkspace
  let rows: RowReader

  const status = async (args: string[] = []) => {
    const result = await ws.run(['stream', 'status', '--json', ...args])
    return {code: result.code, layers: Object.fromEntries(result.json().layers.map((l: any) => [l.layer, l])) as Record<string, any>}
  }
  /** Waits until `stream status --json` shows the layer with this lag status, and returns the layer. */
  const lagStatus = (layer: string, wanted: string, timeoutMs = 30_000) =>
    waitFor(`${layer} lag ${wanted}`, async () => {
      const {layers} = await status()
      return layers[layer].lag_status === wanted ? layers[layer] : undefined
    }, timeoutMs)
  const produce = (count: number, seed: number, extra: string[] = []) => ws.run(['local', 'produce', '--count', String(count), '--seed', String(seed), ...extra])

  beforeAll(async () => {
    ws = await TestWorkspace.start({limits: {runSetupMs: 20, continuousRestartBaseMs: 100, streamHeartbeatMs: 300, streamMaxBatchRows: 100}})
    ws.writeConfig(CONFIG)
    rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
    expect((await ws.run(['bootstrap', '--yes'])).code).toBe(0)
    expect((await ws.run(['stream', 'start'])).code).toBe(0)
    expect((await produce(500, 1)).code).toBe(0)
  }, 120_000)

  afterAll(async () => {
    await ws?.stop()
  })

  it('OK on every layer once caught up, idle heartbeats included', async () => {
    for (const layer of ['bronze', 'silver', 'gold']) await lagStatus(layer, 'OK')
    const check = await ws.run(['stream', 'status', '--check'])
    expect(check.code, check.stderr).toBe(0)
  })

  it('a paused upstream: Bronze is STOP, and Silver and Gold, with nothing to read, stay OK', async () => {
    expect((await ws.run(['stream', 'stop', 'bronze'])).code).toBe(0)
    expect((await produce(300, 2)).code).toBe(0)
    const bronze = await lagStatus('bronze', 'STOP')
    expect(bronze.lag_cause).toBe('the job is not running')
    // A few heartbeats later Silver and Gold still have nothing to read: OK, not STOP.
    const before = (await rows(`SELECT count(*) FROM ${CATALOG}.ops.stream_progress WHERE stream = 'silver'`))[0][0]
    await waitFor('Silver heartbeats', async () => (Number((await rows(`SELECT count(*) FROM ${CATALOG}.ops.stream_progress WHERE stream = 'silver'`))[0][0]) >= Number(before) + 3 ? true : undefined))
    const {code, layers} = await status(['--check'])
    expect([layers.silver.lag_status, layers.gold.lag_status]).toEqual(['OK', 'OK'])
    expect(code).toBe(3)
    expect((await ws.run(['stream', 'start', 'bronze'])).code).toBe(0)
    await lagStatus('bronze', 'OK')
  }, 60_000)

  it('a stuck stream: batches keep coming, the offsets do not move while records wait -> STALL', async () => {
    await ws.control('POST', '/__lakectl/streams/silver/stall', {stalled: true})
    expect((await produce(400, 3)).code).toBe(0)
    const silver = await lagStatus('silver', 'STALL')
    expect(silver.offsets_behind).toBeGreaterThan(0)
    expect(silver.lag_cause).toMatch(/batches committed no progress while \d+ records wait/)
    const report = await ws.run(['report', 'lag', '--json'])
    expect(report.code).toBe(3)
    expect(report.json().findings.find((f: any) => f.metric === 'lag status of silver')).toMatchObject({status: 'STALL', observed: expect.any(Number)})
    const check = await ws.run(['stream', 'status', '--check'])
    expect(check.code).toBe(3)
    expect(check.stderr).toMatch(/silver lag is STALL/)
    await ws.control('POST', '/__lakectl/streams/silver/stall', {stalled: false})
    await lagStatus('silver', 'OK')
  }, 60_000)

  it('a stream falling behind: the offsets move but the backlog never shrinks -> WARN', async () => {
    // Silver made slow (each batch takes a second more) against a source sending four times what it reads.
    await ws.control('POST', '/__lakectl/streams/silver/slow', {delay_ms: 1000})
    const producer = ws.start(['local', 'produce', '--count', '20000', '--rate', '400', '--seed', '4', '--batch-size', '40'])
    try {
      const silver = await lagStatus('silver', 'WARN')
      expect(silver.lag_cause).toMatch(/the backlog never shrank over 8 batches \(\d+ -> \d+\)/)
      // WARN is a warning: shown, but it does not fail --check on its own.
      const {layers} = await status()
      expect(layers.silver.state).toBe('RUNNING')
    } finally {
      producer.child.kill('SIGINT')
      await producer.result
      await ws.control('POST', '/__lakectl/streams/silver/slow', {delay_ms: 0})
    }
  }, 60_000)

  it('a stopped job -> STOP, and --check exits 3', async () => {
    expect((await ws.run(['stream', 'stop', 'gold'])).code).toBe(0)
    const gold = await lagStatus('gold', 'STOP')
    expect(gold.state).toBe('STOPPED')
    expect((await ws.run(['stream', 'status', '--check'])).code).toBe(3)
    expect((await ws.run(['stream', 'start', 'gold'])).code).toBe(0)
  }, 60_000)

  it('a checkpoint rewound by hand -> REWIND', async () => {
    // Let Silver catch up with the backlog of the previous test, then stop it and move its checkpoint back.
    await lagStatus('silver', 'OK', 90_000)
    // A window of a few minutes of heartbeats: the rewind stays in it however slowly the machine reads.
    ws.writeConfig('monitoring:\n  lag_window: 400\n')
    expect((await ws.run(['stream', 'stop', 'silver'])).code).toBe(0)
    const checkpoints = `${CATALOG}.__lakectl.stream_checkpoints`
    const [[queryId, batchId, offsets]] = await rows(`SELECT query_id, batch_id, offsets FROM ${checkpoints} WHERE stream = 'silver' ORDER BY batch_id DESC LIMIT 1`)
    // Back by more than one batch reads (streamMaxBatchRows 100): the first batch after it ends behind the old offsets.
    const rewound = Object.fromEntries(Object.entries(JSON.parse(String(offsets))).map(([topic, partitions]) => [topic, Object.fromEntries(Object.entries(partitions as Record<string, number>).map(([p, o]) => [p, Math.max(0, o - 150)]))]))
    await rows(`INSERT INTO ${checkpoints} VALUES ('silver', '${queryId}', ${Number(batchId) + 1}, '${JSON.stringify(rewound)}', CAST(now() AS TIMESTAMP))`)
    expect((await ws.run(['stream', 'start', 'silver'])).code).toBe(0)
    // Read with --check, so the exit code is of the same reading (the rewind leaves the window as batches follow).
    const {code, silver} = await waitFor('silver lag REWIND', async () => {
      const reading = await status(['--check'])
      return reading.layers.silver.lag_status === 'REWIND' ? {code: reading.code, silver: reading.layers.silver} : undefined
    })
    expect(silver.lag_cause).toMatch(/committed offsets went backwards \(customer-events\/\d+ \d+ -> \d+\)/)
    expect(code).toBe(3)
    // Silver keeps exactly one row per event however often it reads them.
    const [[events, distinct]] = await rows(`SELECT count(*), count(DISTINCT event_id) FROM ${CATALOG}.silver.customer_events_cleaned`)
    expect(Number(events)).toBe(Number(distinct))
  }, 120_000)
})

describe('report quality on a long history with anomalies at its end', () => {
  let ws: TestWorkspace
  let rows: RowReader
  const now = Date.now()
  const hours = 12 * 7 * 24
  const start = Math.floor(now / HOUR_MS) * HOUR_MS - hours * HOUR_MS
  // Judged as of a moment after the last batch written: the same verdict however long the suite takes.
  const at = new Date(now + 1000).toISOString()

  beforeAll(async () => {
    ws = await TestWorkspace.start()
    rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
    expect((await ws.run(['bootstrap', '--yes'])).code).toBe(0)
    const history = steadyHistory({start, hours, seed: 21}, (hour, i) => {
      if (i >= hours - 2) hour.nulls.country = Math.round(hour.rows * 0.5)
      if (i >= hours - 1) hour.quarantined.INVALID_RATING = Math.round(hour.rows * 0.02)
    })
    const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`
    const quality = history.map((h, i) => {
      const quarantined = Object.values(h.quarantined).reduce((a, b) => a + b, 0)
      const written = h.rows - quarantined - h.duplicates
      const reasons = REASONS.map((r) => h.quarantined[r] ?? 0).join(', ')
      const nulls = JSON.stringify({...h.nulls, sentiment_score: 0})
      // The event and score figures (the last six columns) play no part in these findings.
      return `('silver', ${i}, 'silver.customer_events_cleaned', ${h.rows}, ${h.rows - quarantined}, ${quarantined}, ${h.duplicates}, ${written}, ${reasons}, '${nulls}', '{}', ${ts(h.hour + 1800_000)}, CAST(${ts(h.hour)} AS DATE), NULL, NULL, NULL, NULL, NULL, NULL)`
    })
    const progress = ['bronze', 'silver'].flatMap((stream) => [
      ...history.map((h, i) => `('${stream}', 'q', 'r', ${i}, ${ts(h.hour + HOUR_MS - 3000)}, ${h.rows}, ${h.rows}, 1.0, 1.0, 10, NULL, '{}', '{}', 0, NULL, 1.0, '{}', ${ts(h.hour + HOUR_MS - 2000)}, CAST(${ts(h.hour)} AS DATE))`),
      // The hour under way: a batch a moment ago.
      `('${stream}', 'q', 'r', ${hours}, ${ts(now - 3000)}, 500, 500, 1.0, 1.0, 10, NULL, '{}', '{}', 0, NULL, 1.0, '{}', ${ts(now - 2000)}, CAST(${ts(now)} AS DATE))`,
    ])
    for (let i = 0; i < quality.length; i += 500) await rows(`INSERT INTO ${CATALOG}.ops.quality_metrics VALUES ${quality.slice(i, i + 500).join(', ')}`)
    for (let i = 0; i < progress.length; i += 500) await rows(`INSERT INTO ${CATALOG}.ops.stream_progress VALUES ${progress.slice(i, i + 500).join(', ')}`)
  }, 120_000)

  afterAll(async () => {
    await ws?.stop()
  })

  it('finds the null-rate jump and the new quarantine reason, with causes; the rest is OK; exit 3; HTML written', async () => {
    const html = path.join(ws.projectDir, 'quality.html')
    const result = await ws.run(['report', 'quality', '--json', '--html', html, '--at', at])
    expect(result.code, result.stderr).toBe(3)
    const report = result.json()
    const anomalies = report.findings.filter((f: any) => f.status === 'ANOMALY')
    expect(anomalies.map((f: any) => f.metric).sort()).toEqual(['null rate of country', 'quarantine ratio INVALID_RATING'])
    const country = anomalies.find((f: any) => f.metric === 'null rate of country')
    expect(country).toMatchObject({observed: expect.any(Number), expected: {low: expect.any(Number), high: expect.any(Number)}, since: new Date(start + (hours - 2) * HOUR_MS).toISOString()})
    expect(country.observed).toBeGreaterThan(country.expected.high)
    expect(anomalies.find((f: any) => f.metric === 'quarantine ratio INVALID_RATING').cause).toBe('a new quarantine reason: INVALID_RATING (not in the baseline)')
    // Every other anomaly metric was judged and held.
    const judged = report.findings.filter((f: any) => /^(rows per hour|quarantine ratio [A-Z]|null rate|duplicate ratio|freshness)/.test(f.metric))
    expect(judged.length).toBeGreaterThanOrEqual(16)
    expect(judged.filter((f: any) => f.status !== 'OK' && f.status !== 'ANOMALY')).toEqual([])
    // The fixed limit of nulls breaks too (half of country is null in the window's last two hours of 24: about 4%, under 15%).
    expect(report.findings.find((f: any) => f.metric === 'null ratio of country (window)')).toMatchObject({status: 'OK', expected: {low: null, high: 0.15}})
    expect(existsSync(html)).toBe(true)
    const page = readFileSync(html, 'utf8')
    expect(page).not.toMatch(/(src|href)=["']?(https?:)?\/\//)
    expect((page.match(/<svg /g) ?? []).length).toBe(report.series.length)
    expect(result.stderr).toMatch(/Wrote .*quality\.html/)
  }, 60_000)

  it('prints the findings that need attention in a table, and the verdict', async () => {
    const result = await ws.run(['report', 'quality', '--at', at])
    expect(result.code).toBe(3)
    expect(result.stdout).toMatch(/null rate of country .* ANOMALY .* more rows with country null/)
    expect(result.stdout).toMatch(/2 findings need attention \(exit 3\); \d+ OK\./)
  })
})
