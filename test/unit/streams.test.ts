import {describe, expect, it} from 'vitest'

import {UsageError} from '../../src/errors.js'
import {parseLayers} from '../../src/streams/layers.js'
import {healthOf, type LayerStatus, statusProblems, type StreamStatus} from '../../src/streams/status.js'

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
      input_rows_per_second: null, processed_rows_per_second: null, offsets_behind: 0, seconds_behind: 1, slo_seconds: 60,
      health: 'OK', failure: null, recent_rows_per_second: [], ...over,
    })
    const status = (layers: LayerStatus[]): StreamStatus => ({target: 'local', catalog: 'lakehouse', checked_at: '', layers})
    expect(statusProblems(status([layer({}), layer({layer: 'silver'})]))).toEqual([])
    expect(statusProblems(status([layer({state: 'FAILED', failure: 'boom'}), layer({layer: 'gold', health: 'BREACH', seconds_behind: 400, slo_seconds: 300})]))).toEqual([
      'bronze is FAILED: boom',
      'gold is 400s behind (SLO 300s)',
    ])
  })
})
