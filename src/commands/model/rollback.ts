import {Flags} from '@oclif/core'

import {LakectlCommand} from '../../cli/base-command.js'
import {modelArg, modelName} from '../../cli/model-command.js'
import {confirmChange} from '../../cli/prompts.js'
import {type PromoteResult, rollback} from '../../models/promotion.js'

export default class ModelRollback extends LakectlCommand<typeof ModelRollback, PromoteResult> {
  static summary = 'Put the alias (champion) back on its previous holder, and the serving endpoint with it.'
  static description = `The previous holder is the alias <alias>_previous that promote set; the version rolled back from
becomes the new <alias>_previous. Only that alias moves: challenger (set by training) and other aliases
stay where they are, and the command names those that still point at the version rolled back from,
since promoting them would bring it back.

On a terminal the command asks first (default No); without one it needs --yes. The move is recorded
on the version (lakectl model history).`

  static examples = ['<%= config.bin %> model rollback', '<%= config.bin %> model rollback --yes --json']
  static args = modelArg
  static flags = {
    alias: Flags.string({description: 'The alias to roll back.', default: 'champion'}),
    serve: Flags.boolean({description: 'Update the serving endpoint too (--no-serve to skip).', default: true, allowNo: true}),
    timeout: Flags.integer({description: 'Seconds to wait for the endpoint before exiting 8.', default: 600, min: 1}),
  }

  async execute(): Promise<PromoteResult> {
    const {config} = this.settings
    const client = await this.client()
    return this.out.withProgress('Rolling back...', (progress) =>
      rollback(client, {
        model: modelName(this.settings, this.args.model),
        alias: this.flags.alias,
        serve: this.flags.serve,
        endpoint: config.model.serving_endpoint,
        timeoutSeconds: this.flags.timeout,
        onState: (state) => progress.update(state),
        confirm: (change) => confirmChange(this.out, change, {yes: this.flags.yes, command: this.commandLine(), progress}),
      }),
    )
  }

  render(r: PromoteResult): void {
    this.out.print(`Rolled ${r.alias} of ${r.model} back to version ${r.version}${r.previous_version ? ` (from ${r.previous_version})` : ''}.`)
    if (r.served) this.out.print(`Serving endpoint ${r.endpoint} serves version ${r.version} again.`)
    for (const alias of r.still_pointing ?? []) {
      this.out.print(`Note: ${alias} still points to version ${r.previous_version}, the version rolled back from: lakectl model promote --from-alias ${alias} would bring it back.`)
    }
    this.out.print(`Next: lakectl model history${r.previous_version === null ? '' : `, or lakectl model rollback${r.alias === 'champion' ? '' : ` --alias ${r.alias}`} to go forward to version ${r.previous_version} again`}`)
  }
}
