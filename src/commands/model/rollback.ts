import {Flags} from '../../cli/flags.js'

import {LakectlCommand} from '../../cli/base-command.js'
import {modelArg, modelName, slotName} from '../../cli/model-command.js'
import {confirmChange} from '../../cli/prompts.js'
import {type PromoteResult, rollback} from '../../models/promotion.js'

export default class ModelRollback extends LakectlCommand<typeof ModelRollback, PromoteResult> {
  static summary = 'Put the alias (champion) back on its previous holder, and the serving endpoint with it.'
  static description = `The previous holder is the alias <alias>_previous that promote set; the version rolled back from
becomes the new <alias>_previous. Only that alias moves: challenger (set by training) and other aliases
stay where they are, and the command names those that still point at the version rolled back from,
since promoting them would bring it back.

A model name without dots is in the workspace registry: the stage the alias stands for (champion:
Production) goes back to the version recorded in the holder's lakectl.promotion.previous_version tag.

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
    const result = await this.out.withProgress('Rolling back...', (progress) =>
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
    if (result.skipped) this.out.warn(`Skipped the serving update: ${result.skipped}.`)
    return result
  }

  render(r: PromoteResult): void {
    this.out.print(`Rolled ${slotName(r)} of ${r.model} back to version ${r.version}${r.previous_version ? ` (from ${r.previous_version})` : ''}.`)
    if (r.served) this.out.print(`Serving endpoint ${r.endpoint} serves version ${r.version} again.`)
    for (const alias of r.still_pointing ?? []) {
      this.out.print(`Note: ${alias} still points to version ${r.previous_version}, the version rolled back from: lakectl model promote --from-alias ${alias} would bring it back.`)
    }
    const named = this.args.model ? ` ${r.model}` : ''
    const look = r.stage ? `lakectl model versions${named}` : `lakectl model history${named}`
    this.out.print(`Next: ${look}${r.previous_version === null ? '' : `, or lakectl model rollback${named}${r.alias === 'champion' ? '' : ` --alias ${r.alias}`} to go forward to version ${r.previous_version} again`}`)
  }
}
