/**
 * The fan-out: runs a backfill's partitions as runs of the backfill job, at most `concurrency` at once,
 * recording every state change in the ledger before it is reported. Each attempt of a partition is one
 * run-now with the idempotency token of (backfill, layer, partition, attempt), so a request retried after
 * a lost response, or re-sent by `resume` after lakectl was killed, finds the run it started instead of
 * starting another. A failed run is retried with backoff up to max_attempts; a failing partition never
 * stops the others. A partition that changed is followed by the next downstream layer for its date
 * (the layers come from lineage: src/backfill/downstream.ts).
 */
import {setTimeout as sleepFor} from 'node:timers/promises'

import {InterruptedError, LakectlError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {ApiError} from '../databricks/errors.js'
import {cancelRun, getRun, isActive, type Run} from '../databricks/jobs.js'
import {backoff} from '../databricks/retry.js'
import type {Attempt, BackfillRecord, BackfillState, Ledger, PartitionState} from './ledger.js'
import {idempotencyToken, layerTitle, type BackfillLayer, type BackfillMode} from './partitions.js'

/** One partition to run: a new attempt, or (resume) the attempt whose run is already going. */
export interface Task {
  layer: BackfillLayer
  partition_date: string
  attempt: number
  /** The run of this attempt when it was started before (resume adopts it instead of starting one). */
  run_id?: number | null
  rows_before?: number | null
  started_at?: number | null
  /** The last attempt number this run of lakectl may make for the partition. */
  last_attempt: number
}

export interface PartitionResult {
  layer: BackfillLayer
  partition_date: string
  state: PartitionState
  run_id: number | null
  attempts: number
  rows_before: number | null
  rows_after: number | null
  duration_seconds: number | null
  error: string | null
  /** `backfill status`: the life-cycle state of the run of a running partition, read live. */
  run_state?: string
}

export interface Counts {
  partitions: number
  succeeded: number
  failed: number
  skipped: number
  cancelled: number
  running: number
  pending: number
}

/**
 * How a command that drives a backfill stopped. finished: every partition reached a final state;
 * started (--no-wait), timed_out and interrupted: runs may still be going. recorded: `backfill status`
 * read the record and drove nothing.
 */
export type Outcome = 'finished' | 'started' | 'timed_out' | 'interrupted' | 'recorded'

/** A partition changed state (after the ledger recorded it). */
export interface PartitionEvent {
  layer: BackfillLayer
  partition_date: string
  state: PartitionState
  attempt: number
  run_id: number | null
  /** The run waits for a free slot of the job (QUEUED). */
  queued?: boolean
  /** The next attempt starts after this many ms (a failed attempt with attempts left). */
  retry_in_ms?: number
  error?: string | null
  counts: Counts
}

export interface RunOptions {
  jobId: number
  concurrency: number
  /** false (--no-wait): start the first partitions and return. */
  wait: boolean
  /** Epoch ms: stop waiting then (runs continue). */
  deadline?: number
  onEvent?: (event: PartitionEvent) => void
  /** The layers that follow the backfilled one, in order (empty: none). */
  downstream: BackfillLayer[]
  /** Backoff between the attempts of a partition. */
  retryDelay?: {baseDelayMs: number; maxDelayMs: number}
  /** Backoff between polls of a run: this share of its age, within bounds. */
  poll?: {minMs: number; maxMs: number; share: number}
}

const DEFAULT_RETRY = {baseDelayMs: 1000, maxDelayMs: 60_000}
const DEFAULT_POLL = {minMs: 50, maxMs: 5000, share: 0.05}

/** The mode a partition runs in: the backfill's for its own layer; Gold after Silver recomputes the date. */
export function modeFor(record: BackfillRecord, layer: BackfillLayer): BackfillMode {
  return layer === record.layer ? record.mode : 'replace'
}

export function partitionKey(layer: string, date: string): string {
  return `${layer}/${date}`
}

/** The latest attempt of every partition, in the backfill's order (the asked layer's dates, then Gold's). */
export function latestAttempts(attempts: Attempt[]): Map<string, Attempt> {
  const latest = new Map<string, Attempt>()
  for (const attempt of attempts) {
    const key = partitionKey(attempt.layer, attempt.partition_date)
    const seen = latest.get(key)
    if (!seen || attempt.attempt > seen.attempt) latest.set(key, attempt)
  }
  return latest
}

export function countsOf(latest: Iterable<Attempt>): Counts {
  const counts: Counts = {partitions: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0, running: 0, pending: 0}
  for (const attempt of latest) {
    counts.partitions++
    counts[attempt.state]++
  }
  return counts
}

/** The state a backfill is in once its driver stops with this outcome. */
export function stateAfter(outcome: Exclude<Outcome, 'recorded'>, counts: Counts): BackfillState {
  if (outcome === 'started') return 'running'
  if (outcome !== 'finished') return 'interrupted'
  if (counts.failed > 0) return 'failed'
  if (counts.cancelled > 0) return 'cancelled'
  return 'succeeded'
}

export function results(attempts: Attempt[]): PartitionResult[] {
  return [...latestAttempts(attempts).values()].map((attempt) => ({
    layer: attempt.layer,
    partition_date: attempt.partition_date,
    state: attempt.state,
    run_id: attempt.run_id,
    attempts: attempt.state === 'pending' || attempt.state === 'skipped' ? attempt.attempt - 1 : attempt.attempt,
    rows_before: attempt.rows_before,
    rows_after: attempt.rows_after,
    duration_seconds: attempt.started_at !== null && attempt.ended_at !== null ? (attempt.ended_at - attempt.started_at) / 1000 : null,
    error: attempt.error,
  }))
}

/**
 * Runs the tasks (and the Gold partitions that follow) and returns how it stopped, with every attempt
 * as the ledger now holds it. Ctrl-C stops it with outcome 'interrupted': runs continue, nothing is
 * cancelled here. An error the backfill cannot go on from (the job is gone, the ledger cannot be
 * written) is thrown after the partitions in flight have settled.
 */
export async function runPartitions(
  client: DatabricksClient,
  ledger: Ledger,
  record: BackfillRecord,
  known: Attempt[],
  tasks: Task[],
  options: RunOptions,
): Promise<{outcome: Exclude<Outcome, 'recorded'>; attempts: Attempt[]}> {
  const fanOut = new FanOut(client, ledger, record, known, options)
  const outcome = await fanOut.run(tasks)
  return {outcome, attempts: fanOut.attempts()}
}

interface Delayed {
  task: Task
  at: number
}

class FanOut {
  private readonly all: Attempt[]
  private readonly latest: Map<string, Attempt>
  private readonly ready: Task[] = []
  private readonly delayed: Delayed[] = []
  private readonly active = new Map<string, Promise<void>>()
  private readonly stop = new AbortController()
  private failure: unknown
  private readonly retry: {baseDelayMs: number; maxDelayMs: number}
  private readonly poll: {minMs: number; maxMs: number; share: number}

  constructor(
    private readonly client: DatabricksClient,
    private readonly ledger: Ledger,
    private readonly record: BackfillRecord,
    known: Attempt[],
    private readonly options: RunOptions,
  ) {
    this.all = known.map((attempt) => ({...attempt}))
    this.latest = latestAttempts(this.all)
    this.retry = options.retryDelay ?? DEFAULT_RETRY
    this.poll = options.poll ?? DEFAULT_POLL
  }

  attempts(): Attempt[] {
    return this.all
  }

  async run(tasks: Task[]): Promise<Exclude<Outcome, 'recorded'>> {
    this.ready.push(...tasks)
    let outcome: Exclude<Outcome, 'recorded'> = 'finished'
    try {
      for (;;) {
        this.fill()
        if (!this.options.wait) {
          outcome = 'started'
          break
        }
        if (this.active.size === 0 && this.ready.length === 0 && this.delayed.length === 0) break
        const now = Date.now()
        if (this.options.deadline !== undefined && now >= this.options.deadline) {
          outcome = 'timed_out'
          break
        }
        const wakeAt = Math.min(this.delayed.reduce((at, d) => Math.min(at, d.at), Infinity), this.options.deadline ?? Infinity)
        const timer = Number.isFinite(wakeAt) ? [this.sleep(Math.max(0, wakeAt - now)).catch(() => undefined)] : []
        await Promise.race([...this.active.values(), ...timer])
        if (this.client.signal?.aborted) throw new InterruptedError()
        if (this.failure) throw this.failure
      }
    } catch (error) {
      if (error instanceof InterruptedError) outcome = 'interrupted'
      else this.failure ??= error
    }
    // Stop polling (the runs go on) and let the attempts in flight record what they know.
    if (outcome === 'timed_out' || outcome === 'interrupted' || this.failure) this.stop.abort()
    await Promise.allSettled(this.active.values())
    if (this.failure && outcome !== 'interrupted') throw this.failure
    return outcome
  }

  /** Starts ready tasks (and due retries) while slots are free. */
  private fill(): void {
    const now = Date.now()
    for (let i = this.delayed.length - 1; i >= 0; i--) {
      if (this.delayed[i].at <= now) this.ready.push(...this.delayed.splice(i, 1).map((d) => d.task))
    }
    while (this.active.size < this.options.concurrency && this.ready.length > 0 && !this.failure) {
      const task = this.ready.shift()!
      const key = partitionKey(task.layer, task.partition_date)
      const work = this.runTask(task)
        .catch((error: unknown) => {
          if (!(error instanceof InterruptedError) && !this.stop.signal.aborted) this.failure ??= error
        })
        .finally(() => this.active.delete(key))
      this.active.set(key, work)
    }
  }

  private async runTask(task: Task): Promise<void> {
    const attempt = this.attemptOf(task)
    const mode = modeFor(this.record, task.layer)
    if (!task.run_id) {
      const rowsBefore = await this.ledger.countPartition(task.layer, task.partition_date)
      const runId = await this.startRun(task, mode)
      const startedAt = Date.now()
      await this.change(attempt, {state: 'running', run_id: runId, rows_before: rowsBefore, started_at: startedAt, error: null})
    } else if (attempt.state !== 'running') {
      await this.change(attempt, {state: 'running', run_id: task.run_id})
    }
    if (!this.options.wait) return
    const run = await this.awaitRun(attempt)
    if (!run) return
    const result = run.state.result_state
    if (result === 'SUCCESS') {
      const rowsAfter = await this.ledger.countPartition(task.layer, task.partition_date)
      await this.change(attempt, {state: 'succeeded', rows_after: rowsAfter, ended_at: run.end_time || Date.now(), error: null})
      await this.followDownstream(attempt)
    } else if (wasCancelled(run)) {
      await this.change(attempt, {state: 'cancelled', ended_at: run.end_time || Date.now(), error: runFailure(run)})
    } else {
      await this.fail(attempt, runFailure(run), task.last_attempt)
    }
  }

  /** A failed attempt: the next one after a backoff while attempts remain, else the partition failed. */
  private async fail(attempt: Attempt, error: string, lastAttempt: number): Promise<void> {
    const next = attempt.attempt + 1
    const retryInMs = next <= lastAttempt ? backoff(attempt.attempt, this.retry) : undefined
    await this.change(attempt, {state: 'failed', ended_at: Date.now(), error}, retryInMs)
    if (retryInMs === undefined) return
    const task: Task = {layer: attempt.layer, partition_date: attempt.partition_date, attempt: next, last_attempt: lastAttempt}
    await this.ledger.addPending(this.record.backfill_id, [{layer: task.layer, partition_date: task.partition_date, attempt: next}])
    this.track({...attempt, attempt: next, state: 'pending', run_id: null, rows_before: null, rows_after: null, started_at: null, ended_at: null, error: null})
    this.delayed.push({task, at: Date.now() + retryInMs})
  }

  /** The next downstream layer for the date of a partition that changed (replace recomputes it: always a change). */
  private async followDownstream(done: Attempt): Promise<void> {
    const layer = nextLayer(this.record.layer, this.options.downstream, done.layer)
    if (!layer) return
    const changed = modeFor(this.record, done.layer) === 'replace' || done.rows_after !== done.rows_before
    const existing = this.latest.get(partitionKey(layer, done.partition_date))
    const attempt = (existing?.attempt ?? 0) + (existing?.state === 'pending' ? 0 : 1)
    const next: Attempt = {layer, partition_date: done.partition_date, attempt, state: 'pending', run_id: null, rows_before: null, rows_after: null, started_at: null, ended_at: null, error: null}
    if (existing?.state !== 'pending') await this.ledger.addPending(this.record.backfill_id, [next])
    this.track(next)
    if (!changed) {
      await this.change(next, {state: 'skipped', error: `the ${layerTitle(done.layer)} partition did not change`})
      return
    }
    // The downstream partition of a date goes ahead of the dates still waiting.
    this.ready.unshift({layer, partition_date: done.partition_date, attempt, last_attempt: attempt + this.record.max_attempts - 1})
    this.fill()
  }

  /**
   * run-now with the attempt's token: idempotent, so the client's retry policy sends it again after an
   * unknown outcome (a reset, a 5xx) and the token makes the server answer with the run it started.
   */
  private async startRun(task: Task, mode: BackfillMode): Promise<number> {
    const body = {
      job_id: this.options.jobId,
      job_parameters: {layer: task.layer, partition_date: task.partition_date, mode},
      idempotency_token: idempotencyToken(this.record.backfill_id, task.layer, task.partition_date, task.attempt),
      // Runs of the job started elsewhere may hold its slots: wait for one instead of being skipped.
      queue: {enabled: true},
    }
    return (await this.client.post<{run_id: number}>('/api/2.2/jobs/run-now', body, {idempotent: true})).run_id
  }

  /** Polls the attempt's run until it ends; undefined when the backfill stopped waiting first. */
  private async awaitRun(attempt: Attempt): Promise<Run | undefined> {
    const since = Date.now()
    let queued: boolean | undefined
    for (;;) {
      if (this.stop.signal.aborted) return undefined
      let run: Run
      try {
        // A GET: the client's policy retries what is transient.
        run = await getRun(this.client, attempt.run_id!)
      } catch (error) {
        if (error instanceof ApiError && error.notFound) throw new LakectlError(`Run ${attempt.run_id} of ${attempt.layer} ${attempt.partition_date} no longer exists.`, {code: 'RUN_NOT_FOUND', cause: error})
        throw error
      }
      if (!isActive(run)) return run
      const isQueued = run.state.life_cycle_state === 'QUEUED'
      if (isQueued !== queued && (queued !== undefined || isQueued)) this.emit(attempt, {queued: isQueued})
      queued = isQueued
      await this.sleep(Math.min(this.poll.maxMs, Math.max(this.poll.minMs, (Date.now() - since) * this.poll.share)))
    }
  }

  private attemptOf(task: Task): Attempt {
    const key = partitionKey(task.layer, task.partition_date)
    const seen = this.latest.get(key)
    if (seen && seen.attempt === task.attempt) return seen
    const attempt: Attempt = {
      layer: task.layer,
      partition_date: task.partition_date,
      attempt: task.attempt,
      state: 'pending',
      run_id: task.run_id ?? null,
      rows_before: task.rows_before ?? null,
      rows_after: null,
      started_at: task.started_at ?? null,
      ended_at: null,
      error: null,
    }
    this.track(attempt)
    return attempt
  }

  private track(attempt: Attempt): void {
    this.all.push(attempt)
    this.latest.set(partitionKey(attempt.layer, attempt.partition_date), attempt)
  }

  /** Records the change, then applies and reports it. */
  private async change(attempt: Attempt, change: Partial<Attempt>, retryInMs?: number): Promise<void> {
    await this.ledger.updateAttempt(this.record.backfill_id, attempt, change)
    Object.assign(attempt, change)
    this.emit(attempt, retryInMs === undefined ? {} : {retry_in_ms: retryInMs})
  }

  private emit(attempt: Attempt, extra: Partial<PartitionEvent>): void {
    this.options.onEvent?.({
      layer: attempt.layer,
      partition_date: attempt.partition_date,
      state: attempt.state,
      attempt: attempt.attempt,
      run_id: attempt.run_id,
      error: attempt.error,
      counts: countsOf(this.latest.values()),
      ...extra,
    })
  }

  /** Wakes on Ctrl-C (InterruptedError) and when the fan-out stops waiting (resolves early). */
  private async sleep(ms: number): Promise<void> {
    const signals = [this.stop.signal, ...(this.client.signal ? [this.client.signal] : [])]
    try {
      await sleepFor(ms, undefined, {signal: AbortSignal.any(signals)})
    } catch {
      if (this.client.signal?.aborted) throw new InterruptedError()
    }
  }
}

/** The layer that follows `done` for a backfill of `layer` with these downstream layers. */
export function nextLayer(layer: BackfillLayer, downstream: BackfillLayer[], done: BackfillLayer): BackfillLayer | undefined {
  if (done === layer) return downstream[0]
  const at = downstream.indexOf(done)
  return at < 0 ? undefined : downstream[at + 1]
}

/** A user (or `backfill cancel`) cancelled the run: not a failure to retry. */
function wasCancelled(run: Run): boolean {
  return run.state.result_state === 'CANCELED' && run.status?.termination_details?.code === 'USER_CANCELED'
}

/** Why a run did not succeed, in the run's own words. */
export function runFailure(run: Run): string {
  const message = run.state.state_message || run.status?.termination_details?.message || ''
  return `run ${run.run_id} ended ${run.state.result_state ?? run.state.life_cycle_state}${message ? `: ${message}` : ''}`
}

/**
 * `backfill cancel`: cancels the runs of the attempts still running and records them cancelled, and
 * records the partitions not started yet cancelled. A run that already ended is recorded as it ended.
 */
export async function cancelAttempts(client: DatabricksClient, ledger: Ledger, record: BackfillRecord, attempts: Attempt[]): Promise<Attempt[]> {
  const changed: Attempt[] = []
  for (const attempt of latestAttempts(attempts).values()) {
    if (attempt.state !== 'running' && attempt.state !== 'pending') continue
    let change: Partial<Attempt> = {state: 'cancelled', ended_at: Date.now(), error: 'cancelled before it started'}
    if (attempt.run_id !== null) {
      const run = await getRun(client, attempt.run_id)
      if (isActive(run)) {
        await cancelRun(client, attempt.run_id)
        change = {state: 'cancelled', ended_at: Date.now(), error: `run ${attempt.run_id} cancelled by lakectl backfill cancel`}
      } else if (run.state.result_state === 'SUCCESS') {
        change = {state: 'succeeded', ended_at: run.end_time || Date.now(), rows_after: await ledger.countPartition(attempt.layer, attempt.partition_date), error: null}
      } else {
        change = {state: wasCancelled(run) ? 'cancelled' : 'failed', ended_at: run.end_time || Date.now(), error: runFailure(run)}
      }
    }
    await ledger.updateAttempt(record.backfill_id, attempt, change)
    Object.assign(attempt, change)
    changed.push(attempt)
  }
  return changed
}
