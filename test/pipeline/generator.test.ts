/** The synthetic event stream: deterministic, close to the requested fractions, fast. */
import {describe, expect, it} from 'vitest'

import {EVENT_TYPES, generateEvents} from '../../src/pipeline/index.js'
import {REJECT_REASONS, validateRecord} from '../../src/pipeline/expected.js'

const OPTIONS = {count: 20_000, seed: 42, duplicateFraction: 0.05, malformedFraction: 0.02, invalidFraction: 0.04, lateFraction: 0.1}

describe('generateEvents', () => {
  const values = [...generateEvents(OPTIONS)]

  it('is deterministic per seed', () => {
    expect([...generateEvents({...OPTIONS, count: 2000})]).toEqual(values.slice(0, 2000))
    expect([...generateEvents({...OPTIONS, count: 2000, seed: 43})]).not.toEqual(values.slice(0, 2000))
  })

  it('roughly respects the fractions', () => {
    const seen = new Set<string>()
    let duplicates = 0
    let malformed = 0
    let invalid = 0
    let late = 0
    let valid = 0
    const start = Date.parse('2026-11-26T00:00:00Z')
    values.forEach((value, i) => {
      const {reasons, event} = validateRecord(value)
      if (reasons[0] === 'MALFORMED_JSON') malformed++
      else if (!event) invalid++
      else if (seen.has(value)) duplicates++
      else {
        seen.add(value)
        valid++
        // Event times advance at 100 per second (the default pace); late ones lie hours before.
        if (event.event_ts / 1000 < start + i * 10 - 3_000_000) late++
      }
    })
    expect(duplicates / values.length).toBeCloseTo(0.05, 1)
    expect(malformed / values.length).toBeCloseTo(0.02, 1)
    expect(invalid / values.length).toBeCloseTo(0.04, 1)
    expect(late / valid).toBeGreaterThan(0.08)
    expect(late / valid).toBeLessThan(0.12)
  })

  it('covers every event type, every reject reason, offsets and unknown ids', () => {
    const types = new Set<string>()
    const reasons = new Set<string>()
    for (const value of values) {
      const result = validateRecord(value)
      if (result.event) types.add(result.event.event_type)
      for (const reason of result.reasons) reasons.add(reason)
    }
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort())
    expect([...reasons].sort()).toEqual([...REJECT_REASONS].sort())
    expect(values.some((v) => /"timestamp":"[^"]+[+-]\d\d:\d\d"/.test(v))).toBe(true)
    expect(values.some((v) => v.includes('"customer_id":"C000501"') || v.includes('"customer_id":"C000550"'))).toBe(true)
  })

  it('writes reviews a model can learn from', () => {
    const reviews = values.map((v) => validateRecord(v).event).filter((e) => e?.event_type === 'review')
    expect(reviews.length).toBeGreaterThan(1000)
    expect(reviews.every((r) => r!.review_text && r!.rating! >= 1 && r!.rating! <= 5)).toBe(true)
    const positive = reviews.filter((r) => r!.rating! >= 4)
    expect(positive.filter((r) => /great|excellent|fantastic|wonderful|perfect|amazing|lovely|superb/i.test(r!.review_text!)).length).toBe(positive.length)
  })

  it('generates a million events in a few seconds', () => {
    const started = performance.now()
    let bytes = 0
    for (const value of generateEvents({count: 1_000_000, seed: 1})) bytes += value.length
    expect(bytes).toBeGreaterThan(100_000_000)
    expect(performance.now() - started).toBeLessThan(15_000)
  })

  it('refuses impossible options', () => {
    expect(() => [...generateEvents({count: 1, duplicateFraction: 0.7, malformedFraction: 0.5})]).toThrow(/more than 1/)
    expect(() => [...generateEvents({count: -1})]).toThrow(/count/)
    expect(() => [...generateEvents({count: 1, startTime: 'soon'})]).toThrow(/startTime/)
  })
})
