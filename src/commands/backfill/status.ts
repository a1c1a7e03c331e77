import {Args} from '../../cli/flags.js'

import {backfillContext, renderBackfill, withNext, type BackfillOutcome} from '../../cli/backfill-command.js'
import {LakectlCommand} from '../../cli/base-command.js'
import {checkBackfillId} from '../../backfill/partitions.js'
import {backfillStatus} from '../../backfill/service.js'

type Result = BackfillOutcome | {backfill: null}

export default class BackfillStatus extends LakectlCommand<typeof BackfillStatus, Result> {
  static summary = 'Show a backfill (the latest by default): every partition with its state, run, attempts and rows.'
  static description = `Read from ops.backfills and ops.backfill_partitions; the runs of running partitions are looked up
live. Changes nothing.`

  static examples = ['<%= config.bin %> backfill status', '<%= config.bin %> backfill status bf-20261203-142455-a1b2c3 --json']
  static args = {id: Args.string({description: 'The backfill id (default: the latest backfill).', required: false})}

  async execute(): Promise<Result> {
    const id = this.args.id === undefined ? undefined : checkBackfillId(this.args.id)
    const context = await backfillContext(this.settings, await this.client())
    const result = await backfillStatus(context, id)
    return result ? withNext(result) : {backfill: null}
  }

  async render(result: Result): Promise<void> {
    if ('backfill' in result) {
      this.out.print('No backfill has run in this lakehouse yet. Start one with: lakectl backfill silver --from YYYY-MM-DD --to YYYY-MM-DD')
      return
    }
    await renderBackfill(this.out, result)
  }
}
