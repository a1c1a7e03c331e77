/**
 * The anomaly baselines on synthetic Silver histories (test/helpers/history.ts): a long steady run with a
 * daily cycle and noise gives no finding at any hour, and each injected anomaly is found with its likely
 * cause: a table going quiet, a null-rate jump in one column, a new quarantine reason, a slow rise in
 * duplicates. Judged by the same function the report uses (qualityFindings) on the same hourly rollups.
 */
import {describe, expect, it} from 'vitest'

import {loadConfig} from '../../src/config/load.js'
import {HOUR_MS, judgeSeries} from '../../src/reports/baseline.js'
import {qualityFindings, type QualityHistory} from '../../src/reports/quality.js'
import {gaussian, qualityHistory, seeded, steadyHistory, type SteadyHour} from '../helpers/history.js'

const config = loadConfig({cwd: '/nonexistent-project-dir'}).config
const START = Date.UTC(2026, 0, 5)
const WEEKS = 12
const HOURS = WEEKS * 7 * 24
/** "now": 20 minutes into the hour after the last one generated. */
const NOW = START + HOURS * HOUR_MS + 20 * 60_000

const history = (hours: SteadyHour[], options: {bronzeFactor?: (i: number) => number; running?: boolean} = {}): QualityHistory => qualityHistory(hours, {...options, now: NOW})

function judge(h: QualityHistory, now = NOW) {
  return qualityFindings(h, {config, now, sinceHours: 24})
}

describe('anomaly baselines', () => {
  it('finds nothing in a long steady run with a daily cycle and noise (every hour of every metric judged)', () => {
    const h = history(steadyHistory({start: START, hours: HOURS, seed: 7}))
    const {findings, series} = qualityFindings(h, {config, now: NOW, sinceHours: HOURS})
    const judged = series.flatMap((s) => s.points.filter((p) => p.status === 'OK' || p.status === 'ANOMALY'))
    const falsePositives = series.flatMap((s) => s.points.filter((p) => p.status === 'ANOMALY').map((p) => `${s.metric} @ ${p.hour}: ${p.value} not in ${p.low}..${p.high}`))
    console.log(`steady run: ${series.length} metrics, ${judged.length} hours judged, ${falsePositives.length} false positives`)
    expect(judged.length).toBeGreaterThan(25_000)
    expect(falsePositives).toEqual([])
    expect(findings.filter((f) => f.status === 'ANOMALY')).toEqual([])
  })

  it('keeps false positives at the rate the band promises under unclipped Gaussian noise', () => {
    // Informative bound: with k = 4 a normal value falls outside the band about 6 times in 100,000.
    const noise = gaussian(seeded(3))
    let judged = 0
    let flagged = 0
    for (let run = 0; run < 10; run++) {
      const points = Array.from({length: HOURS}, (_, i) => {
        const hour = START + i * HOUR_MS
        return {hour, value: 20_000 * (1 + 0.6 * Math.sin((2 * Math.PI * (new Date(hour).getUTCHours() - 6)) / 24)) * (1 + 0.04 * noise())}
      })
      const result = judgeSeries(points, {kind: 'count', direction: 'both'}, {k: 4, minHistoryDays: 7, historyDays: 84, weeklyAfterWeeks: 8})
      judged += result.filter((p) => p.status !== 'LEARNING').length
      flagged += result.filter((p) => p.status === 'ANOMALY').length
    }
    console.log(`gaussian noise: ${flagged} of ${judged} hours flagged (${((flagged / judged) * 1e5).toFixed(1)} per 100,000)`)
    expect(flagged / judged).toBeLessThan(2e-4)
  })

  it('says LEARNING, never an alarm, before min_history_days of history', () => {
    const days = config.monitoring.anomaly.min_history_days - 1
    const hours = steadyHistory({start: START, hours: days * 24, seed: 5}, (hour, i) => {
      if (i >= days * 24 - 3) hour.rows = 10 // would be an anomaly with enough history
    })
    const {findings} = judge(history(hours, {running: false}), START + days * 24 * HOUR_MS + 60_000)
    expect(findings.length).toBeGreaterThan(10)
    // LEARNING, or UNKNOWN where the 10 rows left nothing to take a ratio of: never an alarm.
    expect(findings.filter((f) => f.status !== 'LEARNING' && f.status !== 'UNKNOWN')).toEqual([])
    expect(findings.find((f) => f.metric === 'rows per hour of silver.customer_events_cleaned')?.status).toBe('LEARNING')
  })

  it('finds a table that goes quiet, since the hour it did', () => {
    const quietFrom = HOURS - 3
    const hours = steadyHistory({start: START, hours: HOURS, seed: 11}, (hour, i) => {
      if (i >= quietFrom) hour.rows = Math.round(hour.rows * 0.05)
    })
    // Bronze keeps receiving what it always did.
    const {findings} = judge(history(hours, {bronzeFactor: (i) => (i >= quietFrom ? 20 : 1)}))
    const anomalies = findings.filter((f) => f.status === 'ANOMALY')
    const quiet = anomalies.find((f) => f.metric === 'rows per hour of silver.customer_events_cleaned')
    expect(quiet, JSON.stringify(anomalies, null, 2)).toBeDefined()
    expect(quiet!.observed!).toBeLessThan(quiet!.expected!.low!)
    expect(quiet!.since).toBe(new Date(START + quietFrom * HOUR_MS).toISOString())
    expect(quiet!.cause).toBe('fewer rows than usual')
    // Bronze kept its rate: not an anomaly.
    expect(anomalies.find((f) => f.metric === 'rows per hour of bronze.customer_events_raw')).toBeUndefined()
  })

  it('blames the source when the upstream table goes quiet too', () => {
    const quietFrom = HOURS - 2
    const hours = steadyHistory({start: START, hours: HOURS, seed: 12}, (hour, i) => {
      if (i >= quietFrom) hour.rows = Math.round(hour.rows * 0.05)
    })
    const {findings} = judge(history(hours, {bronzeFactor: (i) => (i >= quietFrom ? 0.05 : 1)}))
    const silver = findings.find((f) => f.metric === 'rows per hour of silver.customer_events_cleaned')
    expect(silver?.status).toBe('ANOMALY')
    expect(silver?.cause).toMatch(/upstream bronze.customer_events_raw is quiet too/)
    expect(findings.find((f) => f.metric === 'rows per hour of bronze.customer_events_raw')?.status).toBe('ANOMALY')
  })

  it('finds a null-rate jump in one column, and only there', () => {
    const hours = steadyHistory({start: START, hours: HOURS, seed: 13}, (hour, i) => {
      if (i >= HOURS - 2) hour.nulls.country = Math.round(hour.rows * 0.6)
    })
    const anomalies = judge(history(hours)).findings.filter((f) => f.status === 'ANOMALY')
    expect(anomalies.map((f) => f.metric)).toEqual(['null rate of country'])
    expect(anomalies[0].observed!).toBeGreaterThan(0.5)
    expect(anomalies[0].expected!.high!).toBeLessThan(0.1)
    expect(anomalies[0].cause).toMatch(/more rows with country null/)
    expect(anomalies[0].since).toBe(new Date(START + (HOURS - 2) * HOUR_MS).toISOString())
  })

  it('says a column went null when it did', () => {
    const hours = steadyHistory({start: START, hours: HOURS, seed: 14}, (hour, i) => {
      if (i >= HOURS - 1) hour.nulls.customer_segment = hour.rows
    })
    const finding = judge(history(hours)).findings.find((f) => f.metric === 'null rate of customer_segment')
    expect(finding).toMatchObject({status: 'ANOMALY', cause: 'customer_segment gone null'})
  })

  it('finds a new quarantine reason and names it', () => {
    const hours = steadyHistory({start: START, hours: HOURS, seed: 15}, (hour, i) => {
      if (i >= HOURS - 1) hour.quarantined.INVALID_RATING = Math.round(hour.rows * 0.02)
    })
    const anomalies = judge(history(hours)).findings.filter((f) => f.status === 'ANOMALY')
    expect(anomalies.map((f) => f.metric)).toEqual(['quarantine ratio INVALID_RATING'])
    expect(anomalies[0].cause).toBe('a new quarantine reason: INVALID_RATING (not in the baseline)')
  })

  it('finds a slow rise in duplicates once it leaves the band', () => {
    const riseFrom = HOURS - 21 * 24
    const hours = steadyHistory({start: START, hours: HOURS, seed: 16}, (hour, i) => {
      // +0.15 percentage points a day on top of 3%, for three weeks: no hour jumps, the level drifts.
      if (i >= riseFrom) hour.duplicates = Math.round(hour.duplicates + (hour.rows * 0.0015 * (i - riseFrom)) / 24)
    })
    const {findings, series} = qualityFindings(history(hours), {config, now: NOW, sinceHours: 21 * 24})
    const duplicates = findings.find((f) => f.metric === 'duplicate ratio')
    expect(duplicates?.status).toBe('ANOMALY')
    const firstFlag = series.find((s) => s.metric === 'duplicate ratio')!.points.find((p) => p.status === 'ANOMALY')!
    // Flagged only after the drift built up (days, not hours), and it stays flagged to the end.
    expect(Date.parse(firstFlag.hour) - (START + riseFrom * HOUR_MS)).toBeGreaterThan(2 * 24 * HOUR_MS)
    expect(Date.parse(duplicates!.since!)).toBeLessThan(NOW - 24 * HOUR_MS)
    expect(findings.filter((f) => f.status === 'ANOMALY').map((f) => f.metric)).toEqual(['duplicate ratio'])
  })

  it('finds a stream that stopped committing (freshness), judged at now', () => {
    const hours = steadyHistory({start: START, hours: HOURS, seed: 17})
    const h = history(hours, {running: false})
    // Silver's last batch with data was 50 minutes ago (the hour since has none).
    const lastData = Math.max(...h.streams.filter((s) => s.stream === 'silver').map((s) => s.last_data_at!))
    const now = lastData + 50 * 60_000
    const finding = judge(h, now).findings.find((f) => f.metric === 'freshness of silver')
    expect(finding).toMatchObject({status: 'ANOMALY'})
    expect(finding!.observed!).toBeCloseTo(3000, -1)
    expect(finding!.cause).toMatch(/no batch with data committed since/)
  })
})
