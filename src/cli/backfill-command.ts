/**
 * What `backfill`, `backfill resume`, `retry`, `status` and `cancel` share: waiting flags, progress (a
 * bar on a terminal, one plain line per partition state change otherwise), the result table, the next
 * command to run, exit codes, and the Ctrl-C question.
 */
import {Args, Flags} from './flags.js'

import {checkBackfillId} from '../backfill/partitions.js'
import type {BackfillContext, BackfillResult, DriveOptions} from '../backfill/service.js'
import {cancelBackfill, openBackfills} from '../backfill/service.js'
import type {Counts, PartitionEvent} from '../backfill/run.js'
import type {Settings} from '../config/targets.js'
import type {DatabricksClient} from '../databricks/client.js'
import {LakectlCommand} from './base-command.js'
import {ExitCode} from './errors.js'
import {formatDuration, type Output, type Progress} from './output.js'
import {confirm} from './prompts.js'

export const backfillIdArg = {id: Args.string({description: 'The backfill id (lakectl backfill list shows them).', required: true})}

export const driveFlags = {
  wait: Flags.boolean({description: 'Wait until every partition ended (--no-wait starts the first ones and returns).', default: true, allowNo: true}),
  timeout: Flags.integer({description: 'Seconds to wait before exiting 8 (runs continue; resume picks them up).', min: 1}),
}

/** Result of a command that ran partitions, with the commands that continue from it. */
export interface BackfillOutcome extends BackfillResult {
  next: string[]
}

export function withNext(result: BackfillResult): BackfillOutcome {
  const id = result.backfill_id
  const next: string[] = []
  const unfinished = result.counts.running + result.counts.pending > 0 || result.state === 'cancelled'
  if (result.outcome === 'recorded') {
    if (unfinished) next.push(`lakectl backfill resume ${id}`)
    else if (result.counts.failed > 0) next.push(`lakectl backfill retry ${id}`)
  } else if (result.outcome !== 'finished') next.push(`lakectl backfill status ${id}`, `lakectl backfill resume ${id}`)
  else if (result.counts.failed > 0) next.push(`lakectl backfill retry ${id}`)
  else if (result.state === 'cancelled') next.push(`lakectl backfill resume ${id}`)
  return {...result, next}
}

export function exitCodeOf(result: BackfillResult): number {
  if (result.outcome === 'interrupted') return ExitCode.interrupted
  if (result.outcome === 'timed_out') return ExitCode.timeout
  if (result.state === 'failed') return ExitCode.checkFailed
  return ExitCode.ok
}

/** The backfills of the target's lakehouse (its catalog, through its SQL warehouse). */
export function backfillContext(settings: Settings, client: DatabricksClient): Promise<BackfillContext> {
  return openBackfills(client, {project: settings.config.project, catalog: settings.target.catalog, warehouse: settings.target.warehouse})
}

/** `backfill resume ID` and `backfill retry ID`: drive a recorded backfill further, with progress. */
export abstract class BackfillDriveCommand extends LakectlCommand<typeof BackfillDriveCommand, BackfillOutcome> {
  static args = backfillIdArg
  static flags = driveFlags

  /** The service that drives the backfill on. */
  protected abstract drive(context: BackfillContext, id: string, options: DriveOptions): Promise<BackfillResult>

  async execute(): Promise<BackfillOutcome> {
    const id = checkBackfillId(this.args.id)
    const context = await backfillContext(this.settings, await this.client())
    const result = await withBackfillProgress(this.out, `Backfill ${id}`, ({onEvent}) => this.drive(context, id, {wait: this.flags.wait, timeoutSeconds: this.flags.timeout, onEvent}))
    return withNext(await afterInterrupt(this.out, context, result))
  }

  protected exitCodeFor(result: BackfillOutcome): number {
    return exitCodeOf(result)
  }

  async render(result: BackfillOutcome): Promise<void> {
    await renderBackfill(this.out, result)
  }
}

/** Runs `drive` with progress on stderr: a bar on a terminal, one line per partition state change otherwise. */
export async function withBackfillProgress(
  out: Output,
  title: string,
  drive: (options: Pick<DriveOptions, 'onEvent'>) => Promise<BackfillResult>,
): Promise<BackfillResult> {
  const started = Date.now()
  let counts: Counts | undefined
  return out.withProgress(title, async (progress: Progress) => {
    const bar = () => counts && progress.update(`${title} ${progressBar(counts, Date.now() - started)}`)
    const ticker = out.animated ? setInterval(bar, 1000) : undefined
    try {
      return await drive({
        onEvent: (event) => {
          counts = event.counts
          if (out.animated) bar()
          else progress.update(eventLine(event))
        },
      })
    } finally {
      clearInterval(ticker)
    }
  })
}

/** `12/30 done, 2 running, 1 failed, 1m02s elapsed, ETA 2m10s` */
export function progressBar(counts: Counts, elapsedMs: number): string {
  const done = counts.succeeded + counts.failed + counts.skipped + counts.cancelled
  const width = 20
  const filled = counts.partitions === 0 ? 0 : Math.round((done / counts.partitions) * width)
  const left = counts.partitions - done
  const eta = done > 0 && left > 0 ? `, ETA ${formatDuration((elapsedMs / done) * left)}` : ''
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${counts.partitions} done, ${counts.running} running, ${counts.failed} failed, ${formatDuration(elapsedMs)} elapsed${eta}`
}

/** One plain line per partition state change. */
export function eventLine(event: PartitionEvent): string {
  const name = `${event.layer} ${event.partition_date}`
  const run = event.run_id === null ? '' : `run ${event.run_id}, `
  switch (event.state) {
    case 'running':
      return event.queued ? `${name} queued (${run}attempt ${event.attempt}: waiting for a free slot of the backfill job)` : `${name} running (${run}attempt ${event.attempt})`
    case 'succeeded':
      return `${name} succeeded (${run}attempt ${event.attempt})`
    case 'failed':
      return `${name} failed (${run}attempt ${event.attempt}): ${event.error ?? 'no message'}${event.retry_in_ms === undefined ? '' : `; retrying in ${(event.retry_in_ms / 1000).toFixed(1)}s`}`
    case 'skipped':
      return `${name} skipped: ${event.error ?? ''}`
    case 'cancelled':
      return `${name} cancelled${event.error ? `: ${event.error}` : ''}`
    default:
      return `${name} ${event.state}`
  }
}

/**
 * Ctrl-C stopped the backfill with runs still going: on a terminal, offer to cancel them (the default
 * keeps them running); a script gets exit 130 and the resume command.
 */
export async function afterInterrupt(out: Output, context: BackfillContext, result: BackfillResult): Promise<BackfillResult> {
  if (result.outcome !== 'interrupted' || result.counts.running === 0 || !out.interactive) return result
  const question = `${result.counts.running} run${result.counts.running === 1 ? '' : 's'} of ${result.backfill_id} continue in the background. Cancel ${result.counts.running === 1 ? 'it' : 'them'}?`
  const cancel = await confirm(out, question, '--yes').catch(() => false)
  if (!cancel) return result
  const detached = {...context, client: context.client.detached(), ledger: context.ledger.detached()}
  return {...(await cancelBackfill(detached, result.backfill_id)), outcome: 'interrupted'}
}

export async function renderBackfill(out: Output, result: BackfillOutcome): Promise<void> {
  const s = out.style
  const c = result.counts
  const range = result.from === result.to ? result.from : `${result.from}..${result.to}`
  const tally = [`${c.succeeded} succeeded`, c.failed && `${c.failed} failed`, c.skipped && `${c.skipped} skipped`, c.cancelled && `${c.cancelled} cancelled`, c.running && `${c.running} running`, c.pending && `${c.pending} not started`]
  out.print(`Backfill ${s.bold(result.backfill_id)}: ${result.layer} ${range} (${result.mode}), ${plural(c.partitions, 'partition')}: ${tally.filter(Boolean).join(', ')} (${result.state}, ${seconds(result.elapsed_seconds)}).`)
  const paint = {succeeded: s.green, failed: s.red, cancelled: s.yellow, skipped: s.dim, running: s.cyan, pending: s.dim}
  await out.table(result.partitions, [
    {header: 'LAYER', value: (p) => p.layer},
    {header: 'PARTITION', value: (p) => p.partition_date},
    {header: 'STATE', value: (p) => paint[p.state](p.run_state ? `${p.state} (${p.run_state})` : p.state)},
    {header: 'RUN', value: (p) => p.run_id, align: 'right'},
    {header: 'ATTEMPTS', value: (p) => p.attempts, align: 'right'},
    {header: 'ROWS BEFORE', value: (p) => p.rows_before, align: 'right'},
    {header: 'ROWS AFTER', value: (p) => p.rows_after, align: 'right'},
    {header: 'DURATION', value: (p) => (p.duration_seconds === null ? null : seconds(p.duration_seconds)), align: 'right'},
    {header: 'ERROR', value: (p) => (p.state === 'succeeded' ? null : p.error)},
  ])
  const note = downstreamNote(result)
  if (note) out.print(note)
  for (const line of sentences(result)) out.print(line)
}

/** One line when the downstream layers did not come from lineage. */
export function downstreamNote(result: Pick<BackfillResult, 'downstream_layers' | 'downstream_source' | 'downstream_fallback'>): string | undefined {
  if (result.downstream_source !== 'manifest') return undefined
  return `Downstream layers from the pipeline manifest's order (${result.downstream_layers?.length ? result.downstream_layers.join(', ') : 'none'}), not lineage: ${result.downstream_fallback}.`
}

function sentences(result: BackfillOutcome): string[] {
  const c = result.counts
  const id = result.backfill_id
  const going = `${plural(c.running, 'run')} ${c.running === 1 ? 'continues' : 'continue'} in the background and ${plural(c.pending, 'partition')} did not start`
  switch (result.outcome) {
    case 'started':
      return [`Started ${c.running} of ${plural(c.partitions, 'partition')} and returned (--no-wait): lakectl backfill resume ${id} waits for them and runs the rest; lakectl backfill status ${id} shows where it stands.`]
    case 'timed_out':
      return [`Timed out: ${going}.`, `Follow it with: lakectl backfill status ${id}`, `Continue it with: lakectl backfill resume ${id}`]
    case 'interrupted':
      if (result.state === 'cancelled') return [`Cancelled: the active runs were cancelled. Continue it later with: lakectl backfill resume ${id}`]
      return [`Interrupted: ${going}.`, `Continue it with: lakectl backfill resume ${id}`]
    case 'recorded':
      if (c.running + c.pending > 0) return [`${plural(c.running, 'partition')} running, ${c.pending} not started. Continue it with: lakectl backfill resume ${id}`]
      break
  }
  if (c.failed > 0) return [`${plural(c.failed, 'partition')} failed (the others stand). Fix the cause, then retry them with: lakectl backfill retry ${id}`]
  if (result.state === 'cancelled') return [`Cancelled; the partitions that succeeded stand. Run the others with: lakectl backfill resume ${id}`]
  if (result.empty) return ['The range holds no data: every partition is empty, nothing changed.']
  return ['Done: every partition succeeded.']
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** Seconds with a decimal while short (partitions often take under ten seconds), else 1m05s. */
function seconds(value: number): string {
  return value < 60 ? `${value.toFixed(1)}s` : formatDuration(value * 1000)
}
