/**
 * The Silver and Gold SQL run on DuckDB over generated micro-batches and must equal the independent
 * model of DESIGN section 1 (src/pipeline/expected.ts), row for row; replays change nothing.
 */
import type {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {
  generateEvents,
  loadReferenceData,
  presentBronzeBatch,
  batchOnlySteps,
  prepareLayerBatch,
  presentSilverBatch,
  registerSentimentFunctions,
  setUnscoredShortcut,
  runGoldBatch,
  runSilverBatch,
  type OffsetRange,
  type SentimentScorer,
  type SilverBatchFigures,
} from '../../src/pipeline/index.js'
import {ExpectedLakehouse, REJECT_REASONS, type BronzeRecord} from '../../src/pipeline/expected.js'
import {appendBronze, CATALOG, createTestLakehouse, lexiconScorer, query} from './helpers.js'

const TOPIC = 'customer-events'
const PARTITIONS = 3
const LANDINGS = 6
/** Silver micro-batches as groups of Bronze landings: a batch may hold several ingest times. */
const SILVER_BATCHES = [[0, 1], [2], [3, 4], [5]]
const T0 = Date.parse('2026-11-26T12:00:00Z')

/** Kafka-like placement: round-robin over partitions, so copies of an event often sit in different ones. */
function toBronze(values: string[]): BronzeRecord[][] {
  const nextOffset = new Array<number>(PARTITIONS).fill(0)
  const perLanding = Math.ceil(values.length / LANDINGS)
  const landings: BronzeRecord[][] = Array.from({length: LANDINGS}, () => [])
  values.forEach((value, i) => {
    const partition = i % PARTITIONS
    const landing = Math.floor(i / perLanding)
    landings[landing].push({
      topic: TOPIC,
      partition,
      offset: nextOffset[partition]++,
      value,
      key: null,
      kafkaTimestamp: new Date(T0 + i),
      ingestTs: new Date(T0 + 60_000 * (landing + 1)),
    })
  })
  return landings
}

function offsetRanges(records: BronzeRecord[]): OffsetRange[] {
  const ranges = new Map<number, OffsetRange>()
  for (const r of records) {
    const range = ranges.get(r.partition)
    if (!range) ranges.set(r.partition, {topic: r.topic, partition: r.partition, startOffset: r.offset, endOffset: r.offset + 1})
    else range.endOffset = Math.max(range.endOffset, r.offset + 1)
  }
  return [...ranges.values()]
}

const SILVER_SQL = `
  SELECT event_id, customer_id, event_type, product_id, epoch_us(event_ts) AS event_ts, CAST(event_date AS VARCHAR) AS event_date,
    session_id, CAST(amount AS VARCHAR) AS amount, rating, review_text, customer_segment, country, product_category,
    sentiment_score, sentiment_label, model_version, epoch_us(ingest_ts) AS ingest_ts, source_topic, source_partition,
    source_offset, silver_batch_id
  FROM ${CATALOG}.silver.customer_events_cleaned ORDER BY event_id`
const QUARANTINE_SQL = `
  SELECT value, reasons, event_id, source_topic, source_partition, source_offset, silver_batch_id
  FROM ${CATALOG}.silver.customer_events_quarantine ORDER BY source_partition, source_offset`
const DAILY_SQL = `
  SELECT customer_id, CAST(event_date AS VARCHAR) AS event_date, events, views, clicks, add_to_carts, purchases, reviews,
    sessions, CAST(revenue AS VARCHAR) AS revenue, avg_sentiment, avg_rating, epoch_us(first_event_ts) AS first_event_ts,
    epoch_us(last_event_ts) AS last_event_ts
  FROM ${CATALOG}.gold.customer_behavior_daily ORDER BY customer_id, event_date`
const SUMMARY_SQL = `
  SELECT epoch_us(event_hour) AS event_hour, product_category, CAST(event_date AS VARCHAR) AS event_date, reviews,
    scored_reviews, avg_sentiment, positive_reviews, neutral_reviews, negative_reviews, avg_rating
  FROM ${CATALOG}.gold.sentiment_summary ORDER BY event_hour, product_category`
const FEATURES_SQL = `
  SELECT customer_id, CAST(as_of_date AS VARCHAR) AS as_of_date, recency_days, frequency_30d,
    CAST(monetary_30d AS VARCHAR) AS monetary_30d, events_30d, sessions_30d, active_days_30d, reviews_30d,
    avg_sentiment_30d, avg_rating_30d, tenure_days, lifetime_events, CAST(lifetime_revenue AS VARCHAR) AS lifetime_revenue
  FROM ${CATALOG}.gold.customer_features ORDER BY customer_id, as_of_date`
const ALL_TABLES = [
  'silver.customer_events_cleaned',
  'silver.customer_events_quarantine',
  'gold.customer_behavior_daily',
  'gold.sentiment_summary',
  'gold.customer_features',
  'ops.quality_metrics',
]

function sorted<T>(rows: Iterable<T>, key: (row: T) => string): T[] {
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

async function snapshot(connection: DuckDBConnection): Promise<Record<string, unknown>> {
  const tables: Record<string, unknown> = {}
  for (const table of ALL_TABLES) tables[table] = await query(connection, `SELECT * FROM ${CATALOG}.${table} ORDER BY ALL`)
  return tables
}

interface Run {
  instance: DuckDBInstance
  connection: DuckDBConnection
  expected: ExpectedLakehouse
  landings: BronzeRecord[][]
  figures: SilverBatchFigures[]
}

async function runPipeline(count: number, seed: number, scorer: SentimentScorer | null): Promise<Run> {
  const values = [
    ...generateEvents({count, seed, duplicateFraction: 0.1, malformedFraction: 0.03, invalidFraction: 0.08, lateFraction: 0.05}),
  ]
  const landings = toBronze(values)
  const {instance, connection} = await createTestLakehouse(scorer)
  const expected = new ExpectedLakehouse(loadReferenceData(), scorer)
  const figures: SilverBatchFigures[] = []
  for (const landing of landings) await appendBronze(connection, landing)
  for (const [batchId, group] of SILVER_BATCHES.entries()) {
    const records = group.flatMap((i) => landings[i])
    await presentBronzeBatch(connection, CATALOG, offsetRanges(records))
    figures.push(await runSilverBatch(connection, {catalog: CATALOG, batchId, recordedAt: new Date(T0 + 3_600_000)}))
    const {inserted} = expected.runSilver(records, batchId)
    await presentSilverBatch(connection, CATALOG, batchId - 1, batchId)
    const gold = await runGoldBatch(connection, {catalog: CATALOG, batchId, recordedAt: new Date(T0 + 3_600_000)})
    expect(gold).toMatchObject(expected.runGold(inserted))
  }
  return {instance, connection, expected, landings, figures}
}

describe('pipeline on DuckDB against the expectation model', () => {
  let run: Run

  beforeAll(async () => {
    run = await runPipeline(5000, 7, lexiconScorer())
  })
  afterAll(() => run?.connection.closeSync())

  it('generates every kind of record the rules distinguish', () => {
    const reasons = new Set([...run.expected.quarantine.values()].flatMap((q) => q.reasons.split(',')))
    expect([...reasons].sort()).toEqual([...REJECT_REASONS].sort())
    expect([...run.expected.quarantine.values()].some((q) => q.reasons.includes(','))).toBe(true)
    const duplicates = run.figures.map((f) => f.duplicates_dropped)
    expect(duplicates.every((d) => d > 0)).toBe(true)
  })

  it('reports the same batch figures', () => {
    const expectedFigures = [...run.expected.silverFigures.values()]
    expect(run.figures.map((f) => [f.rows_in, f.rows_valid, f.rows_quarantined, f.duplicates_dropped, f.rows_written])).toEqual(
      expectedFigures.map((f) => [f.rows_in, f.rows_valid, f.rows_quarantined, f.duplicates_dropped, f.rows_written]),
    )
    run.figures.forEach((f, i) => {
      const counts = expectedFigures[i].reason_counts
      expect([f.malformed_json, f.missing_field, f.invalid_event_type, f.invalid_timestamp, f.invalid_amount, f.invalid_rating, f.missing_review_text]).toEqual(
        REJECT_REASONS.map((r) => counts[r]),
      )
      expect(JSON.parse(f.null_counts)).toHaveProperty('customer_segment')
      const {mean_score, ...events} = expectedFigures[i]
      expect({
        distinct_customers: Number(f.distinct_customers),
        min_event_ts: f.min_event_ts === null ? null : f.min_event_ts.getTime() * 1000,
        max_event_ts: f.max_event_ts === null ? null : f.max_event_ts.getTime() * 1000,
        scored_rows: Number(f.scored_rows),
        model_version: f.model_version,
      }).toEqual({distinct_customers: events.distinct_customers, min_event_ts: events.min_event_ts, max_event_ts: events.max_event_ts, scored_rows: events.scored_rows, model_version: events.model_version})
      expect(events.scored_rows).toBeGreaterThan(0)
      expect(f.mean_score).toBeCloseTo(mean_score!, 12)
      expect(Object.keys(JSON.parse(f.rule_violations))).toHaveLength(8)
    })
  })

  it('keeps exactly the expected Silver rows', async () => {
    expect(await query(run.connection, SILVER_SQL)).toEqual(sorted(run.expected.silver.values(), (r) => r.event_id))
  })

  it('quarantines every rejected record once, with every reason', async () => {
    const expected = sorted(run.expected.quarantine.values(), (q) => `${q.source_partition}/${String(q.source_offset).padStart(9, '0')}`)
    expect(await query(run.connection, QUARANTINE_SQL)).toEqual(expected)
  })

  it('computes the Gold tables', async () => {
    expect(await query(run.connection, DAILY_SQL)).toEqual(sorted(run.expected.daily.values(), (r) => `${r.customer_id}|${r.event_date}`))
    expect(await query(run.connection, SUMMARY_SQL)).toEqual(sorted(run.expected.summary.values(), (r) => `${String(r.event_hour).padStart(20, '0')}|${r.product_category}`))
    expect(await query(run.connection, FEATURES_SQL)).toEqual(sorted(run.expected.features.values(), (r) => `${r.customer_id}|${r.as_of_date}`))
  })

  it('records one quality row per batch and table', async () => {
    const rows = await query(run.connection, `SELECT stream, batch_id, table_name, rows_in, rows_written, duplicates_dropped FROM ${CATALOG}.ops.quality_metrics ORDER BY ALL`)
    expect(rows).toHaveLength(SILVER_BATCHES.length * 4)
    const silver = rows.filter((r) => r.table_name === 'silver.customer_events_cleaned')
    expect(silver.map((r) => r.duplicates_dropped)).toEqual(run.figures.map((f) => f.duplicates_dropped))
  })

  it('changes nothing when batches are replayed', async () => {
    const before = await snapshot(run.connection)
    for (const batchId of [1, 3]) {
      const records = SILVER_BATCHES[batchId].flatMap((i) => run.landings[i])
      await presentBronzeBatch(run.connection, CATALOG, offsetRanges(records))
      const replay = await runSilverBatch(run.connection, {catalog: CATALOG, batchId})
      expect(replay.rows_written).toBe(0)
      await presentSilverBatch(run.connection, CATALOG, batchId - 1, batchId)
      await runGoldBatch(run.connection, {catalog: CATALOG, batchId})
    }
    expect(await snapshot(run.connection)).toEqual(before)
  })

  it('never lets a Gold recompute from an older snapshot of Silver overwrite newer rows', async () => {
    const gold = ['gold.customer_behavior_daily', 'gold.sentiment_summary', 'gold.customer_features']
    const goldRows = async () => Promise.all(gold.map((table) => query(run.connection, `SELECT * FROM ${CATALOG}.${table} ORDER BY ALL`)))
    const before = await goldRows()
    // Customer days that the last batch added to: an older Silver (without that batch) counts fewer events.
    const [{days}] = await query(run.connection, `SELECT count(*) AS days FROM (SELECT customer_id, event_date FROM ${CATALOG}.silver.customer_events_cleaned
      GROUP BY customer_id, event_date HAVING count_if(silver_batch_id = 3) > 0 AND count_if(silver_batch_id < 3) > 0)`)
    expect(days).toBeGreaterThan(0)
    await run.connection.run('BEGIN TRANSACTION')
    try {
      await run.connection.run(`DELETE FROM ${CATALOG}.silver.customer_events_cleaned WHERE silver_batch_id = 3`)
      await presentSilverBatch(run.connection, CATALOG, -1, 2)
      const figures = await runGoldBatch(run.connection, {catalog: CATALOG, batchId: 20, ownTransaction: false})
      expect(figures.daily_rows_written).toBeGreaterThan(0)
      expect(await goldRows()).toEqual(before)
    } finally {
      await run.connection.run('ROLLBACK')
    }
  })

  describe('with new Bronze records', () => {
    const fresh = toBronze([...generateEvents({count: 300, seed: 99})])
      .flat()
      .map((r) => ({...r, offset: r.offset + 100_000}))
    let before: Record<string, unknown>

    beforeAll(async () => {
      before = await snapshot(run.connection)
      await appendBronze(run.connection, fresh)
      await presentBronzeBatch(run.connection, CATALOG, offsetRanges(fresh))
    })

    it('rolls the whole batch back when a step fails', async () => {
      await registerSentimentFunctions(run.connection, {version: 'bad', score: (texts) => texts.map(() => 2)})
      try {
        await expect(runSilverBatch(run.connection, {catalog: CATALOG, batchId: 10})).rejects.toThrow(/outside \[0, 1\]/)
        expect(await snapshot(run.connection)).toEqual(before)
      } finally {
        await registerSentimentFunctions(run.connection, lexiconScorer())
      }
    })

    it('computes only the steps that read nothing but the batch before the transaction', () => {
      expect(batchOnlySteps('silver').map((step) => step.view)).toEqual(['silver_parsed', 'silver_winners'])
      expect(batchOnlySteps('gold')).toEqual([])
    })

    it('writes the same when its batch-only steps were prepared before the caller\'s transaction', async () => {
      await run.connection.run('BEGIN TRANSACTION')
      let expected: SilverBatchFigures
      try {
        expected = await runSilverBatch(run.connection, {catalog: CATALOG, batchId: 10, ownTransaction: false})
      } finally {
        await run.connection.run('ROLLBACK')
      }
      await prepareLayerBatch(run.connection, 'silver', {catalog: CATALOG, batchId: 10})
      await run.connection.run('BEGIN TRANSACTION')
      try {
        const figures = await runSilverBatch(run.connection, {catalog: CATALOG, batchId: 10, ownTransaction: false, prepared: true})
        expect(figures).toEqual(expected)
        const [{n}] = await query(run.connection, `SELECT count(*) AS n FROM ${CATALOG}.silver.customer_events_cleaned WHERE silver_batch_id = 10`)
        expect(n).toBe(expected.rows_written)
      } finally {
        await run.connection.run('ROLLBACK')
      }
      expect(await snapshot(run.connection)).toEqual(before)
    })

    it('runs inside a transaction the caller owns', async () => {
      await run.connection.run('BEGIN TRANSACTION')
      try {
        const figures = await runSilverBatch(run.connection, {catalog: CATALOG, batchId: 10, ownTransaction: false})
        expect(figures.rows_written).toBeGreaterThan(0)
        const [{n}] = await query(run.connection, `SELECT count(*) AS n FROM ${CATALOG}.silver.customer_events_cleaned WHERE silver_batch_id = 10`)
        expect(n).toBe(figures.rows_written)
      } finally {
        await run.connection.run('ROLLBACK')
      }
      expect(await snapshot(run.connection)).toEqual(before)
    })
  })
})

describe('sentiment functions per connection', () => {
  it('answers NULL in SQL without a model, and scores again once a model is registered', async () => {
    const {instance, connection} = await createTestLakehouse(null)
    const other = await instance.connect()
    try {
      const score = async () => (await query(connection, `SELECT sentiment_score('great') AS s, sentiment_model_version() AS v`))[0]
      expect(await score()).toEqual({s: null, v: null})
      // Another connection switches the instance's functions to a model: this one follows once told.
      await registerSentimentFunctions(other, lexiconScorer('9'))
      await setUnscoredShortcut(connection, false)
      expect(await score()).toEqual({s: 0.625, v: '9'})
      await registerSentimentFunctions(connection, null)
      expect(await score()).toEqual({s: null, v: null})
    } finally {
      other.closeSync()
      connection.closeSync()
    }
  })
})

describe('pipeline without a sentiment model', () => {
  it('leaves scores, labels and versions NULL and still aggregates', async () => {
    const run = await runPipeline(1500, 11, null)
    try {
      const silver = await query(run.connection, SILVER_SQL)
      expect(silver).toEqual(sorted(run.expected.silver.values(), (r) => r.event_id))
      expect(silver.every((r) => r.sentiment_score === null && r.model_version === null)).toBe(true)
      expect(await query(run.connection, SUMMARY_SQL)).toEqual(
        sorted(run.expected.summary.values(), (r) => `${String(r.event_hour).padStart(20, '0')}|${r.product_category}`),
      )
    } finally {
      run.connection.closeSync()
    }
  })
})
