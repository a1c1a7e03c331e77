/**
 * Every report answers alike (issue 12, item 7), with the BUILT CLI on one running pipeline with a served
 * model: --json carries findings with metric, observed, expected range and status; exit 0 when healthy
 * and 3 on a breach, for report quality, report lag, report model and stream status --check. The breaches
 * come from the thresholds of lakectl.yaml, the way an operator tightens them.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {rowReader} from '../engine/helpers.js'
import {loadReviews, syntheticReviews} from '../helpers/reviews.js'
import {TestWorkspace} from '../helpers/workspace.js'

const STATUSES = ['OK', 'LEARNING', 'ANOMALY', 'BREACH', 'WARN', 'STALL', 'STOP', 'REWIND', 'UNKNOWN']

/** Limits loose enough for the synthetic data to be healthy; `overrides` tightens one of them. */
const config = (overrides: {quarantine?: number; psi?: number} = {}) => `quality:
  max_quarantine_ratio: ${overrides.quarantine ?? 0.5}
  max_duplicate_ratio: 0.5
  max_null_ratio: 0.9
monitoring:
  model: {max_latency_p95_ms: 60000, max_error_rate: 0.5, max_psi: ${overrides.psi ?? 100}, min_accuracy: 0, min_samples: 20, inference_table: true}
`

function expectFindingsShape(findings: any[]): void {
  expect(findings.length).toBeGreaterThan(0)
  for (const f of findings) {
    expect(typeof f.metric, JSON.stringify(f)).toBe('string')
    expect(f.observed === null || typeof f.observed === 'number', JSON.stringify(f)).toBe(true)
    expect(f.expected === null || (('low' in f.expected) && ('high' in f.expected)), JSON.stringify(f)).toBe(true)
    expect(STATUSES, JSON.stringify(f)).toContain(f.status)
  }
}

describe('report exit codes and findings', () => {
  let ws: TestWorkspace

  beforeAll(async () => {
    ws = await TestWorkspace.start({limits: {runSetupMs: 20, continuousRestartBaseMs: 100, streamHeartbeatMs: 300}})
    ws.writeConfig(config())
    expect((await ws.run(['bootstrap', '--yes'])).code).toBe(0)
    // A served model first, so Silver scores the reviews it writes (and the endpoint logs the requests).
    await loadReviews(ws, syntheticReviews(400, 1), 'train')
    const trained = await ws.run(['model', 'train', '--wait'])
    expect(trained.code, trained.stderr).toBe(0)
    const promoted = await ws.run(['model', 'promote', '--yes', '--version', '1'])
    expect(promoted.code, promoted.stderr).toBe(0)
    expect((await ws.run(['stream', 'start'])).code).toBe(0)
    expect((await ws.run(['local', 'produce', '--count', '3000', '--seed', '5'])).code).toBe(0)
    const waited = await ws.run(['stream', 'wait', '--timeout', '120'])
    expect(waited.code, waited.stderr).toBe(0)
  }, 300_000)

  afterAll(async () => {
    await ws?.run(['stream', 'stop'])
    await ws?.stop()
  })

  it('healthy: every report exits 0 and its findings carry metric, observed, expected and status', async () => {
    for (const args of [['report', 'quality'], ['report', 'lag'], ['report', 'model']]) {
      const result = await ws.run([...args, '--json'])
      expect(result.code, `${args.join(' ')}: ${result.stdout}\n${result.stderr}`).toBe(0)
      expectFindingsShape(result.json().findings)
    }
    const check = await ws.run(['stream', 'status', '--check', '--json'])
    expect(check.code, check.stderr).toBe(0)
  }, 120_000)

  it('report model measured the served version: drift and accuracy from the scores Silver wrote', async () => {
    const report = (await ws.run(['report', 'model', '--json'])).json()
    const v1 = report.versions.find((v: any) => v.version === '1')
    expect(v1.aliases).toContain('champion')
    expect(v1.scored).toBeGreaterThanOrEqual(20)
    expect(v1.psi).toEqual(expect.any(Number))
    expect(v1.accuracy).toEqual(expect.any(Number))
    // Silver's scoring went through the endpoint, which logged it to its inference table.
    expect(v1.requests).toBeGreaterThan(0)
    expect(v1.latency_p50_ms).toEqual(expect.any(Number))
    expect(report.findings.filter((f: any) => f.status === 'BREACH')).toEqual([])
  })

  it('ops.quality_metrics carries each Silver batch\'s customers, event-time range, scored rows, mean score and model version', async () => {
    const rows = rowReader((method, pathname, body) => ws.api(method, pathname, body))
    // Summed over the batches, the figures must give back what the stream wrote to Silver (the training
    // reviews were inserted by hand, without a batch id); per batch,
    // the range and counts must bracket the batch's own rows.
    const [[batches, written, scored, weighted, versions, badRange, customers]] = await rows(`
      SELECT count(*), sum(rows_written), sum(scored_rows), sum(mean_score * scored_rows), count(DISTINCT model_version),
        count(*) FILTER (WHERE rows_written > 0 AND (min_event_ts IS NULL OR min_event_ts > max_event_ts OR distinct_customers < 1 OR distinct_customers > rows_written)),
        sum(distinct_customers)
      FROM lakehouse.ops.quality_metrics WHERE stream = 'silver'`)
    const [[silverRows, silverScored, silverScoreSum, silverVersion, perBatchCustomers]] = await rows(`
      SELECT count(*), count(sentiment_score), sum(sentiment_score), max(model_version),
        (SELECT sum(n) FROM (SELECT count(DISTINCT customer_id) AS n FROM lakehouse.silver.customer_events_cleaned WHERE silver_batch_id IS NOT NULL GROUP BY silver_batch_id))
      FROM lakehouse.silver.customer_events_cleaned WHERE silver_batch_id IS NOT NULL`)
    expect(Number(batches)).toBeGreaterThanOrEqual(1)
    expect(Number(written)).toBe(Number(silverRows))
    expect(Number(scored)).toBe(Number(silverScored))
    expect(Number(scored)).toBeGreaterThan(0)
    expect(Number(weighted)).toBeCloseTo(Number(silverScoreSum), 6)
    expect(Number(versions)).toBe(1)
    expect(silverVersion).toBe('1')
    expect(Number(badRange)).toBe(0)
    expect(Number(customers)).toBe(Number(perBatchCustomers))
    const [[goldFigures]] = await rows(`SELECT count(*) FROM lakehouse.ops.quality_metrics WHERE stream = 'gold' AND (scored_rows IS NOT NULL OR distinct_customers IS NOT NULL)`)
    expect(Number(goldFigures)).toBe(0)
  })

  it('a tightened quarantine limit: report quality exits 3 with the BREACH finding', async () => {
    ws.writeConfig(config({quarantine: 0.0001}))
    const result = await ws.run(['report', 'quality', '--json'])
    expect(result.code).toBe(3)
    const breach = result.json().findings.filter((f: any) => f.status === 'BREACH')
    expect(breach).toEqual([expect.objectContaining({metric: expect.stringMatching(/quarantine/), expected: {low: null, high: 0.0001}})])
    expect(breach[0].observed).toBeGreaterThan(0.0001)
    const human = await ws.run(['report', 'quality'])
    expect(human.code).toBe(3)
    expect(human.stdout).toMatch(/need attention \(exit 3\)/)
  })

  it('a tightened drift limit: report model exits 3 with the PSI BREACH', async () => {
    ws.writeConfig(config({psi: 0.000001}))
    const result = await ws.run(['report', 'model', '--json'])
    expect(result.code, result.stdout).toBe(3)
    const breach = result.json().findings.filter((f: any) => f.status === 'BREACH')
    expect(breach.map((f: any) => f.metric)).toEqual([expect.stringMatching(/PSI|drift/i)])
    expect(breach[0].expected).toEqual({low: null, high: 0.000001})
    ws.writeConfig(config())
  })

  it('a stopped layer: stream status --check exits 3', async () => {
    expect((await ws.run(['stream', 'stop', 'gold'])).code).toBe(0)
    const check = await ws.run(['stream', 'status', '--check', '--json'])
    expect(check.code).toBe(3)
    expect(check.json().layers.find((l: any) => l.layer === 'gold').state).toBe('STOPPED')
    expect((await ws.run(['stream', 'start', 'gold'])).code).toBe(0)
  }, 60_000)
})
