/**
 * Presenting a micro-batch: each layer reads its batch from a relation named after the manifest's
 * `input.view` (bronze_batch for Silver, silver_batch for Gold) on the connection that runs it. These
 * helpers materialise that relation as a TEMP TABLE from the upstream table, with the bounds bound as
 * statement parameters. A caller with the rows at hand may instead create the view or table itself.
 * Temp relations belong to the connection: run each stream on its own connection.
 */
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {assertIdentifier} from '../databricks/identifiers.js'
import {setUtc} from './duckdb.js'
import {boundStatement, partitionDate} from './executor.js'
import {loadManifest, type PipelineLayer} from './manifest.js'

/** Kafka positions of one topic partition, as in Spark's offsets: start inclusive, end exclusive. */
export interface OffsetRange {
  topic: string
  partition: number
  startOffset: number
  endOffset: number
}

/** Silver's batch: the Bronze records in the given offset ranges (the Bronze rows gained since the checkpoint). */
export async function presentBronzeBatch(connection: DuckDBConnection, catalog: string, ranges: OffsetRange[]): Promise<void> {
  const values: Record<string, DuckDBValue> = {}
  const conditions = ranges.map((range, i) => {
    for (const n of [range.partition, range.startOffset, range.endOffset]) {
      if (!Number.isSafeInteger(n)) throw new Error(`offset range of ${range.topic}: ${n} is not an integer`)
    }
    Object.assign(values, {[`t${i}`]: range.topic, [`p${i}`]: range.partition, [`s${i}`]: BigInt(range.startOffset), [`e${i}`]: BigInt(range.endOffset)})
    return `(b.topic = $t${i} AND b.partition = $p${i} AND b.offset >= $s${i} AND b.offset < $e${i})`
  })
  await presentInput(connection, 'silver', catalog, 'bronze.customer_events_raw', conditions.join(' OR ') || 'false', values)
}

/**
 * Gold's batch: the Silver rows inserted by Silver batches afterBatchId < id <= throughBatchId (Silver
 * commits each batch atomically, so max(silver_batch_id) is a consistent high-water mark). Backfills
 * insert with negative ids and are never picked up here: backfill Gold for the same dates instead.
 */
export async function presentSilverBatch(connection: DuckDBConnection, catalog: string, afterBatchId: number, throughBatchId: number): Promise<void> {
  await presentInput(connection, 'gold', catalog, 'silver.customer_events_cleaned', 'b.silver_batch_id > $after AND b.silver_batch_id <= $through', {
    after: BigInt(afterBatchId),
    through: BigInt(throughBatchId),
  })
}

/**
 * A backfill's batch: the manifest's backfill input for the layer (resources/pipeline/manifest.yaml
 * `backfills`): for Silver the Bronze records that may hold events of the date, for Gold the Silver rows
 * of the date. Run it with runPartitionBatch, batch id backfillBatchId(date) and stream `<layer>_backfill`.
 */
export async function presentPartitionBatch(connection: DuckDBConnection, layer: PipelineLayer, catalog: string, day: string): Promise<void> {
  const manifest = loadManifest()
  const {sql, values} = boundStatement(manifest.backfills[layer].input, catalog, {batch_id: backfillBatchId(day), stream: `${layer}_backfill`, recorded_at: '', partition_date: partitionDate(day)})
  await setUtc(connection)
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${manifest.layers[layer].input.view} AS\n${sql}`, values)
}

/** -yyyymmdd: backfill ids never collide with stream batch ids (which count up from 0). */
export function backfillBatchId(day: string): number {
  return -Number(partitionDate(day).replaceAll('-', ''))
}

async function presentInput(
  connection: DuckDBConnection,
  layer: PipelineLayer,
  catalog: string,
  table: string,
  condition: string,
  values: Record<string, DuckDBValue>,
): Promise<void> {
  const view = loadManifest().layers[layer].input.view
  assertIdentifier(catalog, 'catalog name')
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${view} AS SELECT * FROM ${catalog}.${table} AS b WHERE ${condition}`, Object.keys(values).length > 0 ? values : undefined)
}
