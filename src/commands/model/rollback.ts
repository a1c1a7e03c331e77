import {Flags} from '@oclif/core'

import {EXIT_CODES_HELP, LakectlCommand} from '../../cli/base-command.js'
import {modelArg, modelName} from '../../cli/model-command.js'
import {type PromoteResult, rollback} from '../../models/promotion.js'

export default class ModelRollback extends LakectlCommand<typeof ModelRollback, PromoteResult> {
  static summary = 'Put the alias (champion) back on its previous holder, and the serving endpoint with it.'
  static description = EXIT_CODES_HELP
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
      }),
    )
  }

  render(r: PromoteResult): void {
    this.out.print(`Rolled ${r.alias} of ${r.model} back to version ${r.version}${r.previous_version ? ` (from ${r.previous_version})` : ''}.`)
    if (r.served) this.out.print(`Serving endpoint ${r.endpoint} serves version ${r.version} again.`)
  }
}
