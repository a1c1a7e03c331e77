/**
 * The durable record of backfills in the lakehouse itself (ops.backfills, ops.backfill_partitions,
 * created by bootstrap): written and read through the SQL warehouse with statement parameters only, in
 * SQL both Databricks and the local workspace run. One writer per ledger: its statements run one at a
 * time, in the order they were asked for, so a state never overtakes the one before it.
 */
import {LakectlError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {backoff} from '../databricks/retry.js'
import {runStatement, SqlError, type ParamValue, type StatementRequest} from '../databricks/sql.js'
import type {BackfillLayer, BackfillMode, PartitionOrder} from './partitions.js'

export type BackfillState = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled'
export type PartitionState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled'

export interface BackfillRecord {
  backfill_id: string
  layer: BackfillLayer
  mode: BackfillMode
  from_date: string
  to_date: string
  partition_order: PartitionOrder
  concurrency: number
  max_attempts: number
  downstream: boolean
  job_id: number | null
  requested_by: string | null
  state: BackfillState
  partitions: number
  succeeded: number
  failed: number
  skipped: number
  cancelled: number
  /** Epoch ms. */
  created_at: number
  updated_at: number
  ended_at: number | null
}

/** One attempt of one partition (a row of ops.backfill_partitions). */
export interface Attempt {
  layer: BackfillLayer
  partition_date: string
  attempt: number
  state: PartitionState
  run_id: number | null
  rows_before: number | null
  rows_after: number | null
  /** Epoch ms. */
  started_at: number | null
  ended_at: number | null
  error: string | null
}

export type AttemptChange = Partial<Pick<Attempt, 'state' | 'run_id' | 'rows_before' | 'rows_after' | 'started_at' | 'ended_at' | 'error'>>

/** The layer table whose rows a partition's row counts are. */
const TARGETS: Record<BackfillLayer, string> = {silver: 'silver.customer_events_cleaned', gold: 'gold.customer_behavior_daily'}
const ATTEMPT_COLUMNS = ['state', 'run_id', 'rows_before', 'rows_after', 'started_at', 'ended_at', 'error'] as const
const ATTEMPT_TYPES: Record<(typeof ATTEMPT_COLUMNS)[number], string> = {
  state: 'STRING',
  run_id: 'BIGINT',
  rows_before: 'BIGINT',
  rows_after: 'BIGINT',
  started_at: 'TIMESTAMP',
  ended_at: 'TIMESTAMP',
  error: 'STRING',
}
/** Pending rows inserted per statement. */
const INSERT_CHUNK = 200
/** A Delta commit that lost to a concurrent writer (another lakectl) is simply run again. */
const CONFLICT = /DELTA_CONCURRENT|Concurrent(Append|DeleteRead|DeleteDelete|Transaction)Exception|Conflict on update/i
const ATTEMPTS_ON_CONFLICT = 4
const LEDGER_WAIT_SECONDS = 10

export class Ledger {
  private tail: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly client: DatabricksClient,
    readonly options: {warehouseId: string; catalog: string},
  ) {}

  /** The same ledger on a client without the Ctrl-C signal, to record an interrupt. */
  detached(): Ledger {
    return new Ledger(this.client.detached(), this.options)
  }

  /** `catalog`.`schema`.`table` of a schema.table name. */
  private table(name: string): string {
    return quoteName(`${this.options.catalog}.${name}`)
  }

  async create(record: BackfillRecord, pending: Array<Pick<Attempt, 'layer' | 'partition_date'>>): Promise<void> {
    await this.write(
      `INSERT INTO ${this.table('ops.backfills')} (backfill_id, layer, mode, from_date, to_date, partition_order, concurrency, max_attempts, downstream,
         job_id, requested_by, state, partitions, succeeded, failed, skipped, cancelled, created_at, updated_at, ended_at)
       VALUES (:id, :layer, :mode, :from_date, :to_date, :partition_order, :concurrency, :max_attempts, :downstream,
         :job_id, :requested_by, :state, :partitions, 0, 0, 0, 0, :created_at, :created_at, NULL)`,
      {
        id: record.backfill_id,
        layer: record.layer,
        mode: record.mode,
        from_date: date(record.from_date),
        to_date: date(record.to_date),
        partition_order: record.partition_order,
        concurrency: {value: record.concurrency, type: 'INT'},
        max_attempts: {value: record.max_attempts, type: 'INT'},
        downstream: record.downstream,
        job_id: {value: record.job_id, type: 'BIGINT'},
        requested_by: {value: record.requested_by, type: 'STRING'},
        state: record.state,
        partitions: record.partitions,
        created_at: timestamp(record.created_at),
      },
      {settle: () => this.holds('ops.backfills', 'backfill_id = :id', {id: record.backfill_id}, 1)},
    )
    await this.addPending(record.backfill_id, pending, 1)
  }

  /** Rows in state pending for partitions about to be tried (attempt `attempt`). */
  async addPending(backfillId: string, partitions: Array<Pick<Attempt, 'layer' | 'partition_date'> & {attempt?: number}>, attempt = 1): Promise<void> {
    for (let start = 0; start < partitions.length; start += INSERT_CHUNK) {
      const chunk = partitions.slice(start, start + INSERT_CHUNK)
      const keys: Record<string, ParamValue> = {id: backfillId}
      const rows = chunk.map((partition, i) => {
        keys[`l${i}`] = partition.layer
        keys[`d${i}`] = date(partition.partition_date)
        keys[`a${i}`] = {value: partition.attempt ?? attempt, type: 'INT'}
        return `(:id, :l${i}, :d${i}, :a${i}, 'pending', :now)`
      })
      const match = `backfill_id = :id AND (${chunk.map((_, i) => `(layer = :l${i} AND partition_date = :d${i} AND attempt = :a${i})`).join(' OR ')})`
      await this.write(
        `INSERT INTO ${this.table('ops.backfill_partitions')} (backfill_id, layer, partition_date, attempt, state, updated_at) VALUES ${rows.join(', ')}`,
        {...keys, now: timestamp(Date.now())},
        {settle: () => this.holds('ops.backfill_partitions', match, keys, chunk.length)},
      )
    }
  }

  async updateAttempt(backfillId: string, key: Pick<Attempt, 'layer' | 'partition_date' | 'attempt'>, change: AttemptChange): Promise<void> {
    const columns = ATTEMPT_COLUMNS.filter((column) => column in change)
    const parameters: Record<string, ParamValue> = {
      id: backfillId,
      layer: key.layer,
      day: date(key.partition_date),
      attempt: {value: key.attempt, type: 'INT'},
      now: timestamp(Date.now()),
    }
    for (const column of columns) {
      const value = change[column] ?? null
      parameters[column] = {value: ATTEMPT_TYPES[column] === 'TIMESTAMP' && value !== null ? isoTimestamp(value as number) : (value as string | number | null), type: ATTEMPT_TYPES[column]}
    }
    await this.write(
      `UPDATE ${this.table('ops.backfill_partitions')} SET ${[...columns.map((column) => `${column} = :${column}`), 'updated_at = :now'].join(', ')}
       WHERE backfill_id = :id AND layer = :layer AND partition_date = :day AND attempt = :attempt`,
      parameters,
      {idempotent: true},
    )
  }

  async updateBackfill(backfillId: string, change: Pick<BackfillRecord, 'state' | 'partitions' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'ended_at'>): Promise<void> {
    await this.write(
      `UPDATE ${this.table('ops.backfills')} SET state = :state, partitions = :partitions, succeeded = :succeeded, failed = :failed, skipped = :skipped,
         cancelled = :cancelled, ended_at = :ended_at, updated_at = :now
       WHERE backfill_id = :id`,
      {
        id: backfillId,
        state: change.state,
        partitions: change.partitions,
        succeeded: change.succeeded,
        failed: change.failed,
        skipped: change.skipped,
        cancelled: change.cancelled,
        ended_at: {value: change.ended_at === null ? null : isoTimestamp(change.ended_at), type: 'TIMESTAMP'},
        now: timestamp(Date.now()),
      },
      {idempotent: true},
    )
  }

  /** The backfill and every attempt of it, or undefined when the ledger has no such id. */
  async load(backfillId: string): Promise<{record: BackfillRecord; attempts: Attempt[]} | undefined> {
    const [records, attempts] = await Promise.all([
      this.read(`SELECT * FROM ${this.table('ops.backfills')} WHERE backfill_id = :id`, {id: backfillId}),
      this.read(`SELECT * FROM ${this.table('ops.backfill_partitions')} WHERE backfill_id = :id ORDER BY partition_date, layer, attempt`, {id: backfillId}),
    ])
    if (records.length === 0) return undefined
    return {record: toRecord(records[0]), attempts: attempts.map(toAttempt)}
  }

  /** The newest backfills first. */
  async list(limit: number): Promise<BackfillRecord[]> {
    const rows = await this.read(`SELECT * FROM ${this.table('ops.backfills')} ORDER BY created_at DESC, backfill_id DESC LIMIT :limit`, {limit: {value: limit, type: 'INT'}})
    return rows.map(toRecord)
  }

  /** Rows of one partition of a layer's table now (the row counts of a partition's attempts). */
  async countPartition(layer: BackfillLayer, day: string): Promise<number> {
    const [row] = await this.read(`SELECT count(*) AS n FROM ${this.table(TARGETS[layer])} WHERE event_date = :day`, {day: date(day)})
    return Number(row?.n ?? 0)
  }

  /**
   * The ledger's statements are short: the first request waits for the result (no poll round trip per
   * write, which a partition makes four of). Ctrl-C then cannot cancel a statement in flight; it ends
   * on its own, and an interrupted backfill reads the record back to see whether it landed.
   */
  private read(statement: string, parameters: Record<string, ParamValue>): Promise<Array<Record<string, unknown>>> {
    return this.withRetry(async () => (await runStatement(this.client, {statement, parameters, warehouseId: this.options.warehouseId, waitSeconds: LEDGER_WAIT_SECONDS})).rows)
  }

  /**
   * An INSERT whose outcome is unknown: did it land? All of its `rows` rows there means done, none means
   * absent (submitted again); some of them means another writer, which the ledger does not expect.
   */
  private async holds(table: string, where: string, parameters: Record<string, ParamValue>, rows: number): Promise<boolean> {
    const [row] = await this.read(`SELECT count(*) AS n FROM ${this.table(table)} WHERE ${where}`, parameters)
    const n = Number(row?.n ?? 0)
    if (n === rows || n === 0) return n === rows
    throw new LakectlError(`${this.options.catalog}.${table} holds ${n} of the ${rows} rows of an INSERT whose outcome is unknown.`, {code: 'OUTCOME_UNKNOWN', hint: 'lakectl backfill status'})
  }

  /**
   * Queued behind the ledger's earlier writes. An UPDATE sets fixed values (idempotent: sent again after
   * an unknown outcome); an INSERT is settled by reading its rows back.
   */
  private write(statement: string, parameters: Record<string, ParamValue>, safety: Pick<StatementRequest, 'idempotent' | 'settle'>): Promise<void> {
    const next = this.tail.then(() => this.withRetry(() => runStatement(this.client, {statement, parameters, warehouseId: this.options.warehouseId, waitSeconds: LEDGER_WAIT_SECONDS, ...safety})))
    this.tail = next.catch(() => undefined)
    return next.then(() => undefined)
  }

  private async withRetry<T>(statement: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await statement()
      } catch (error) {
        if (attempt >= ATTEMPTS_ON_CONFLICT || !(error instanceof SqlError) || !CONFLICT.test(error.message)) throw missingTable(error)
        await this.client.sleep(backoff(attempt, {baseDelayMs: 200, maxDelayMs: 2000}))
      }
    }
  }
}

/** A ledger table that does not exist yet: bootstrap creates it. */
function missingTable(error: unknown): unknown {
  if (error instanceof SqlError && /TABLE_OR_VIEW_NOT_FOUND|does not exist|not found/i.test(error.message) && /backfill/i.test(error.message)) {
    return new LakectlError(`The backfill record is missing from the lakehouse: ${error.message}`, {code: 'LEDGER_MISSING', hint: 'lakectl bootstrap --yes   (creates ops.backfills and ops.backfill_partitions)', cause: error})
  }
  return error
}

function date(value: string): ParamValue {
  return {value, type: 'DATE'}
}

function isoTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '')
}

function timestamp(epochMs: number): ParamValue {
  return {value: isoTimestamp(epochMs), type: 'TIMESTAMP'}
}

function epoch(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null
  const text = String(value)
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`)
  return Number.isNaN(ms) ? null : ms
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value)
}

function toRecord(row: Record<string, unknown>): BackfillRecord {
  return {
    backfill_id: String(row.backfill_id),
    layer: row.layer as BackfillLayer,
    mode: row.mode as BackfillMode,
    from_date: String(row.from_date),
    to_date: String(row.to_date),
    partition_order: row.partition_order as PartitionOrder,
    concurrency: Number(row.concurrency),
    max_attempts: Number(row.max_attempts),
    downstream: row.downstream === true || row.downstream === 'true',
    job_id: numberOrNull(row.job_id),
    requested_by: row.requested_by === null ? null : String(row.requested_by),
    state: row.state as BackfillState,
    partitions: Number(row.partitions ?? 0),
    succeeded: Number(row.succeeded ?? 0),
    failed: Number(row.failed ?? 0),
    skipped: Number(row.skipped ?? 0),
    cancelled: Number(row.cancelled ?? 0),
    created_at: epoch(row.created_at) ?? 0,
    updated_at: epoch(row.updated_at) ?? 0,
    ended_at: epoch(row.ended_at),
  }
}

function toAttempt(row: Record<string, unknown>): Attempt {
  return {
    layer: row.layer as BackfillLayer,
    partition_date: String(row.partition_date),
    attempt: Number(row.attempt),
    state: row.state as PartitionState,
    run_id: numberOrNull(row.run_id),
    rows_before: numberOrNull(row.rows_before),
    rows_after: numberOrNull(row.rows_after),
    started_at: epoch(row.started_at),
    ended_at: epoch(row.ended_at),
    error: row.error === null || row.error === undefined ? null : String(row.error),
  }
}
