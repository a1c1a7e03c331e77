import {Flags} from '../../cli/flags.js'

import {LakectlCommand} from '../../cli/base-command.js'
import {UsageError} from '../../errors.js'
import {modelArg, modelName, slotName} from '../../cli/model-command.js'
import {confirmChange} from '../../cli/prompts.js'
import {resolveWarehouse} from '../../databricks/warehouses.js'
import {promote, type PromoteResult} from '../../models/promotion.js'
import {inferenceTableFor, liveMetricsCheck} from '../../reports/model.js'

export default class ModelPromote extends LakectlCommand<typeof ModelPromote, PromoteResult> {
  static summary = 'Move an alias (champion) to a model version, with guardrails, and roll the serving endpoint forward.'
  static description = `The version must be READY and beat the alias's current holder on --metric (both read from their
MLflow runs) by at least --min-improvement; otherwise the command refuses, shows the comparison and
exits 3, unless --force with a --reason (recorded as a tag on the version). The previous holder is
recorded as the alias <alias>_previous for rollback. With --serve (default) the endpoint is updated
and waited for; if that fails or times out, the alias is put back. Promoting the current holder is a
no-op. A model name without dots is in the workspace registry, which has stages instead of aliases:
champion is Production, challenger Staging, and the version a promotion replaced is recorded as the
tag lakectl.promotion.previous_version on the new holder. A host without Model Serving (an MLflow
tracking server) gets the registry change and one line saying the endpoint was skipped. A Unity
Catalog version that served before (a re-promotion: a rollback target, a former champion) is also
judged on its live metrics of the last 7 days (report model): a breach of monitoring.model's limits
refuses it, exit 3, unless --force with a --reason.

Moving the alias changes what production serves: on a terminal the command asks first (default No);
without one it needs --yes. Every move is recorded on the version (lakectl model history).`

  static examples = [
    '<%= config.bin %> model promote --from-alias challenger',
    '<%= config.bin %> model promote --version 7 --metric f1 --min-improvement 0.01 --yes',
    '<%= config.bin %> model promote --version 6 --force --reason "hotfix for INC-123"',
  ]

  static args = modelArg
  static flags = {
    version: Flags.integer({description: 'The version to promote.', min: 1, exclusive: ['from-alias']}),
    'from-alias': Flags.string({description: 'Promote the version this alias points to (e.g. challenger).'}),
    alias: Flags.string({description: 'The alias to move.', default: 'champion'}),
    metric: Flags.string({description: 'Metric compared with the current holder (default: model.metric of lakectl.yaml).'}),
    'min-improvement': Flags.string({description: 'Required improvement of the metric (default: model.min_improvement).'}),
    force: Flags.boolean({description: 'Promote even when the guardrail refuses (needs --reason).'}),
    reason: Flags.string({description: 'Why the guardrail is overridden; recorded on the version.', dependsOn: ['force']}),
    serve: Flags.boolean({description: 'Update the serving endpoint and wait for it (--no-serve to skip).', default: true, allowNo: true}),
    timeout: Flags.integer({description: 'Seconds to wait for the endpoint before exiting 8.', default: 600, min: 1}),
  }

  async execute(): Promise<PromoteResult> {
    const {config, target} = this.settings
    const minImprovement = this.flags['min-improvement'] === undefined ? config.model.min_improvement : parseNumber(this.flags['min-improvement'])
    const client = await this.client()
    const model = modelName(this.settings, this.args.model)
    const result = await this.out.withProgress('Checking the candidate...', (progress) =>
      promote(client, {
        model,
        alias: this.flags.alias,
        version: this.flags.version,
        fromAlias: this.flags['from-alias'],
        metric: this.flags.metric ?? config.model.metric,
        minImprovement,
        force: this.flags.force,
        reason: this.flags.reason,
        serve: this.flags.serve,
        endpoint: config.model.serving_endpoint,
        timeoutSeconds: this.flags.timeout,
        onState: (state) => progress.update(state),
        confirm: (change) => confirmChange(this.out, change, {yes: this.flags.yes, command: this.commandLine(), progress}),
        inferenceTable: inferenceTableFor(config, target.catalog),
        liveCheck: model.includes('.')
          ? async (version) => {
              const warehouse = await resolveWarehouse(client, target.warehouse)
              return liveMetricsCheck(client, {config, catalog: target.catalog, warehouseId: warehouse.id, model, endpoint: config.model.serving_endpoint, sinceHours: 24 * 7}, version)
            }
          : undefined,
      }),
    )
    if (result.skipped) this.out.warn(`Skipped the serving update: ${result.skipped}.`)
    return result
  }

  render(r: PromoteResult): void {
    if (r.outcome === 'unchanged') {
      this.out.print(`Version ${r.version} already holds ${r.alias} of ${r.model}: nothing to do.`)
      return
    }
    const c = r.comparison
    if (c) this.out.print(`${c.metric}: candidate ${c.candidate?.toFixed(4) ?? 'n/a'} vs current ${c.current?.toFixed(4) ?? 'n/a (no holder)'}${c.delta === null ? '' : ` (delta ${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)})`}`)
    for (const b of r.live_breaches ?? []) this.out.print(`live metric over its limit (forced): ${b.metric} ${b.observed ?? 'n/a'} (limit ${b.limit ?? 'n/a'})`)
    const forced = r.outcome === 'forced' ? ` (forced: ${r.reason})` : ''
    this.out.print(`Moved ${slotName(r)} of ${r.model} to version ${r.version}${r.previous_version ? ` (was ${r.previous_version})` : ''}${forced}.`)
    if (r.served) this.out.print(`Serving endpoint ${r.endpoint} now serves version ${r.version}.`)
    // A rollback needs a previous holder: the first promotion has none.
    const named = this.args.model ? ` ${r.model}` : ''
    if (r.previous_version !== null) this.out.print(`Undo with: lakectl model rollback${named}${r.alias === 'champion' ? '' : ` --alias ${r.alias}`}`)
    else this.out.print(`Next: lakectl model versions${named}${r.model.includes('.') ? `, or lakectl model history${named}` : ''}`)
  }
}

function parseNumber(text: string): number {
  const n = Number(text)
  if (!Number.isFinite(n)) throw new UsageError(`--min-improvement must be a number, got '${text}'.`)
  return n
}
