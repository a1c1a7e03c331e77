/**
 * The three streaming layers as micro-batch sources, running the same SQL as the PySpark runners:
 *   Bronze: topic records after its checkpoint -> bronze.customer_events_raw, as received.
 *   Silver: Bronze rows after its checkpoint (up to Bronze's checkpoint) -> the Silver manifest.
 *   Gold:   Silver rows of the Silver batches after its checkpoint (up to Silver's) -> the Gold manifest.
 * Each reads its upstream's committed checkpoint as the high-water mark: everything below it is
 * committed, so a batch never sees half of an upstream batch.
 */
import type {DuckDBConnection} from '@duckdb/node-api'

import {prepareLayerBatch, presentBronzeBatch, presentSilverBatch, runGoldBatch, runSilverBatch, utcWallTime} from '../../pipeline/index.js'
import {quoteIdent} from '../engine/engine.js'
import {readCheckpoint} from './checkpoints.js'
import {offsetRanges, type BatchPlan, type BatchWritten, type LayerSource, type TopicOffsets} from './micro-batch.js'
import {RECORDS_TABLE, type Topics} from './topics.js'

const BRONZE_TABLE = 'bronze.customer_events_raw'
const SILVER_TABLE = 'silver.customer_events_cleaned'

interface KafkaPlan extends BatchPlan {
  ranges: Array<{topic: string; partition: number; startOffset: number; endOffset: number}>
}

function planOffsets(from: unknown, latest: TopicOffsets, maxRows: number): KafkaPlan | {latest: unknown} {
  const planned = offsetRanges(from as TopicOffsets, latest, maxRows)
  if (planned.rows === 0) return {latest}
  return {end: planned.end, latest, rows: planned.rows, behindAfter: planned.behind, full: planned.full, ranges: planned.ranges}
}

function toDate(value: unknown): Date | null {
  return value instanceof Date ? value : null
}

export function bronzeSource(options: {catalog: string; topics: Topics; topic: string; startingOffsets: string; maxBatchRows: number}): LayerSource {
  const {catalog, topics, topic, maxBatchRows} = options
  const latest = (): TopicOffsets => ({[topic]: Object.fromEntries((topics.offsets(topic) ?? []).map((p) => [String(p.partition), p.latest]))})
  return {
    stream: 'bronze',
    sourceDescription: `KafkaV2[Subscribe[${topic}]]`,
    sinkDescription: `DeltaSink[${catalog}.${BRONZE_TABLE}]`,
    tables: [BRONZE_TABLE, 'ops.stream_progress'],
    async initialOffsets() {
      return options.startingOffsets === 'latest' ? latest() : {[topic]: {}}
    },
    async plan(_connection, from) {
      return planOffsets(from, latest(), maxBatchRows)
    },
    async write(connection, plan, _batchId): Promise<BatchWritten> {
      const {condition, values} = rangeCondition((plan as KafkaPlan).ranges, 'r')
      const ingest = utcWallTime(new Date())
      await connection.run(
        `INSERT INTO ${quoteIdent(catalog)}.bronze.customer_events_raw (key, value, topic, "partition", "offset", kafka_timestamp, ingest_ts, ingest_date)
         SELECT r.key, r.value, r.topic, r."partition", r."offset", r."timestamp", CAST($ingest AS TIMESTAMP), CAST(CAST($ingest AS TIMESTAMP) AS DATE)
         FROM ${RECORDS_TABLE} AS r WHERE ${condition}`,
        {...values, ingest},
      )
      const [newest] = (await connection.runAndReadAll(`SELECT max(r."timestamp") AS newest FROM ${RECORDS_TABLE} AS r WHERE ${condition}`, values)).getRowObjectsJS()
      return {inputRows: plan.rows, outputRows: plan.rows, maxEventTime: null, newestInputTime: toDate(newest.newest)}
    },
  }
}

export function silverSource(options: {catalog: string; maxBatchRows: number; syncModel: (connection: DuckDBConnection) => Promise<void>}): LayerSource {
  const {catalog, maxBatchRows} = options
  const bronzeHighWater = async (connection: DuckDBConnection): Promise<TopicOffsets> => ((await readCheckpoint(connection, catalog, 'bronze'))?.offsets as TopicOffsets) ?? {}
  return {
    stream: 'silver',
    upstream: 'bronze',
    sourceDescription: `DeltaSource[${catalog}.${BRONZE_TABLE}]`,
    sinkDescription: `ForeachBatchSink[${catalog}.${SILVER_TABLE}]`,
    tables: [BRONZE_TABLE, SILVER_TABLE, 'silver.customer_events_quarantine', 'silver.customers', 'silver.products', 'ops.quality_metrics', 'ops.stream_progress'],
    async initialOffsets() {
      return {}
    },
    async plan(connection, from) {
      return planOffsets(from, await bronzeHighWater(connection), maxBatchRows)
    },
    beforeBatch: options.syncModel,
    // Bronze rows below Bronze's checkpoint are committed and never change: present them and parse them
    // before the transaction (DuckDB scans tables made inside a transaction with one thread).
    async prepare(connection, plan, batchId) {
      await presentBronzeBatch(connection, catalog, (plan as KafkaPlan).ranges)
      await prepareLayerBatch(connection, 'silver', {catalog, batchId})
    },
    async write(connection, plan, batchId) {
      const figures = await runSilverBatch(connection, {catalog, batchId, ownTransaction: false, prepared: true})
      return {inputRows: figures.rows_in, outputRows: figures.rows_written, maxEventTime: toDate(figures.max_event_ts), newestInputTime: toDate(figures.max_ingest_ts)}
    },
  }
}

interface GoldPlan extends BatchPlan {
  after: number
  through: number
}

/** Gold's offsets: the last Silver batch id it has read. */
interface SilverPosition {
  silver_batch_id: number
}

export function goldSource(options: {catalog: string; maxBatchRows: number}): LayerSource {
  const {catalog, maxBatchRows} = options
  return {
    stream: 'gold',
    upstream: 'silver',
    sourceDescription: `DeltaSource[${catalog}.${SILVER_TABLE}]`,
    sinkDescription: `ForeachBatchSink[${catalog}.gold]`,
    tables: [SILVER_TABLE, 'gold.customer_behavior_daily', 'gold.sentiment_summary', 'gold.customer_features', 'ops.quality_metrics', 'ops.stream_progress'],
    async initialOffsets(): Promise<SilverPosition> {
      return {silver_batch_id: -1}
    },
    async plan(connection, from): Promise<GoldPlan | {latest: unknown}> {
      const after = (from as SilverPosition).silver_batch_id
      const highWater = (await readCheckpoint(connection, catalog, 'silver'))?.batchId ?? -1
      const latest: SilverPosition = {silver_batch_id: highWater}
      if (highWater <= after) return {latest}
      // Silver's figures give each batch's row count: take whole batches up to maxBatchRows (at least one).
      const batches = (
        await connection.runAndReadAll(
          `SELECT batch_id, rows_written FROM ${quoteIdent(catalog)}.ops.quality_metrics
           WHERE stream = 'silver' AND table_name = '${SILVER_TABLE}' AND batch_id > $after AND batch_id <= $through ORDER BY batch_id`,
          {after: BigInt(after), through: BigInt(highWater)},
        )
      ).getRowObjectsJS()
      let through = after + 1
      let rows = 0
      for (const batch of batches) {
        const count = Number(batch.rows_written)
        if (rows > 0 && rows + count > maxBatchRows) break
        rows += count
        through = Number(batch.batch_id)
      }
      const behindAfter = batches.filter((b) => Number(b.batch_id) > through).reduce((sum, b) => sum + Number(b.rows_written), 0)
      return {end: {silver_batch_id: through}, latest, rows, behindAfter, full: through < highWater, after, through}
    },
    // Silver rows of Silver batches up to Silver's checkpoint are committed and never change.
    async prepare(connection, plan, batchId) {
      const {after, through} = plan as GoldPlan
      await presentSilverBatch(connection, catalog, after, through)
      await prepareLayerBatch(connection, 'gold', {catalog, batchId})
    },
    async write(connection, _plan, batchId) {
      const figures = await runGoldBatch(connection, {catalog, batchId, ownTransaction: false, prepared: true})
      return {
        inputRows: figures.rows_in,
        outputRows: figures.daily_rows_written + figures.summary_rows_written + figures.feature_rows_written,
        maxEventTime: toDate(figures.max_event_ts),
        newestInputTime: toDate(figures.max_ingest_ts),
      }
    },
  }
}

/** `(r.topic = $t0 AND r.partition = $p0 AND r.offset >= $s0 AND r.offset < $e0) OR ...` with its values. */
function rangeCondition(ranges: KafkaPlan['ranges'], alias: string): {condition: string; values: Record<string, string | number | bigint>} {
  const values: Record<string, string | number | bigint> = {}
  const condition = ranges
    .map((range, i) => {
      Object.assign(values, {[`t${i}`]: range.topic, [`p${i}`]: range.partition, [`s${i}`]: BigInt(range.startOffset), [`e${i}`]: BigInt(range.endOffset)})
      return `(${alias}.topic = $t${i} AND ${alias}."partition" = $p${i} AND ${alias}."offset" >= $s${i} AND ${alias}."offset" < $e${i})`
    })
    .join(' OR ')
  return {condition, values}
}
