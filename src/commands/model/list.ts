import {LakectlCommand} from '../../cli/base-command.js'
import {listModels, type RegisteredModel} from '../../models/registry.js'

interface ModelListResult {
  catalog: string
  schema: string
  models: RegisteredModel[]
}

export default class ModelList extends LakectlCommand<typeof ModelList, ModelListResult> {
  static summary = 'List the registered models of the lakehouse\'s ml schema, with their aliases.'

  async execute(): Promise<ModelListResult> {
    const catalog = this.settings.target.catalog
    return {catalog, schema: 'ml', models: await listModels(await this.client(), catalog, 'ml')}
  }

  async render(result: ModelListResult): Promise<void> {
    if (!result.models.length) {
      this.out.print(`No models in ${result.catalog}.ml yet. Next: lakectl model train --wait`)
      return
    }
    await this.out.table(result.models, [
      {header: 'MODEL', value: (m) => m.full_name},
      {header: 'ALIASES', value: (m) => (m.aliases ?? []).map((a) => `${a.alias_name}=v${a.version_num}`).join(', ')},
      {header: 'UPDATED', value: (m) => this.out.time(m.updated_at)},
    ])
  }
}
