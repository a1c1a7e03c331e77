import {backfillContext, backfillIdArg, renderBackfill, withNext, type BackfillOutcome} from '../../cli/backfill-command.js'
import {LakectlCommand} from '../../cli/base-command.js'
import {UsageError} from '../../errors.js'
import {confirm} from '../../cli/prompts.js'
import {checkBackfillId} from '../../backfill/partitions.js'
import {cancelBackfill, type CancelResult} from '../../backfill/service.js'

export default class BackfillCancel extends LakectlCommand<typeof BackfillCancel, BackfillOutcome & CancelResult> {
  static summary = "Cancel a backfill's active runs and mark the partitions not finished cancelled."
  static description = `Partitions that succeeded stand. lakectl backfill resume ID runs the cancelled ones later. Without a
terminal, --yes is needed.`

  static examples = ['<%= config.bin %> backfill cancel bf-20261203-142455-a1b2c3 --yes']
  static args = backfillIdArg

  async execute(): Promise<BackfillOutcome & CancelResult> {
    const id = checkBackfillId(this.args.id)
    if (!this.flags.yes && !this.out.interactive) throw new UsageError(`Cancelling ${id} needs a confirmation and there is no terminal to ask.`, {code: 'CONFIRMATION_REQUIRED', hint: 'pass --yes'})
    const context = await backfillContext(this.settings, await this.client())
    if (!this.flags.yes && !(await confirm(this.out, `Cancel the active runs of ${id}?`, '--yes'))) throw new UsageError('Nothing was cancelled.', {code: 'CANCELLED'})
    const result = await cancelBackfill(context, id)
    return {...withNext(result), cancelled_now: result.cancelled_now}
  }

  async render(result: BackfillOutcome & CancelResult): Promise<void> {
    if (result.cancelled_now === 0) this.out.print(`Nothing to cancel: no partition of ${result.backfill_id} is running or waiting.`)
    await renderBackfill(this.out, result)
  }
}
