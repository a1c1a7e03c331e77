import pLimit from 'p-limit'

import {LakectlCommand} from '../../cli/base-command.js'
import {modelArg, modelName} from '../../cli/model-command.js'
import {forcedOf, type ForcedPromotion, tagsByVersion} from '../../models/history.js'
import {getModel, listVersions, runMetrics} from '../../models/registry.js'

interface VersionRow {
  version: number
  status: string | null
  aliases: string[]
  metrics: Record<string, number>
  run_id: string | null
  created_at: number | null
  /** Promoted past the guardrail: why, by whom, when. */
  forced: ForcedPromotion | null
}

interface VersionsResult {
  model: string
  versions: VersionRow[]
}

const KEY_METRICS = ['f1', 'accuracy', 'auc']

export default class ModelVersions extends LakectlCommand<typeof ModelVersions, VersionsResult> {
  static summary = 'List the versions of a model: status, aliases, key metrics, creation time, forced promotions.'
  static description = 'A version promoted with --force shows the reason, who forced it and when. Every alias move: lakectl model history.'
  static args = modelArg

  async execute(): Promise<VersionsResult> {
    const model = modelName(this.settings, this.args.model)
    const client = await this.client()
    const [info, versions, tags] = await Promise.all([getModel(client, model), listVersions(client, model), tagsByVersion(client, model)])
    const aliases = info.aliases ?? []
    const limit = pLimit(8)
    const rows = await Promise.all(
      versions.map((v) =>
        limit(async (): Promise<VersionRow> => ({
          version: Number(v.version),
          status: v.status ?? null,
          aliases: aliases.filter((a) => a.version_num === Number(v.version)).map((a) => a.alias_name).sort(),
          metrics: v.run_id ? (await runMetrics(client, v.run_id)).metrics : {},
          run_id: v.run_id ?? null,
          created_at: v.created_at ?? null,
          forced: forcedOf(tags.get(Number(v.version))),
        })),
      ),
    )
    return {model, versions: rows.sort((a, b) => b.version - a.version)}
  }

  async render(result: VersionsResult): Promise<void> {
    if (!result.versions.length) {
      this.out.print(`${result.model} has no versions yet. Next: lakectl model train --wait`)
      return
    }
    await this.out.table(result.versions, [
      {header: 'VERSION', value: (v) => v.version, align: 'right', raw: true},
      {header: 'STATUS', value: (v) => v.status},
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
