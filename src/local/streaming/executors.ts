/**
 * The built-in task executors of the streaming layers and the backfill, registered by the basename of
 * the PySpark runner each job template points at (resources/jobs/*.json).
 */
import {backfillBatchId, prepareLayerBatch, presentPartitionBatch, runLayerBatch} from '../../pipeline/index.js'
import {registerExecutor, type TaskContext} from '../jobs/executors.js'
import {bronzeSource, goldSource, silverSource} from './layers.js'
import {runStream, streamSettings} from './micro-batch.js'
import {openPipelineConnection, syncSentimentFunctions} from './pipeline-connection.js'

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
 * Re-runs one layer's manifest over one partition date (`--layer silver|gold --partition-date D`), in
 * one transaction, as batch -yyyymmdd of stream `<layer>_backfill`: re-running it changes nothing
 * (Silver inserts only absent events, Gold recomputes the touched keys, figures are kept once).
 */
async function runBackfill(ctx: TaskContext): Promise<void> {
  const {catalog, layer, 'partition-date': date} = ctx.parameters
  if (layer !== 'silver' && layer !== 'gold') throw new Error(`--layer must be silver or gold, got '${layer ?? ''}' (Bronze is the raw copy of the topic: replay the topic instead)`)
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new Error(`--partition-date must be a date YYYY-MM-DD, got '${date ?? ''}'`)
  const settings = streamSettings(ctx)
  const {engine, scoring} = ctx.services
  const connection = await openPipelineConnection(engine)
  try {
    if (layer === 'silver') await syncSentimentFunctions(engine, connection, scoring, ctx.parameters.model || undefined)
    // The partition's rows are read before the transaction (with the steps computed from them alone): the
    // transaction still decides what is written, from the tables as it sees them.
    const options = {catalog: settings.catalog, batchId: backfillBatchId(date), stream: `${layer}_backfill`}
    await presentPartitionBatch(connection, layer, settings.catalog, date)
    await prepareLayerBatch(connection, layer, options)
    await connection.run('BEGIN TRANSACTION')
    try {
      const figures = await runLayerBatch(connection, layer, {...options, ownTransaction: false, prepared: true})
      await connection.run('COMMIT')
      ctx.log(`backfilled ${layer} ${date} in ${catalog}: ${JSON.stringify(figures)}`)
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined)
      throw error
    }
  } finally {
    connection.closeSync()
  }
}
