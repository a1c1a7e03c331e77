/**
 * The built-in task executors of the streaming layers and the backfill, registered by the basename of
 * the PySpark runner each job template points at (resources/jobs/*.json).
 */
import {backfillBatchId, partitionDate, preparePartitionBatch, presentPartitionBatch, runPartitionBatch} from '../../pipeline/index.js'
import {registerExecutor, type TaskContext} from '../jobs/executors.js'
import {bronzeSource, goldSource, silverSource} from './layers.js'
import {runStream, streamSettings} from './micro-batch.js'
import {openPipelineConnection, syncSentimentFunctions} from './pipeline-connection.js'
import {withWriteLock} from './write-locks.js'

const DEFAULT_TOPIC = 'customer-events'

export function registerStreamingExecutors(): void {
  registerExecutor('bronze.py', {
    run(ctx) {
      const settings = streamSettings(ctx)
      const source = bronzeSource({
        catalog: settings.catalog,
        topics: ctx.services.topics,
        topic: ctx.parameters.topic || DEFAULT_TOPIC,
        startingOffsets: ctx.parameters['starting-offsets'] || 'earliest',
        maxBatchRows: settings.maxBatchRows,
      })
      return runStream(ctx, source, settings)
    },
  })
  registerExecutor('silver.py', {
    run(ctx) {
      const settings = streamSettings(ctx)
      const {engine, scoring} = ctx.services
      const model = ctx.parameters.model || undefined
      const source = silverSource({catalog: settings.catalog, maxBatchRows: settings.maxBatchRows, syncModel: (connection) => syncSentimentFunctions(engine, connection, scoring, model)})
      return runStream(ctx, source, settings)
    },
  })
  registerExecutor('gold.py', {
    run(ctx) {
      const settings = streamSettings(ctx)
      return runStream(ctx, goldSource({catalog: settings.catalog, maxBatchRows: settings.maxBatchRows}), settings)
    },
  })
  registerExecutor('backfill.py', {run: runBackfill})
}

/**
 * Recomputes one partition of a layer (`--layer silver|gold --partition-date D --mode missing|replace`):
 * the manifest's backfill of the layer over the rows of event_date D, as batch -yyyymmdd of stream
 * `<layer>_backfill`, committed in one transaction under the layer's write lock (the stream's writes
 * wait for it). missing inserts what the partition lacks, so re-running it changes nothing; replace
 * swaps the whole partition for its recomputation.
 */
async function runBackfill(ctx: TaskContext): Promise<void> {
  const {catalog, layer, 'partition-date': date} = ctx.parameters
  const mode = ctx.parameters.mode || 'missing'
  if (layer !== 'silver' && layer !== 'gold') throw new Error(`--layer must be silver or gold, got '${layer ?? ''}' (Bronze is the raw copy of the topic: replay the topic instead)`)
  if (mode !== 'missing' && mode !== 'replace') throw new Error(`--mode must be missing or replace, got '${mode}'`)
  if (!date || !isDate(date)) throw new Error(`--partition-date must be a date YYYY-MM-DD, got '${date ?? ''}'`)
  const settings = streamSettings(ctx)
  const {engine, scoring} = ctx.services
  const connection = await openPipelineConnection(engine)
  try {
    if (layer === 'silver') await syncSentimentFunctions(engine, connection, scoring, ctx.parameters.model || undefined)
    const options = {catalog: settings.catalog, batchId: backfillBatchId(date), stream: `${layer}_backfill`, partitionDate: date}
    const figures = await withWriteLock(engine, settings.catalog, layer, async () => {
      // The partition's rows are read under the lock too: a stream batch committed between that read and
      // the transaction would have its rows of the date deleted by a replace and never written back.
      await presentPartitionBatch(connection, layer, settings.catalog, date)
      await preparePartitionBatch(connection, layer, mode, options)
      await connection.run('BEGIN TRANSACTION')
      try {
        const written = await runPartitionBatch(connection, layer, mode, {...options, ownTransaction: false, prepared: true})
        await connection.run('COMMIT')
        return written
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined)
        throw error
      }
    })
    await ctx.services.lineage.afterBatch(ctx, layer, settings.catalog, mode)
    ctx.log(`backfilled ${layer} ${date} (${mode}) in ${catalog}: ${JSON.stringify(figures)}`)
  } finally {
    connection.closeSync()
  }
}

function isDate(text: string): boolean {
  try {
    partitionDate(text)
    return true
  } catch {
    return false
  }
}
