import {Args, Flags} from '../../cli/flags.js'

import {LakectlCommand} from '../../cli/base-command.js'
import {type BundleExport, bundleFiles, writeBundle} from '../../lakehouse/bundle.js'
import {desiredState} from '../../lakehouse/desired.js'

export default class BundleExportCommand extends LakectlCommand<typeof BundleExportCommand, BundleExport> {
  static summary = 'Write a Databricks Asset Bundle equivalent to what bootstrap manages for the target.'
  static description = `For teams that deploy with Databricks Asset Bundles: databricks.yml with the target, resources/*.yml
for the catalog and schemas (with their grants), the checkpoint volume, the registered model, the
jobs, the Lakeview dashboard and the SQL alerts (on the warehouse_id variable, lakectl.yaml's warehouse
by default), and the pipeline files the jobs run (pyspark/, sql/, pipeline/). Built from the same desired state as
bootstrap, without contacting the workspace. Exporting twice writes identical files; no credential
is written (the workspace is named by its profile or host). What a bundle cannot declare
(tables, reference data) is listed in the bundle's README.md and stays with bootstrap.

A folder that is not empty and holds no earlier export is refused unless --force; files in the
folder that the export does not write are left alone and listed.`

  static examples = [
    '<%= config.bin %> bundle export ./bundle --target dev',
    'cd bundle && databricks bundle validate -t dev',
  ]

  static args = {
    dir: Args.string({description: 'The folder to write the bundle into (created when missing).', required: true}),
  }

  static flags = {
    force: Flags.boolean({description: 'Write into a folder that holds other files.'}),
  }

  async execute(): Promise<BundleExport> {
    const {config, target} = this.settings
    const {files, resources, notInBundle} = bundleFiles(desiredState(config, target), target)
    return writeBundle(this.args.dir, target.name, files, resources, notInBundle, this.flags.force)
  }

  render(result: BundleExport): void {
    const r = result.resources
    this.out.print(`Wrote ${result.files.length} files to ${result.dir} for target ${result.target}: catalog ${r.catalogs.join(', ')}, ${r.schemas.length} schemas, ${r.volumes.length} volume, ${r.registered_models.length} registered model, ${r.jobs.length} jobs, ${r.dashboards.length} dashboard, ${r.alerts.length} alerts and the pipeline files.`)
    this.out.print('Not in the bundle (still lakectl bootstrap):')
    for (const line of result.not_in_bundle) this.out.print(`  ${line}`)
    if (result.foreign.length) this.out.print(`Left alone: ${result.foreign.length} file${result.foreign.length === 1 ? '' : 's'} this export did not write (${result.foreign.slice(0, 5).join(', ')}${result.foreign.length > 5 ? ', ...' : ''}).`)
    this.out.print(`Next: cd ${result.dir} && databricks bundle validate -t ${result.target}`)
  }
}
