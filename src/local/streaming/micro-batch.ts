/**
 * The micro-batch loop every streaming layer shares, modelled on Spark's ProcessingTime trigger: each
 * trigger plans a batch from the checkpoint to what the upstream holds (capped at maxBatchRows), runs
 * it, and commits the batch's writes, its ops.stream_progress row and the new checkpoint in ONE DuckDB
 * transaction: exactly once, whatever kills the process. A batch that hit the cap is followed at once
 * (catching up); otherwise the next trigger waits for the interval. With nothing new the loop idles,
 * writing a heartbeat progress row at most every heartbeatMs, and it stops at the first trigger after
 * its signal aborts (a running batch completes and commits first).
 */
import {randomUUID} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'

import type {DuckDBConnection} from '@duckdb/node-api'

import {assertIdentifier} from '../../databricks/identifiers.js'
import {buildStreamProgress, insertStreamProgress} from '../../pipeline/index.js'
import type {Engine} from '../engine/engine.js'
import type {TaskContext} from '../jobs/executors.js'
import {ensureCheckpointTable, initialCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint} from './checkpoints.js'
import {openPipelineConnection} from './pipeline-connection.js'
import {withWriteLock} from './write-locks.js'

export interface StreamSettings {
  catalog: string
  triggerMs: number
  maxBatchRows: number
  heartbeatMs: number
}

/** The batch a layer will run next. */
export interface BatchPlan {
  /** Offsets after the batch (the next checkpoint). */
  end: unknown
  /** The upstream's high-water mark when planned (Spark's latestOffset). */
  latest: unknown
  /** Rows the batch reads. */
  rows: number
  /** Upstream rows still unread after this batch. */
  behindAfter: number
  /** The batch stopped at maxBatchRows: the next one starts without waiting. */
  full: boolean
}

export interface BatchWritten {
  inputRows: number
  outputRows: number
  maxEventTime: Date | null
  /** Newest event or ingest time read: the progress row's ingest lag is measured from it. */
  newestInputTime: Date | null
}

/** What differs between Bronze, Silver and Gold. */
export interface LayerSource {
  readonly stream: string
  readonly sourceDescription: string
  readonly sinkDescription: string
  /** Tables (schema.table) the layer reads or writes: checked before the stream starts. */
  readonly tables: readonly string[]
  /** The stream whose committed batches this one reads (its commits wake this stream when idle). */
  readonly upstream?: string
  /** Where a stream without a checkpoint starts. */
  initialOffsets(connection: DuckDBConnection): Promise<unknown>
  /** The next batch after `from`, or the upstream's high-water mark alone when there is nothing new. */
  plan(connection: DuckDBConnection, from: unknown): Promise<BatchPlan | {latest: unknown}>
  /** Runs before the batch's transaction begins (e.g. to switch the sentiment model). */
  beforeBatch?(connection: DuckDBConnection): Promise<void>
  /**
   * Scratch work of the planned batch that may run before its transaction: presenting input rows that
   * are committed and never change (below the upstream's checkpoint) and the steps computed from them
   * alone. Nothing durable: the batch's writes, progress row and checkpoint still commit together.
   */
  prepare?(connection: DuckDBConnection, plan: BatchPlan, batchId: number): Promise<void>
  /** The batch's writes, inside the loop's transaction. */
  write(connection: DuckDBConnection, plan: BatchPlan, batchId: number): Promise<BatchWritten>
}

/** Settings from the task's arguments (`--catalog`, `--trigger-seconds`) and the workspace's limits. */
export function streamSettings(ctx: TaskContext): StreamSettings {
  const catalog = ctx.parameters.catalog
  if (!catalog) throw new Error('the task has no --catalog parameter')
  assertIdentifier(catalog, 'catalog name')
  const trigger = Number(ctx.parameters['trigger-seconds'] ?? '1')
  if (!(trigger >= 0)) throw new Error(`--trigger-seconds must be a number >= 0, got '${ctx.parameters['trigger-seconds']}'`)
  const {streamMaxBatchRows, streamHeartbeatMs} = ctx.services.limits
  return {catalog, triggerMs: trigger * 1000, maxBatchRows: streamMaxBatchRows, heartbeatMs: streamHeartbeatMs}
}

export async function runStream(ctx: TaskContext, source: LayerSource, settings: StreamSettings): Promise<void> {
  const {engine, catalog: unityCatalog} = ctx.services
  const {catalog} = settings
  for (const table of source.tables) {
    if (!(await unityCatalog.tableExists(`${catalog}.${table}`))) throw new Error(`table ${catalog}.${table} does not exist (run lakectl bootstrap first)`)
  }
  await ensureCheckpointTable(engine, catalog)
  const connection = await openPipelineConnection(engine)
  try {
    let checkpoint: Checkpoint = (await readCheckpoint(connection, catalog, source.stream)) ?? initialCheckpoint(source.stream, await source.initialOffsets(connection))
    ctx.log(`${source.stream} stream starts after batch ${checkpoint.batchId} at ${JSON.stringify(checkpoint.offsets)}`)
    const runId = randomUUID()
    let previousTrigger: Date | null = null
    let lastProgressAt = Date.now()
    const upstream = source.upstream === undefined ? undefined : commitClock(engine, catalog, source.upstream)
    while (!ctx.signal.aborted) {
      const triggerStart = new Date()
      const upstreamCommits = upstream?.count ?? 0
      const plan = await source.plan(connection, checkpoint.offsets)
      const planMs = Date.now() - triggerStart.getTime()
      if (!('end' in plan)) {
        if (checkpoint.batchId >= 0 && Date.now() - lastProgressAt >= settings.heartbeatMs) {
          await insertProgress(connection, settings, source, checkpoint, runId, {
            batchId: checkpoint.batchId,
            triggerStart,
            previousTrigger,
            durationMs: planMs,
            durations: {latestOffset: planMs},
            latest: plan.latest,
            end: checkpoint.offsets,
            behind: 0,
            written: {inputRows: 0, outputRows: 0, maxEventTime: null, newestInputTime: null},
          })
          lastProgressAt = Date.now()
        }
        // Idle: the next trigger, or sooner when the upstream commits a batch (no batch starts sooner
        // than one trigger interval after the previous batch started, as with a ProcessingTime trigger).
        if (!upstream) await pause(settings.triggerMs, ctx.signal)
        else if (await upstream.waitAfter(upstreamCommits, settings.triggerMs, ctx.signal)) {
          await pause((previousTrigger?.getTime() ?? 0) + settings.triggerMs - Date.now(), ctx.signal)
        }
        continue
      }
      if (ctx.services.streamFaults.isStalled(source.stream)) {
        // A stalled source: the trigger reads nothing though records wait, and says so in its progress.
        const behind = plan.rows + plan.behindAfter
        const written = {inputRows: 0, outputRows: 0, maxEventTime: null, newestInputTime: null}
        await insertProgress(connection, settings, source, checkpoint, runId, {batchId: checkpoint.batchId, triggerStart, previousTrigger, durationMs: planMs, durations: {latestOffset: planMs}, latest: plan.latest, end: checkpoint.offsets, behind, written})
        lastProgressAt = Date.now()
        await pause(settings.triggerMs, ctx.signal)
        continue
      }
      await source.beforeBatch?.(connection)
      const next: Checkpoint = {...checkpoint, batchId: checkpoint.batchId + 1, offsets: plan.end}
      const writeStart = Date.now()
      await pause(ctx.services.streamFaults.delayMs(source.stream), ctx.signal)
      await source.prepare?.(connection, plan, next.batchId)
      await withWriteLock(engine, catalog, source.stream, async () => {
        await connection.run('BEGIN TRANSACTION')
        try {
          const written = await source.write(connection, plan, next.batchId)
          const writeMs = Date.now() - writeStart
          await insertProgress(connection, settings, source, checkpoint, runId, {
            batchId: next.batchId,
            triggerStart,
            previousTrigger,
            durationMs: Date.now() - triggerStart.getTime(),
            durations: {latestOffset: planMs, addBatch: writeMs},
            latest: plan.latest,
            end: plan.end,
            behind: plan.behindAfter,
            written,
          })
          await writeCheckpoint(connection, catalog, next)
          await connection.run('COMMIT')
        } catch (error) {
          await connection.run('ROLLBACK').catch(() => undefined)
          throw error
        }
      })
      await ctx.services.lineage.afterBatch(ctx, source.stream, catalog)
      commitClock(engine, catalog, source.stream).tick()
      checkpoint = next
      previousTrigger = triggerStart
      lastProgressAt = Date.now()
      if (!plan.full) await pause(triggerStart.getTime() + settings.triggerMs - Date.now(), ctx.signal)
    }
    ctx.log(`${source.stream} stream stopped after batch ${checkpoint.batchId}`)
  } finally {
    connection.closeSync()
  }
}

interface ProgressInput {
  batchId: number
  triggerStart: Date
  previousTrigger: Date | null
  durationMs: number
  durations: Record<string, number>
  latest: unknown
  end: unknown
  behind: number
  written: BatchWritten
}

async function insertProgress(
  connection: DuckDBConnection,
  settings: StreamSettings,
  source: LayerSource,
  checkpoint: Checkpoint,
  runId: string,
  input: ProgressInput,
): Promise<void> {
  const {row} = buildStreamProgress({
    stream: source.stream,
    name: source.stream,
    queryId: checkpoint.queryId,
    runId,
    batchId: input.batchId,
    triggerStart: input.triggerStart,
    previousTriggerStart: input.previousTrigger,
    durationMs: input.durationMs,
    durations: input.durations,
    numInputRows: input.written.inputRows,
    numOutputRows: input.written.outputRows,
    source: {description: source.sourceDescription, startOffset: checkpoint.batchId < 0 ? null : checkpoint.offsets, endOffset: input.end, latestOffset: input.latest},
    sinkDescription: source.sinkDescription,
    offsetsBehindLatest: input.behind,
    maxEventTime: input.written.maxEventTime,
    newestInputTime: input.written.newestInputTime,
  })
  await insertStreamProgress(connection, settings.catalog, row)
}

/**
 * Counts a stream's committed batches in this process, so a downstream stream idling on its trigger
 * can start as soon as there is something to read instead of at its next poll (up to a trigger
 * interval per layer of added lag). Only a hint: streams still read the committed checkpoints.
 */
class CommitClock {
  count = 0
  private readonly waiters = new Set<() => void>()

  tick(): void {
    this.count++
    for (const wake of this.waiters) wake()
    this.waiters.clear()
  }

  /** Waits up to ms for a commit after the `seen` count; true when one came (at once if it already did). */
  async waitAfter(seen: number, ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.count > seen) return true
    if (ms <= 0 || signal.aborted) return false
    const wake = new AbortController()
    const resolve = (): void => wake.abort()
    this.waiters.add(resolve)
    try {
      await sleep(ms, undefined, {signal: AbortSignal.any([signal, wake.signal])}).catch(() => undefined)
    } finally {
      this.waiters.delete(resolve)
    }
    return this.count > seen
  }
}

const clocks = new WeakMap<Engine, Map<string, CommitClock>>()

function commitClock(engine: Engine, catalog: string, stream: string): CommitClock {
  let byStream = clocks.get(engine)
  if (!byStream) clocks.set(engine, (byStream = new Map()))
  const key = `${catalog}.${stream}`
  let clock = byStream.get(key)
  if (!clock) byStream.set(key, (clock = new CommitClock()))
  return clock
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms > 0 && !signal.aborted) await sleep(ms, undefined, {signal}).catch(() => undefined)
}

/** Offsets per topic and partition, as Spark's Kafka source writes them. */
export type TopicOffsets = Record<string, Record<string, number>>

/**
 * The ranges from `from` up to `latest` per partition, each partition capped at an equal share of
 * maxRows; partitions absent from `from` start at 0.
 */
export function offsetRanges(from: TopicOffsets, latest: TopicOffsets, maxRows: number): {end: TopicOffsets; ranges: Array<{topic: string; partition: number; startOffset: number; endOffset: number}>; rows: number; behind: number; full: boolean} {
  const partitions = Object.values(latest).reduce((n, p) => n + Object.keys(p).length, 0)
  const quota = Math.max(1, Math.ceil(maxRows / Math.max(1, partitions)))
  const end: TopicOffsets = {}
  const ranges = []
  let rows = 0
  let behind = 0
  let full = false
  for (const [topic, ends] of Object.entries(latest)) {
    end[topic] = {}
    for (const [partition, latestOffset] of Object.entries(ends)) {
      const startOffset = from[topic]?.[partition] ?? 0
      const endOffset = Math.max(startOffset, Math.min(latestOffset, startOffset + quota))
      end[topic][partition] = endOffset
      if (endOffset > startOffset) ranges.push({topic, partition: Number(partition), startOffset, endOffset})
      rows += endOffset - startOffset
      behind += Math.max(0, latestOffset - endOffset)
      if (endOffset < latestOffset) full = true
    }
  }
  return {end, ranges, rows, behind, full}
}
