/**
 * Hand-picked records at the edges of DESIGN section 1's rules, with the outcome written down here:
 * the Silver SQL on DuckDB and the expectation model must both give exactly these answers.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {DuckDBConnection} from '@duckdb/node-api'

import {loadReferenceData, presentBronzeBatch, runSilverBatch} from '../../src/pipeline/index.js'
import {ExpectedLakehouse, type BronzeRecord} from '../../src/pipeline/expected.js'
import {appendBronze, CATALOG, createTestLakehouse, lexiconScorer, query} from './helpers.js'

const base = {event_id: 'e', customer_id: 'C000001', event_type: 'view', product_id: 'P0001', timestamp: '2026-11-26T08:00:00Z'}
const json = (fields: Record<string, unknown>) => JSON.stringify({...base, ...fields})

/** [value, reasons ('' = kept in Silver), what Silver holds for a kept record] */
const CASES: Array<[string | null, string, Record<string, unknown>?]> = [
  [json({event_id: 'offset-plus', event_type: 'purchase', timestamp: '2026-11-26T10:00:00+02:00', amount: 12.5}), '', {event_ts: '2026-11-26 08:00:00', amount: '12.50', event_date: '2026-11-26'}],
  [json({event_id: 'crosses-back', timestamp: '2026-11-26T01:30:00+05:30'}), '', {event_date: '2026-11-25'}],
  [json({event_id: 'crosses-forward', timestamp: '2026-11-26T23:30:00-05:00'}), '', {event_ts: '2026-11-27 04:30:00', event_date: '2026-11-27'}],
  [json({event_id: 'micros', timestamp: '2026-11-26T08:00:00.123456Z'}), '', {event_ts: '2026-11-26 08:00:00.123456'}],
  [json({event_id: 'leap-day', timestamp: '2024-02-29T00:00:00Z'}), '', {event_date: '2024-02-29'}],
  [json({event_id: 'amount-text', event_type: 'purchase', amount: '19.99'}), '', {amount: '19.99'}],
  [json({event_id: 'amount-zero', event_type: 'purchase', amount: 0}), '', {amount: '0.00'}],
  [json({event_id: 'amount-exponent', event_type: 'purchase', amount: 1e3}), '', {amount: '1000.00'}],
  [json({event_id: 'rating-text', event_type: 'review', rating: '4', review_text: 'Great'}), '', {rating: 4}],
  // Judged by value, not spelling: Spark renders 12345678.5 as 1.23456785E7 and 1.000 as 1.0.
  [json({event_id: 'amount-large', event_type: 'purchase'}).replace('}', ',"amount":12345678.5}'), '', {amount: '12345678.50'}],
  [json({event_id: 'amount-zeros', event_type: 'purchase'}).replace('}', ',"amount":1.000}'), '', {amount: '1.00'}],
  [json({event_id: 'minus-zero', event_type: 'purchase', amount: '-0'}), '', {amount: '0.00'}],
  [json({event_id: 'rating-point-zero', event_type: 'review', review_text: 'Great'}).replace('}', ',"rating":4.0}'), '', {rating: 4}],
  [json({event_id: 'view-rated', rating: 5, amount: null}), '', {rating: 5, amount: null}],
  [json({event_id: 123}), '', {event_id: '123'}],
  [json({event_id: 'unknown-ids', customer_id: 'C999999', product_id: 'P9999'}), '', {customer_segment: null, product_category: null}],
  [json({event_id: 'not-leap', timestamp: '2026-02-29T00:00:00Z'}), 'INVALID_TIMESTAMP'],
  [json({event_id: 'no-zone', timestamp: '2026-11-26T08:00:00'}), 'INVALID_TIMESTAMP'],
  [json({event_id: 'epoch', timestamp: 1764144000}), 'INVALID_TIMESTAMP'],
  [json({event_id: 'type-case', event_type: 'Review'}), 'INVALID_EVENT_TYPE'],
  [json({event_id: 'three-decimals', event_type: 'purchase', amount: 12.345}), 'INVALID_AMOUNT'],
  [json({event_id: 'minus-cent', event_type: 'purchase', amount: '-0.01'}), 'INVALID_AMOUNT'],
  [json({event_id: 'amount-eleven-digits', event_type: 'purchase', amount: 12345678901}), 'INVALID_AMOUNT'],
  [json({event_id: 'amount-spaced', event_type: 'purchase', amount: ' 12'}), 'INVALID_AMOUNT'],
  [json({event_id: 'rating-nan', event_type: 'review', rating: 'NaN', review_text: 'ok'}), 'INVALID_RATING'],
  [json({event_id: 'purchase-no-amount', event_type: 'purchase'}), 'INVALID_AMOUNT'],
  [json({event_id: 'review-half', event_type: 'review', rating: 4.5, review_text: 'ok'}), 'INVALID_RATING'],
  [json({event_id: 'review-empty', event_type: 'review', rating: 3, review_text: ''}), 'MISSING_REVIEW_TEXT'],
  [JSON.stringify({event_id: 'many', customer_id: '', event_type: 'review', product_id: 'P1', timestamp: 'bad'}), 'MISSING_FIELD,INVALID_TIMESTAMP,INVALID_RATING,MISSING_REVIEW_TEXT'],
  ['{}', 'MISSING_FIELD'],
  ['[{"event_id":"x"}]', 'MALFORMED_JSON'],
  ['{"event_id": "x"', 'MALFORMED_JSON'],
  [null, 'MALFORMED_JSON'],
]

describe('Silver rules at their edges', () => {
  let connection: DuckDBConnection
  const ingestTs = new Date('2026-11-26T09:00:00Z')
  const records: BronzeRecord[] = CASES.map(([value], offset) => ({topic: 'customer-events', partition: 0, offset, value, ingestTs}))
  const expected = new ExpectedLakehouse(loadReferenceData(), lexiconScorer())

  beforeAll(async () => {
    ;({connection} = await createTestLakehouse(lexiconScorer()))
    await appendBronze(connection, records)
    await presentBronzeBatch(connection, CATALOG, [{topic: 'customer-events', partition: 0, startOffset: 0, endOffset: CASES.length}])
    await runSilverBatch(connection, {catalog: CATALOG, batchId: 0})
    expected.runSilver(records, 0)
  })
  afterAll(() => connection?.closeSync())

  it('rejects exactly the records the rules reject, with every reason', async () => {
    const quarantined = await query(connection, `SELECT source_offset, reasons FROM ${CATALOG}.silver.customer_events_quarantine ORDER BY source_offset`)
    const written = CASES.map(([, reasons], offset) => ({source_offset: offset, reasons})).filter((c) => c.reasons !== '')
    expect(quarantined).toEqual(written)
    expect([...expected.quarantine.values()].map((q) => ({source_offset: q.source_offset, reasons: q.reasons}))).toEqual(written)
  })

  it('keeps the valid records, typed and in UTC', async () => {
    const rows = await query(
      connection,
      `SELECT source_offset, event_id, CAST(event_ts AS VARCHAR) AS event_ts, CAST(event_date AS VARCHAR) AS event_date,
         CAST(amount AS VARCHAR) AS amount, rating, customer_segment, product_category
       FROM ${CATALOG}.silver.customer_events_cleaned ORDER BY source_offset`,
    )
    const kept = CASES.map(([, reasons, fields], offset) => ({offset, reasons, fields})).filter((c) => c.reasons === '')
    expect(rows.map((r) => r.source_offset)).toEqual(kept.map((c) => c.offset))
    kept.forEach((c, i) => expect(rows[i]).toMatchObject(c.fields ?? {}))
    expect([...expected.silver.values()].map((r) => r.source_offset).sort((a, b) => a - b)).toEqual(kept.map((c) => c.offset))
  })
})
