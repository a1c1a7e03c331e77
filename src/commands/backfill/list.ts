import {Flags} from '../../cli/flags.js'

import {backfillContext} from '../../cli/backfill-command.js'
import {LakectlCommand} from '../../cli/base-command.js'
import {formatDuration} from '../../cli/output.js'
import type {BackfillRecord} from '../../backfill/ledger.js'
import {listBackfills} from '../../backfill/service.js'

export default class BackfillList extends LakectlCommand<typeof BackfillList, {backfills: BackfillRecord[]}> {
  static summary = 'List the backfills of this lakehouse, newest first.'
  static description = `From ops.backfills: id, layer, mode, range, state, partition counts, who asked and when.`

  static examples = ['<%= config.bin %> backfill list', '<%= config.bin %> backfill list --limit 5 --json']
  static flags = {limit: Flags.integer({description: 'How many backfills to show.', default: 20, min: 1, max: 1000})}

  async execute(): Promise<{backfills: BackfillRecord[]}> {
    const context = await backfillContext(this.settings, await this.client())
    return {backfills: await listBackfills(context, this.flags.limit)}
  }

  async render({backfills}: {backfills: BackfillRecord[]}): Promise<void> {
    if (backfills.length === 0) {
      this.out.print('No backfill has run in this lakehouse yet.')
      return
    }
    await this.out.table(backfills, [
      {header: 'ID', value: (b) => b.backfill_id},
      {header: 'LAYER', value: (b) => b.layer},
      {header: 'MODE', value: (b) => b.mode},
      {header: 'RANGE', value: (b) => (b.from_date === b.to_date ? b.from_date : `${b.from_date}..${b.to_date}`)},
      {header: 'STATE', value: (b) => b.state},
      {header: 'PARTITIONS', value: (b) => b.partitions, align: 'right'},
      {header: 'SUCCEEDED', value: (b) => b.succeeded, align: 'right'},
      {header: 'FAILED', value: (b) => b.failed, align: 'right'},
      {header: 'REQUESTED', value: (b) => `${this.out.time(b.created_at)}${b.requested_by ? ` by ${b.requested_by}` : ''}`},
      {header: 'TOOK', value: (b) => (b.ended_at ? formatDuration(b.ended_at - b.created_at) : null), align: 'right'},
    ])
    this.out.print(`Details: lakectl backfill status ${backfills[0].backfill_id}`)
  }
}
