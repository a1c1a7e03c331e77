import {LakectlCommand} from '../../cli/base-command.js'
import {modelArg, modelName} from '../../cli/model-command.js'
import {isUnityCatalogName} from '../../models/registry.js'
import {modelVersions, type VersionRow, type VersionsResult} from '../../models/versions.js'

const KEY_METRICS = ['f1', 'accuracy', 'auc']

export default class ModelVersions extends LakectlCommand<typeof ModelVersions, VersionsResult> {
  static summary = 'List the versions of a model: status, aliases (or stage), key metrics, creation time, forced promotions.'
  static description = `A version promoted with --force shows the reason, who forced it and when. Every alias move: lakectl model history.
A workspace-registry model (a name without dots) shows each version's stage, and the aliases of an
MLflow tracking server's registry (Databricks' workspace registry has none).`
  static args = modelArg

  async execute(): Promise<VersionsResult> {
    return modelVersions(await this.client(), modelName(this.settings, this.args.model))
  }

  async render(result: VersionsResult): Promise<void> {
    if (!result.versions.length) {
      this.out.print(`${result.model} has no versions yet.${isUnityCatalogName(result.model) ? ' Next: lakectl model train --wait' : ''}`)
      return
    }
    const staged = result.versions.some((v) => v.stage !== null)
    await this.out.table(result.versions, [
      {header: 'VERSION', value: (v) => v.version, align: 'right', raw: true},
      {header: 'STATUS', value: (v) => v.status},
      ...(staged ? [{header: 'STAGE', value: (v: VersionRow) => v.stage}] : []),
      {header: 'ALIASES', value: (v) => v.aliases},
      ...KEY_METRICS.map((m) => ({header: m.toUpperCase(), value: (v: VersionRow) => (v.metrics[m] === undefined ? null : v.metrics[m].toFixed(4)), align: 'right' as const})),
      {header: 'CREATED', value: (v) => this.out.time(v.created_at)},
      {header: 'FORCED', value: (v) => (v.forced ? 'yes' : null)},
    ])
    for (const v of result.versions.filter((x) => x.forced)) {
      const {reason, by, at} = v.forced!
      this.out.print(`Version ${v.version} was promoted by force: "${reason}" (by ${by ?? 'unknown'}${at ? `, ${this.out.time(Date.parse(at))}` : ''}).`)
    }
  }
}
