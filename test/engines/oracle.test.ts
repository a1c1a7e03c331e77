/**
 * The same answers on both engines: one oracle file of generated events (duplicates within and across
 * batches, malformed lines, every invalid case of DESIGN section 1, late events, offsets Z, +02:00 and
 * -05:00, times around UTC midnight, unicode and SQL-looking review text, amounts such as 12345678.5
 * and 1.000) goes through Kafka and the shipped runners on local Spark, and through the local
 * workspace's DuckDB streams: every compared table is equal on both and equal to the model.
 */
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateEvents} from '../../src/pipeline/index.js'
import {COMPARED, differences, duckdbTables, expectedTables, sparkTables, type Tables} from './harness/compare.js'
import {removeScratch} from './harness/env.js'
import {stopAll} from './harness/processes.js'

export const ORACLE_EVENTS = [
  ...generateEvents({count: 24_000, seed: 11, duplicateFraction: 0.06, malformedFraction: 0.02, invalidFraction: 0.05, lateFraction: 0.03, edgeCaseFraction: 0.03}),
]
const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-engines-oracle-'))
const tables: Record<'spark' | 'duckdb' | 'expected', Tables> = {} as never

beforeAll(async () => {
  tables.expected = expectedTables(ORACLE_EVENTS)
  tables.duckdb = await duckdbTables(ORACLE_EVENTS)
  // Bronze batches of 4,000 records: copies of an event land in different micro-batches.
  tables.spark = await sparkTables(ORACLE_EVENTS, path.join(dir, 'spark'), {maxOffsetsPerTrigger: 4000})
})

afterAll(async () => {
  await stopAll()
  removeScratch(dir)
})

describe('the oracle file on Spark and on DuckDB', () => {
  it('holds every case the rules and the engines distinguish', () => {
    expect(ORACLE_EVENTS.length).toBeGreaterThanOrEqual(20_000)
    const reasons = new Set(tables.expected['silver.customer_events_quarantine'].flatMap((q) => String(q.reasons).split(',')))
    expect([...reasons].sort()).toEqual(['INVALID_AMOUNT', 'INVALID_EVENT_TYPE', 'INVALID_RATING', 'INVALID_TIMESTAMP', 'MALFORMED_JSON', 'MISSING_FIELD', 'MISSING_REVIEW_TEXT'])
    const [sums] = tables.expected['ops.quality_metrics (sums)']
    expect(Number(sums['silver.duplicates_dropped'])).toBeGreaterThan(0)
    const text = ORACLE_EVENTS.join('\n')
    for (const needle of ['"amount":12345678.5', '"amount":1.000', '"rating":4.0', '+02:00"', '-05:00"', 'Z"', 'DROP TABLE', '日本語', 'T23:59:59.999Z']) expect(text, needle).toContain(needle)
    const silver = tables.expected['silver.customer_events_cleaned']
    expect(silver.some((r) => r.amount === '12345678.50')).toBe(true)
    expect(silver.some((r) => r.amount === '1.00')).toBe(true)
  })

  it.each(COMPARED)('%s: Spark = DuckDB = the model', (table) => {
    expect(tables.spark[table].length).toBeGreaterThan(0)
    expect(differences(tables.spark, tables.duckdb).find((d) => d.table === table)).toBeUndefined()
    expect(differences(tables.spark, tables.expected).find((d) => d.table === table)).toBeUndefined()
    expect(differences(tables.duckdb, tables.expected).find((d) => d.table === table)).toBeUndefined()
  })
})
