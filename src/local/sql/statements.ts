/**
 * The Statement Execution API's life cycle (reference 5.1): each statement runs asynchronously on a
 * pooled DuckDB connection (PENDING -> RUNNING -> SUCCEEDED | FAILED | CANCELED); execute waits up to
 * `wait_timeout` for it; results are kept in chunks for an hour, then the statement is CLOSED.
 */
import {randomUUID} from 'node:crypto'

import type {DuckDBConnection} from '@duckdb/node-api'

import {ApiError, invalidParameter, notFound} from '../http/errors.js'
import {executeStatement, type ExecutionContext, type Session, type StatementParameter} from './execute.js'
import {statementError, type StatementError} from './errors.js'
import {ResultBuilder, type ChunkLimits, type StatementResult} from './results.js'
import type {Warehouse} from './warehouse.js'

type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED'

const RESULT_TTL_MS = 60 * 60 * 1000
const MAX_KEPT_STATEMENTS = 1000
/** Results kept in memory at most; beyond it the oldest are CLOSED early. */
const MAX_KEPT_RESULT_BYTES = 256 * 1024 * 1024
/** Re-sent while a cancelled query keeps running: an interrupt that lands between queries is lost. */
const INTERRUPT_RETRY_MS = 50

export interface ExecuteRequest {
  statement: string
  session: Session
  parameters: StatementParameter[]
  waitMs: number
  cancelOnTimeout: boolean
  rowLimit?: number
}

class StatementRun {
  state: StatementState = 'PENDING'
  error?: StatementError
  result?: StatementResult
  connection?: DuckDBConnection
  finishedAt?: number
  cancelRequested = false
  readonly done: Promise<void>
  readonly canceled: Promise<void>
  private resolveDone!: () => void
  private resolveCanceled!: () => void

  constructor(readonly id: string) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
    this.canceled = new Promise((resolve) => (this.resolveCanceled = resolve))
  }

  get terminal(): boolean {
    return this.finishedAt !== undefined
  }

  requestCancel(): void {
    this.cancelRequested = true
    this.resolveCanceled()
  }

  finish(state: StatementState, details: {error?: StatementError; result?: StatementResult} = {}): void {
    this.state = state
    this.error = details.error
    this.result = details.result
    this.finishedAt = Date.now()
    this.resolveDone()
  }
}

export class Statements {
  private readonly runs = new Map<string, StatementRun>()

  constructor(
    private readonly context: ExecutionContext,
    private readonly warehouse: Warehouse,
    private readonly chunkLimits: ChunkLimits,
  ) {}

  async execute(request: ExecuteRequest): Promise<Record<string, unknown>> {
    this.expireOld()
    const run = new StatementRun(randomUUID())
    this.runs.set(run.id, run)
    void this.run(run, request)
    if (request.waitMs > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([run.done, new Promise((resolve) => (timer = setTimeout(resolve, request.waitMs)))])
      clearTimeout(timer)
      if (!run.terminal && request.cancelOnTimeout) {
        this.cancelRun(run)
        await run.done
      }
    }
    return this.response(run)
  }

  get(id: string): Record<string, unknown> {
    return this.response(this.find(id))
  }

  chunk(id: string, index: number): Record<string, unknown> {
    const run = this.find(id)
    if (run.state !== 'SUCCEEDED' || !run.result) throw new ApiError(400, 'INVALID_STATE', `Statement ${id} is in state ${run.state}; its result cannot be fetched.`)
    const count = run.result.chunks.length
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw invalidParameter(`Chunk index ${index} is out of range: the statement has ${count} chunk(s).`)
    }
    return this.chunkData(run, index)
  }

  cancel(id: string): void {
    this.cancelRun(this.find(id))
  }

  /** Cancels whatever runs (the warehouse is stopping). */
  cancelAll(): void {
    for (const run of this.runs.values()) if (!run.terminal) this.cancelRun(run)
  }

  /** Cancels running statements and waits for them to finish (before the engine closes). */
  async close(): Promise<void> {
    this.cancelAll()
    await Promise.all([...this.runs.values()].map((run) => run.done))
  }

  private find(id: string): StatementRun {
    const run = this.runs.get(id)
    if (!run) throw notFound('RESOURCE_DOES_NOT_EXIST', `Statement ${id} does not exist.`)
    return run
  }

  private cancelRun(run: StatementRun): void {
    if (run.terminal || run.cancelRequested) return
    run.requestCancel()
    const interrupt = () => run.connection?.interrupt()
    interrupt()
    const retry = setInterval(interrupt, INTERRUPT_RETRY_MS)
    void run.done.then(() => clearInterval(retry))
  }

  private async run(run: StatementRun, request: ExecuteRequest): Promise<void> {
    try {
      await Promise.race([this.warehouse.whenRunning(), run.canceled])
      if (run.cancelRequested) return run.finish('CANCELED')
      const acquiring = this.context.engine.pool.acquire()
      const connection = await Promise.race([acquiring, run.canceled.then(() => undefined)])
      if (!connection) {
        void acquiring.then((late) => this.context.engine.pool.release(late), () => undefined)
        return run.finish('CANCELED')
      }
      try {
        run.state = 'RUNNING'
        run.connection = connection
        const builder = new ResultBuilder(this.chunkLimits, request.rowLimit)
        const result = await executeStatement(this.context, connection, request.statement, request.session, request.parameters, builder)
        if (!run.cancelRequested) await this.context.lineage?.afterStatement(request.statement, request.session, run.id)
        run.finish(run.cancelRequested ? 'CANCELED' : 'SUCCEEDED', {result})
      } finally {
        run.connection = undefined
        this.context.engine.pool.release(connection)
      }
    } catch (error) {
      if (run.cancelRequested) run.finish('CANCELED')
      else run.finish('FAILED', {error: statementError(error, request.statement)})
    }
  }

  /**
   * Results live an hour after the statement ends, then it is CLOSED (earlier for the oldest when the
   * kept results outgrow their memory budget); the oldest statements are forgotten.
   */
  private expireOld(): void {
    const now = Date.now()
    let keptBytes = 0
    for (const run of [...this.runs.values()].reverse()) {
      if (run.state !== 'SUCCEEDED' || !run.result) continue
      keptBytes += run.result.chunks.reduce((sum, chunk) => sum + chunk.byte_count, 0)
      if (now - run.finishedAt! > RESULT_TTL_MS || keptBytes > MAX_KEPT_RESULT_BYTES) {
        run.state = 'CLOSED'
        run.result = undefined
      }
    }
    const finished = [...this.runs.values()].filter((run) => run.terminal)
    for (const run of finished.slice(0, Math.max(0, finished.length - MAX_KEPT_STATEMENTS))) this.runs.delete(run.id)
  }

  private response(run: StatementRun): Record<string, unknown> {
    const status = {
      state: run.state,
      ...(run.error ? {error: {error_code: run.error.error_code, message: run.error.message}, sql_state: run.error.sql_state} : {}),
    }
    if (run.state !== 'SUCCEEDED' || !run.result) return {statement_id: run.id, status}
    const result = run.result
    const manifest = {
      format: 'JSON_ARRAY',
      schema: {column_count: result.columns.length, ...(result.columns.length > 0 ? {columns: result.columns} : {})},
      total_row_count: result.totalRows,
      total_chunk_count: result.chunks.length,
      ...(result.chunks.length > 0
        ? {chunks: result.chunks.map(({chunk_index, row_offset, row_count, byte_count}) => ({chunk_index, row_offset, row_count, byte_count}))}
        : {}),
      truncated: result.truncated,
    }
    return {statement_id: run.id, status, manifest, result: result.chunks.length > 0 ? this.chunkData(run, 0) : {}}
  }

  private chunkData(run: StatementRun, index: number): Record<string, unknown> {
    const chunk = run.result!.chunks[index]
    const next = index + 1 < run.result!.chunks.length ? index + 1 : undefined
    return {
      chunk_index: chunk.chunk_index,
      row_offset: chunk.row_offset,
      row_count: chunk.row_count,
      data_array: chunk.data_array,
      ...(next === undefined ? {} : {next_chunk_index: next, next_chunk_internal_link: `/api/2.0/sql/statements/${run.id}/result/chunks/${next}`}),
    }
  }
}
