import {describe, expect, it} from 'vitest'

import {evaluateResult} from '../../src/local/alerts/alerts.js'
import {parseQuartz, QuartzError} from '../../src/local/alerts/quartz.js'

const at = (iso: string) => new Date(iso)

describe('Quartz schedules of the local SQL alerts', () => {
  it('matches seconds, steps, ranges, lists and names in the schedule time zone', () => {
    const everyFive = parseQuartz('0 0/5 * * * ?', 'UTC')
    expect(everyFive.matches(at('2026-12-04T10:05:00Z'))).toBe(true)
    expect(everyFive.matches(at('2026-12-04T10:05:01Z'))).toBe(false)
    expect(everyFive.matches(at('2026-12-04T10:07:00Z'))).toBe(false)
    const weekdays = parseQuartz('30 15 9 ? * MON-FRI', 'UTC')
    expect(weekdays.matches(at('2026-12-04T09:15:30Z'))).toBe(true) // a Friday
    expect(weekdays.matches(at('2026-12-05T09:15:30Z'))).toBe(false) // a Saturday
    // 09:00 in Paris is 08:00 UTC in December.
    const paris = parseQuartz('0 0 9 * JAN,DEC ?', 'Europe/Paris')
    expect(paris.matches(at('2026-12-04T08:00:00Z'))).toBe(true)
    expect(paris.matches(at('2026-12-04T09:00:00Z'))).toBe(false)
    expect(parseQuartz('* * * * * ?', 'UTC').matches(at('2026-12-04T10:05:07Z'))).toBe(true)
  })

  it('refuses what it cannot evaluate, naming the field', () => {
    expect(() => parseQuartz('0 0 * * *', 'UTC')).toThrow(QuartzError)
    expect(() => parseQuartz('0 0 12 * * MON', 'UTC')).toThrow(/exactly one of day-of-month and day-of-week/)
    expect(() => parseQuartz('0 0 12 L * ?', 'UTC')).toThrow(/day-of-month field 'L' uses L, W or #/)
    expect(() => parseQuartz('0 61 * * * ?', 'UTC')).toThrow(/minutes field '61' is outside 0-59/)
  })
})

describe('evaluating an alert result', () => {
  const greater = (threshold: number, extra: object = {}) => ({source: {name: 'v'}, comparison_operator: 'GREATER_THAN' as const, threshold: {value: {double_value: threshold}}, ...extra})

  it('compares the first row of the source column with the threshold', () => {
    expect(evaluateResult(greater(0.05), ['v'], [['0.5'], ['0']])).toBe('TRIGGERED')
    expect(evaluateResult(greater(0.05), ['v'], [['0.05']])).toBe('OK')
    expect(evaluateResult({...greater(1), comparison_operator: 'LESS_THAN_OR_EQUAL'}, ['v'], [['1']])).toBe('TRIGGERED')
  })

  it('aggregates over every row when asked', () => {
    const sum = {...greater(10), source: {name: 'v', aggregation: 'SUM' as const}}
    expect(evaluateResult(sum, ['v'], [['4'], ['7']])).toBe('TRIGGERED')
    expect(evaluateResult({...sum, source: {name: 'v', aggregation: 'MEDIAN' as const}}, ['v'], [['4'], ['7'], ['30']])).toBe('OK')
  })

  it('empty results take the empty-result state; errors and NULLs are told apart', () => {
    expect(evaluateResult(greater(1), ['v'], [])).toBe('UNKNOWN')
    expect(evaluateResult(greater(1, {empty_result_state: 'OK'}), ['v'], [])).toBe('OK')
    expect(evaluateResult(greater(1), ['other'], [['5']])).toBe('ERROR')
    expect(evaluateResult(greater(1), ['v'], [['abc']])).toBe('ERROR')
    expect(evaluateResult(greater(1), ['v'], [[null]])).toBe('OK')
    expect(evaluateResult({source: {name: 'v'}, comparison_operator: 'IS_NULL'}, ['v'], [[null]])).toBe('TRIGGERED')
  })
})
