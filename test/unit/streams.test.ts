import {describe, expect, it} from 'vitest'

import {UsageError} from '../../src/errors.js'
import {parseLayers} from '../../src/streams/layers.js'
import {currentLag, healthOf, type LayerStatus, rowRates, statusProblems, type StreamStatus} from '../../src/streams/status.js'

describe('layers', () => {
  it('defaults to all, in start order, whatever order they are given in', () => {
    expect(parseLayers([])).toEqual(['bronze', 'silver', 'gold'])
    expect(parseLayers(['gold', 'Bronze'])).toEqual(['bronze', 'gold'])
  })

  it('rejects unknown layers with exit 2, naming them and the valid ones', () => {
    try {
      parseLayers(['silver', 'platinum'])
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError)
      expect((error as UsageError).message).toBe("Unknown layer 'platinum': choose from bronze, silver, gold.")
    }
  })
})

describe('health against the lag SLO', () => {
  it('is OK up to warn_ratio x SLO, WARN up to the SLO, BREACH above', () => {
    expect(healthOf(null, 60, 0.8)).toBe('OK')
    expect(healthOf(48, 60, 0.8)).toBe('OK')
    expect(healthOf(48.1, 60, 0.8)).toBe('WARN')
    expect(healthOf(60, 60, 0.8)).toBe('WARN')
    expect(healthOf(60.1, 60, 0.8)).toBe('BREACH')
  })

  it('--check problems: a layer not running or breaching', () => {
    const layer = (over: Partial<LayerStatus>): LayerStatus => ({
      layer: 'bronze', job_id: 1, state: 'RUNNING', run_id: 2, uptime_seconds: 1, last_batch_at: null, last_batch_id: null,
      input_rows_per_second: null, processed_rows_per_second: null, rate_batches: 0, rate_age_seconds: null, offsets_behind: 0, seconds_behind: 1, slo_seconds: 60,
      health: 'OK', lag_status: 'OK', lag_since: null, lag_cause: null, failure: null, recent_rows_per_second: [], ...over,
    })
    const status = (layers: LayerStatus[]): StreamStatus => ({target: 'local', catalog: 'lakehouse', checked_at: '', layers})
    expect(statusProblems(status([layer({}), layer({layer: 'silver'})]))).toEqual([])
    expect(statusProblems(status([layer({state: 'FAILED', failure: 'boom'}), layer({layer: 'gold', health: 'BREACH', seconds_behind: 400, slo_seconds: 300})]))).toEqual([
      'bronze is FAILED: boom',
      'gold is 400s behind (SLO 300s)',
    ])
  })
})

describe('rates over recent batches', () => {
  it('input rows over the wall time the batches span, processed rows over their processing time', () => {
    const batch = (start: string, end: string, rows: number, ms: number) => ({trigger_ts: start, recorded_at: end, num_input_rows: rows, batch_duration_ms: ms})
    // Newest first: 3,000 rows in 10 s of wall time, 0.5 s of processing.
    const rates = rowRates([
      batch('2026-11-26T08:00:09.000Z', '2026-11-26T08:00:10.000Z', 1000, 200),
      batch('2026-11-26T08:00:04.000Z', '2026-11-26T08:00:04.100Z', 1500, 100),
      batch('2026-11-26T08:00:00.000Z', '2026-11-26T08:00:00.200Z', 500, 200),
    ])
    expect(rates).toEqual({input: 300, processed: 6000})
    expect(rowRates([])).toBeUndefined()
  })
})

describe('current lag (stream status and report lag)', () => {
  const now = Date.parse('2026-11-26T08:01:00Z')
  it('is the latest batch lag while nothing waits upstream', () => {
    expect(currentLag({ingest_lag_seconds: 2.04, offsets_behind_latest: 0, recorded_at: '2026-11-26T08:00:00Z'}, now)).toBe(2)
  })
  it('grows with the time since that batch while records wait', () => {
    expect(currentLag({ingest_lag_seconds: 2, offsets_behind_latest: 10, recorded_at: '2026-11-26T08:00:00Z'}, now)).toBe(62)
  })
})
