/**
 * The three streams on local Spark as on Databricks: a Kafka topic, the lakehouse's tables, and the
 * Bronze, Silver and Gold runners started from their job templates, with waits on what the tables say.
 */
import {existsSync, mkdirSync, readdirSync} from 'node:fs'
import path from 'node:path'

import {waitFor} from '../../engine/helpers.js'
import {DeltaReader} from './delta.js'
import {startKafka, type Kafka} from './kafka.js'
import {bootstrapTables, CATALOG, createLakehouse, startJob, TOPIC, type Lakehouse} from './lakehouse.js'
import type {Managed} from './processes.js'
import {failureExcerpt} from './spark.js'

export const STREAMS = ['bronze', 'silver', 'gold'] as const
export type Stream = (typeof STREAMS)[number]

export interface StreamOptions {
  /** Bronze's maxOffsetsPerTrigger (and so the size of every batch downstream). */
  maxOffsetsPerTrigger?: number
  /**
   * Silver's and Gold's maxFilesPerTrigger (Delta files of the upstream table per batch). Each Silver
   * batch writes one file per event date it touches, so Gold needs a larger limit than Silver for the
   * same number of batches.
   */
  maxFilesPerTrigger?: Partial<Record<'silver' | 'gold', number>>
  triggerSeconds?: number
}

export class SparkPipeline {
  readonly drivers: Partial<Record<Stream, Managed>> = {}

  private constructor(
    readonly dir: string,
    readonly kafka: Kafka,
    readonly lakehouse: Lakehouse,
    readonly reader: DeltaReader,
    private readonly options: StreamOptions,
  ) {}

  /** A broker with the topic, and the lakehouse's tables created; no stream runs yet. */
  static async create(dir: string, options: StreamOptions & {partitions?: number; mlflowUri?: string; servedAlias?: string} = {}): Promise<SparkPipeline> {
    mkdirSync(dir, {recursive: true})
    const kafka = await startKafka(path.join(dir, 'kafka'))
    const lakehouse = createLakehouse(path.join(dir, 'spark'), {kafka, mlflowUri: options.mlflowUri, servedAlias: options.servedAlias})
    await Promise.all([kafka.createTopic(TOPIC, options.partitions ?? 3), bootstrapTables(lakehouse)])
    return new SparkPipeline(dir, kafka, lakehouse, await DeltaReader.open(lakehouse.site.warehouse), options)
  }

  get warehouse(): string {
    return this.lakehouse.site.warehouse
  }

  /** Starts a stream's runner with its job template's parameters (plus the tier's broker settings). */
  start(stream: Stream, env: Record<string, string> = {}): Managed {
    const extra =
      stream === 'bronze'
        ? ['--security-protocol', 'SASL_PLAINTEXT', '--sasl-mechanism', 'PLAIN', ...(this.options.maxOffsetsPerTrigger ? ['--max-offsets-per-trigger', String(this.options.maxOffsetsPerTrigger)] : [])]
        : this.options.maxFilesPerTrigger?.[stream]
          ? ['--max-files-per-trigger', String(this.options.maxFilesPerTrigger[stream])]
          : []
    const driver = startJob(this.lakehouse, stream, {bootstrapServers: this.kafka.bootstrap, triggerSeconds: this.options.triggerSeconds ?? 1}, extra, stream, env)
    this.drivers[stream] = driver
    return driver
  }

  startAll(): void {
    for (const stream of STREAMS) this.start(stream)
  }

  /** Fails at once when a stream's driver has died (a failed batch ends the query and the driver). */
  assertRunning(): void {
    for (const [stream, driver] of Object.entries(this.drivers)) {
      if (driver && !driver.running) throw new Error(`the ${stream} stream's driver exited: ${failureExcerpt(driver.output())}`)
    }
  }

  /** Batch ids in a stream's checkpoint: planned (offsets/) or done (commits/). */
  checkpointBatches(stream: Stream, kind: 'offsets' | 'commits'): number[] {
    const folder = path.join(this.lakehouse.site.volumesRoot, CATALOG, 'ops', 'checkpoints', stream, kind)
    return existsSync(folder) ? readdirSync(folder).filter((f) => /^\d+$/.test(f)).map(Number) : []
  }

  /** No batch of the stream is under way: its last planned batch is committed. */
  idle(stream: Stream): boolean {
    return Math.max(-1, ...this.checkpointBatches(stream, 'offsets')) === Math.max(-1, ...this.checkpointBatches(stream, 'commits'))
  }

  /** Sums the tables report: Kafka records in Bronze, Silver's input, Silver's rows and Gold's input. */
  async progress(): Promise<{bronze: number; silverIn: number; silverRows: number; goldIn: number}> {
    const [row] = await this.reader.rows(`SELECT
      (SELECT count(*) FROM {bronze.customer_events_raw}) AS bronze,
      (SELECT count(*) FROM {silver.customer_events_cleaned}) AS silver_rows,
      (SELECT coalesce(sum(q.rows_in), 0) FROM {ops.quality_metrics} AS q WHERE q.stream = 'silver' AND q.table_name = 'silver.customer_events_cleaned') AS silver_in,
      (SELECT coalesce(sum(q.rows_in), 0) FROM {ops.quality_metrics} AS q WHERE q.stream = 'gold' AND q.table_name = 'gold.customer_behavior_daily') AS gold_in`)
    return row ? {bronze: Number(row.bronze), silverIn: Number(row.silver_in), silverRows: Number(row.silver_rows), goldIn: Number(row.gold_in)} : {bronze: 0, silverIn: 0, silverRows: 0, goldIn: 0}
  }

  /**
   * Waits until every layer has processed the `produced` records (the drivers must stay up): the figures
   * say so and no Silver or Gold batch is under way (a batch appends its figures before its data).
   */
  async waitCaughtUp(produced: number, timeoutMs = 600_000): Promise<void> {
    // Reading the tables replays their Delta logs and scans their files, which costs CPU the drivers
    // need: only when no batch is under way (a look at the checkpoints), and at most once a second.
    await waitFor(
      `the Spark streams to process ${produced} records`,
      async () => {
        this.assertRunning()
        if (!(this.idle('silver') && this.idle('gold'))) return undefined
        const p = await this.progress().catch(() => undefined)
        return p && p.bronze === produced && p.silverIn === produced && p.goldIn === p.silverRows && this.idle('silver') && this.idle('gold') ? true : undefined
      },
      timeoutMs,
      1_000,
    )
  }

  async stopStreams(): Promise<void> {
    for (const stream of [...STREAMS].reverse()) await this.drivers[stream]?.stop()
  }

  async close(): Promise<void> {
    await this.stopStreams()
    await this.kafka.stop()
    this.reader.close()
  }
}
