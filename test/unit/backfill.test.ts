/** The pure parts of lakectl backfill: dates and ranges, ids and tokens, partition states, progress text. */
import {describe, expect, it} from 'vitest'

import type {Attempt} from '../../src/backfill/ledger.js'
import {checkBackfillId, idempotencyToken, MAX_PARTITIONS, newBackfillId, parseDate, partitionDates} from '../../src/backfill/partitions.js'
import {countsOf, latestAttempts, results, stateAfter} from '../../src/backfill/run.js'
import {eventLine, progressBar} from '../../src/cli/backfill-command.js'
import {UsageError} from '../../src/errors.js'

function attempt(partition_date: string, n: number, state: Attempt['state'], extra: Partial<Attempt> = {}): Attempt {
  return {layer: 'silver', partition_date, attempt: n, state, run_id: null, rows_before: null, rows_after: null, started_at: null, ended_at: null, error: null, ...extra}
}

describe('partition ranges', () => {
  it('accepts calendar dates only, naming the flag', () => {
    expect(parseDate('2024-02-29', '--from')).toBe('2024-02-29')
    for (const bad of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-1-01', '26-11-01', '2026-11-26T00:00:00Z', '']) {
      expect(() => parseDate(bad, '--to')).toThrow(UsageError)
      expect(() => parseDate(bad, '--to')).toThrow(/--to '.*' is not a date/)
    }
  })

  it('lists the range inclusively in either order', () => {
    expect(partitionDates('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'])
    expect(partitionDates('2026-02-27', '2026-03-02', 'newest')).toEqual(['2026-03-02', '2026-03-01', '2026-02-28', '2026-02-27'])
    expect(partitionDates('2026-11-26', '2026-11-26')).toEqual(['2026-11-26'])
  })

  it('refuses a reversed range and one over 3,660 partitions', () => {
    expect(() => partitionDates('2026-11-27', '2026-11-26')).toThrow(/--from 2026-11-27 is after --to 2026-11-26/)
    const from = '2016-01-01'
    const last = new Date(Date.parse(`${from}T00:00:00Z`) + (MAX_PARTITIONS - 1) * 86_400_000).toISOString().slice(0, 10)
    expect(partitionDates(from, last)).toHaveLength(MAX_PARTITIONS)
    const over = new Date(Date.parse(`${last}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    expect(() => partitionDates(from, over)).toThrow(/holds 3661 partitions; a backfill takes at most 3660/)
  })
})

describe('ids and tokens', () => {
  it('makes sortable ids that check, and tokens within the API limit', () => {
    const id = newBackfillId(new Date('2026-12-03T14:24:55.123Z'), 'a1b2c3')
    expect(id).toBe('bf-20261203-142455-a1b2c3')
    expect(checkBackfillId(id)).toBe(id)
    expect(() => checkBackfillId('bf-20261203-142455-A1B2C3')).toThrow(/is not a backfill id/)
    expect(newBackfillId()).toMatch(/^bf-\d{8}-\d{6}-[0-9a-f]{6}$/)
    const token = idempotencyToken(id, 'silver', '2026-11-26', 12)
    expect(token).toBe('bf-20261203-142455-a1b2c3/silver/2026-11-26/12')
    expect(token.length).toBeLessThanOrEqual(64)
    // Every partition and attempt gets a token of its own.
    expect(new Set([idempotencyToken(id, 'silver', '2026-11-26', 1), idempotencyToken(id, 'gold', '2026-11-26', 1), idempotencyToken(id, 'silver', '2026-11-26', 2)]).size).toBe(3)
  })
})

describe('partition states', () => {
  const attempts = [
    attempt('2026-11-24', 1, 'failed', {run_id: 1, started_at: 1000, ended_at: 3000, error: 'boom'}),
    attempt('2026-11-24', 2, 'succeeded', {run_id: 2, rows_before: 5, rows_after: 7, started_at: 4000, ended_at: 6500}),
    attempt('2026-11-25', 1, 'running', {run_id: 3}),
    attempt('2026-11-26', 1, 'pending'),
    {...attempt('2026-11-24', 1, 'skipped'), layer: 'gold' as const},
  ]

  it("takes a partition's latest attempt, and counts partitions by it", () => {
    expect([...latestAttempts(attempts).values()].map((a) => [a.layer, a.partition_date, a.attempt])).toEqual([
      ['silver', '2026-11-24', 2],
      ['silver', '2026-11-25', 1],
      ['silver', '2026-11-26', 1],
      ['gold', '2026-11-24', 1],
    ])
    expect(countsOf(latestAttempts(attempts).values())).toEqual({partitions: 4, succeeded: 1, failed: 0, skipped: 1, cancelled: 0, running: 1, pending: 1})
  })

  it('reports runs made, rows and durations per partition', () => {
    expect(results(attempts)).toEqual([
      {layer: 'silver', partition_date: '2026-11-24', state: 'succeeded', run_id: 2, attempts: 2, rows_before: 5, rows_after: 7, duration_seconds: 2.5, error: null},
      {layer: 'silver', partition_date: '2026-11-25', state: 'running', run_id: 3, attempts: 1, rows_before: null, rows_after: null, duration_seconds: null, error: null},
      {layer: 'silver', partition_date: '2026-11-26', state: 'pending', run_id: null, attempts: 0, rows_before: null, rows_after: null, duration_seconds: null, error: null},
      {layer: 'gold', partition_date: '2026-11-24', state: 'skipped', run_id: null, attempts: 0, rows_before: null, rows_after: null, duration_seconds: null, error: null},
    ])
  })

  it('gives the backfill the state its outcome and counts call for', () => {
    const counts = {partitions: 3, succeeded: 3, failed: 0, skipped: 0, cancelled: 0, running: 0, pending: 0}
    expect(stateAfter('finished', counts)).toBe('succeeded')
    expect(stateAfter('finished', {...counts, succeeded: 2, failed: 1})).toBe('failed')
    expect(stateAfter('finished', {...counts, succeeded: 2, cancelled: 1})).toBe('cancelled')
    expect(stateAfter('started', counts)).toBe('running')
    expect(stateAfter('timed_out', counts)).toBe('interrupted')
    expect(stateAfter('interrupted', counts)).toBe('interrupted')
  })
})

describe('progress', () => {
  const counts = {partitions: 30, succeeded: 10, failed: 2, skipped: 0, cancelled: 0, running: 2, pending: 16}

  it('draws a bar with done, running, failed, elapsed and ETA', () => {
    expect(progressBar(counts, 60_000)).toBe('[########............] 12/30 done, 2 running, 2 failed, 1m00s elapsed, ETA 1m30s')
    expect(progressBar({...counts, succeeded: 0, failed: 0}, 5_000)).toBe('[....................] 0/30 done, 2 running, 0 failed, 5s elapsed')
  })

  it('says one line per partition state change', () => {
    const base = {layer: 'silver' as const, partition_date: '2026-11-26', attempt: 2, run_id: 41, counts}
    expect(eventLine({...base, state: 'running'})).toBe('silver 2026-11-26 running (run 41, attempt 2)')
    expect(eventLine({...base, state: 'running', queued: true})).toBe('silver 2026-11-26 queued (run 41, attempt 2: waiting for a free slot of the backfill job)')
    expect(eventLine({...base, state: 'failed', error: 'run 41 ended FAILED', retry_in_ms: 1500})).toBe('silver 2026-11-26 failed (run 41, attempt 2): run 41 ended FAILED; retrying in 1.5s')
    expect(eventLine({...base, layer: 'gold', run_id: null, state: 'skipped', error: 'the Silver partition did not change'})).toBe('gold 2026-11-26 skipped: the Silver partition did not change')
  })
})
