/** Burrow-style lag evaluation over a window of progress rows (src/reports/burrow.ts). */
import {describe, expect, it} from 'vitest'

import {judgeLag, positionOf, type CommitRow} from '../../src/reports/burrow.js'

const T0 = Date.UTC(2026, 10, 26, 8)
const kafka = (offsets: number[]) => JSON.stringify({'customer-events': Object.fromEntries(offsets.map((o, p) => [String(p), o]))})

/** Rows a second apart: end offsets (one partition each, or [a, b] for two) and offsets behind. */
function rows(spec: Array<[number | number[], number | null]>, step = 1000): CommitRow[] {
  return spec.map(([end, behind], i) => ({at: T0 + i * step, end_offset: kafka(Array.isArray(end) ? end : [end]), offsets_behind: behind}))
}

const now = (r: CommitRow[], after = 500) => r.at(-1)!.at + after

describe('Burrow lag statuses', () => {
  it('OK when the stream caught up at some point in the window', () => {
    const r = rows([[10, 5], [15, 0], [20, 7], [25, 9]])
    expect(judgeLag(r, now(r)).status).toBe('OK')
  })

  it('OK for an idle stream with nothing to read (heartbeats with the offsets unchanged, nothing behind)', () => {
    const r = rows([[40, 0], [40, 0], [40, 0], [40, 0]], 30_000)
    expect(judgeLag(r, now(r, 20_000))).toMatchObject({status: 'OK', since: null})
  })

  it('STALL when batches keep coming but the committed offsets do not move while records wait', () => {
    const r = rows([[40, 12], [40, 15], [40, 15], [40, 20]])
    const verdict = judgeLag(r, now(r))
    expect(verdict).toMatchObject({status: 'STALL', since: new Date(T0).toISOString()})
    expect(verdict.cause).toMatch(/4 batches committed no progress while 20 records wait/)
  })

  it('WARN when the offsets move but the backlog never shrinks', () => {
    const r = rows([[10, 100], [20, 130], [30, 130], [40, 170]])
    expect(judgeLag(r, now(r)).status).toBe('WARN')
    // One shrink in the window is enough to be OK (the stream is keeping up, unevenly).
    const r2 = rows([[10, 100], [20, 130], [30, 120], [40, 170]])
    expect(judgeLag(r2, now(r2)).status).toBe('OK')
  })

  it('STOP when nothing was committed for longer than the window spans (and at least a minute)', () => {
    const r = rows([[10, 5], [20, 0], [30, 5]])
    expect(judgeLag(r, now(r, 30_000)).status).toBe('OK')
    const verdict = judgeLag(r, now(r, 61_000))
    expect(verdict).toMatchObject({status: 'STOP', since: new Date(r.at(-1)!.at).toISOString()})
    const idle = rows([[40, 0], [40, 0], [40, 0]], 30_000)
    expect(judgeLag(idle, now(idle, 59_000)).status).toBe('OK')
    expect(judgeLag(idle, now(idle, 61_000)).status).toBe('STOP')
  })

  it('STOP when the job is known not to run, whatever the rows say', () => {
    const r = rows([[40, 0], [40, 0]])
    expect(judgeLag(r, now(r), {jobStopped: true})).toMatchObject({status: 'STOP', cause: 'the job is not running'})
    expect(judgeLag([], T0, {jobStopped: true}).status).toBe('STOP')
    expect(judgeLag([], T0).status).toBe('UNKNOWN')
  })

  it('REWIND when an offset goes backwards, in any partition, before anything else', () => {
    const r = rows([[[10, 10], 0], [[20, 20], 0], [[25, 12], 40], [[30, 20], 35]])
    const verdict = judgeLag(r, now(r, 120_000))
    expect(verdict.status).toBe('REWIND')
    expect(verdict.since).toBe(new Date(T0 + 2000).toISOString())
    expect(verdict.cause).toMatch(/customer-events\/1 20 -> 12/)
  })

  it('reads Kafka, Delta and Gold offsets as positions', () => {
    expect([...positionOf(kafka([3, 4]))]).toEqual([['customer-events/0', 3], ['customer-events/1', 4]])
    expect(positionOf('{"sourceVersion":1,"reservoirId":"x","reservoirVersion":7,"index":2,"isStartingVersion":false}').get('delta')).toBe(7e9 + 3)
    expect(positionOf({silver_batch_id: 12}).get('silver_batch_id')).toBe(12)
    expect(positionOf('not json').size).toBe(0)
    // A Delta version step resets the index: still forward.
    const delta = (v: number, i: number) => ({at: T0 + v * 1000 + i, end_offset: {reservoirVersion: v, index: i}, offsets_behind: 3})
    expect(judgeLag([delta(5, 9), delta(6, -1), delta(6, 2)], T0 + 7000).status).toBe('WARN')
  })
})
