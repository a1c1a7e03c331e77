import {Args, Flags} from '../../cli/flags.js'

import {afterInterrupt, backfillContext, type BackfillOutcome, downstreamNote, driveFlags, exitCodeOf, renderBackfill, withBackfillProgress, withNext} from '../../cli/backfill-command.js'
import {LakectlCommand} from '../../cli/base-command.js'
import {UsageError} from '../../errors.js'
import {confirm} from '../../cli/prompts.js'
import {BACKFILL_LAYERS, BACKFILL_MODES, layerTitle, PARTITION_ORDERS, parseDate, type BackfillLayer, type BackfillMode, type PartitionOrder} from '../../backfill/partitions.js'
import {planBackfill, requestedDates, startBackfill, type BackfillPlan, type BackfillRequest} from '../../backfill/service.js'

type Result = BackfillOutcome | {plan: BackfillPlan}

export default class Backfill extends LakectlCommand<typeof Backfill, Result> {
  static summary = 'Re-process a range of partitions of Silver or Gold, bounded, resumable and recorded in the lakehouse.'
  static description = `A partition is one event_date (UTC) of the layer; --from and --to are inclusive. A Silver partition reads every Bronze record whose event falls on its date, whenever it was ingested. Each partition runs as one run of the backfill job (run-now with an idempotency token per partition and attempt), at most --concurrency at once (never above the job's max_concurrent_runs), beside the running streams.

- --mode missing inserts what each partition lacks (re-running it changes nothing).
- --mode replace recomputes each partition under the current rules, reference data and served model, and swaps it in atomically (Delta replaceWhere; one transaction locally).

A partition that changed is followed by the layers downstream of it for its date (--no-downstream to skip that): the layers whose tables the target's lineage shows are built from the backfilled layer's tables, or, where the target has no lineage, the next layers of the pipeline manifest (the output says which). A failed run is retried with backoff up to --max-attempts; a failing partition never stops the others. Every state change is recorded in ops.backfills and ops.backfill_partitions: lakectl backfill status, list, resume, retry and cancel continue from there. Without a terminal, --yes is needed to start.

Exit 3 when some partitions failed (lakectl backfill retry ID runs them again), 8 on --timeout and 130 on Ctrl-C (runs continue; lakectl backfill resume ID picks them up).`

  static examples = [
    '<%= config.bin %> backfill silver --from 2026-11-20 --to 2026-11-26 --plan',
    '<%= config.bin %> backfill silver --from 2026-11-24 --to 2026-11-26 --mode replace',
    '<%= config.bin %> backfill gold --from 2026-11-01 --to 2026-11-30 --concurrency 4 -y',
  ]

  static args = {layer: Args.string({description: 'silver or gold.', required: true, options: [...BACKFILL_LAYERS]})}

  static flags = {
    from: Flags.string({description: 'First partition, YYYY-MM-DD (UTC event date), inclusive.', required: true}),
    to: Flags.string({description: 'Last partition, YYYY-MM-DD, inclusive.', required: true}),
    mode: Flags.string({description: 'missing: insert what a partition lacks; replace: recompute it and swap it in.', options: [...BACKFILL_MODES], default: 'missing'}),
    concurrency: Flags.integer({description: "Partitions run at once (at most the job's max_concurrent_runs).", default: 2, min: 1}),
    order: Flags.string({description: 'Which partitions run first.', options: [...PARTITION_ORDERS], default: 'oldest'}),
    downstream: Flags.boolean({description: 'Follow each partition that changed with the layers downstream of it (from lineage) for its date.', default: true, allowNo: true}),
    plan: Flags.boolean({description: 'Print what would run; change nothing.'}),
    'max-attempts': Flags.integer({description: 'Runs per partition before it counts as failed.', default: 3, min: 1, max: 20}),
    ...driveFlags,
  }

  async execute(): Promise<Result> {
    const request: BackfillRequest = {
      layer: this.args.layer as BackfillLayer,
      mode: this.flags.mode as BackfillMode,
      from: parseDate(this.flags.from, '--from'),
      to: parseDate(this.flags.to, '--to'),
      order: this.flags.order as PartitionOrder,
      concurrency: this.flags.concurrency,
      maxAttempts: this.flags['max-attempts'],
      downstream: this.flags.downstream,
    }
    // Bad input fails here, before any request.
    const dates = requestedDates(request)
    if (!this.flags.plan && !this.flags.yes && !this.out.interactive) {
      throw new UsageError(`Backfilling ${dates.length} partition${dates.length === 1 ? '' : 's'} of ${request.layer} needs a confirmation and there is no terminal to ask.`, {
        code: 'CONFIRMATION_REQUIRED',
        hint: `pass --yes (or --plan to only look)`,
      })
    }
    const context = await backfillContext(this.settings, await this.client())
    const plan = await planBackfill(context, request)
    for (const warning of plan.warnings) this.out.warn(warning)
    if (this.flags.plan) return {plan}
    if (!this.flags.yes) {
      await this.renderPlan(plan)
      if (!(await confirm(this.out, `Backfill ${plan.partitions.length} partition${plan.partitions.length === 1 ? '' : 's'} of ${plan.layer} (${plan.mode})?`, '--yes'))) {
        throw new UsageError('Nothing was started.', {code: 'CANCELLED'})
      }
    }
    const result = await withBackfillProgress(this.out, `Backfill ${plan.layer} ${plan.from}..${plan.to}`, ({onEvent}) =>
      startBackfill(context, plan, {wait: this.flags.wait, timeoutSeconds: this.flags.timeout, onEvent}),
    )
    return withNext(await afterInterrupt(this.out, context, result))
  }

  protected exitCodeFor(result: Result): number {
    return 'plan' in result ? 0 : exitCodeOf(result)
  }

  async render(result: Result): Promise<void> {
    if ('plan' in result) {
      await this.renderPlan(result.plan)
      this.out.print(`Run it with: lakectl backfill ${result.plan.layer} --from ${result.plan.from} --to ${result.plan.to}${result.plan.mode === 'replace' ? ' --mode replace' : ''} --yes`)
      return
    }
    await renderBackfill(this.out, result)
  }

  private async renderPlan(plan: BackfillPlan): Promise<void> {
    const rows = plan.partitions.reduce((n, p) => n + p.rows, 0)
    this.out.print(
      `Plan: ${plan.partitions.length} partition${plan.partitions.length === 1 ? '' : 's'} of ${plan.layer} (${plan.from}..${plan.to}, ${plan.order} first, ${plan.mode}) as runs of job ${plan.job_id}, ${plan.concurrency} at a time, up to ${plan.max_attempts} attempts each${plan.downstream ? `; ${plan.downstream_layers.map(layerTitle).join(', then ')} follow${plan.downstream_layers.length === 1 ? 's' : ''} every ${layerTitle(plan.layer)} date that changes` : ''}.`,
    )
    const note = downstreamNote(plan)
    if (note) this.out.print(note)
    await this.out.table(plan.partitions, [
      {header: 'LAYER', value: (p) => p.layer},
      {header: 'PARTITION', value: (p) => p.partition_date},
      {header: 'ROWS NOW', value: (p) => p.rows, align: 'right'},
    ])
    if (rows === 0) this.out.print(`The ${plan.layer} partitions of the range hold no rows now.`)
  }
}
