import {Flags} from '../cli/flags.js'

import {LakectlCommand} from '../cli/base-command.js'
import {input} from '../cli/prompts.js'
import {assertNoConfig, type InitResult, writeConfig} from '../config/init.js'

export default class Init extends LakectlCommand<typeof Init, InitResult> {
  static summary = 'Write a commented lakectl.yaml in the current folder.'
  static description = `Asks for the catalog, a Databricks profile and the warehouse on a terminal; takes flags otherwise.
Checks first that the folder has no lakectl.yaml (it refuses to overwrite one without --force),
before asking anything.`

  static examples = ['<%= config.bin %> init', '<%= config.bin %> init --catalog lakehouse_dev --databricks-profile dev --no-input']

  static flags = {
    catalog: Flags.string({description: 'Unity Catalog catalog of the lakehouse.'}),
    'databricks-profile': Flags.string({description: 'A ~/.databrickscfg profile to add as target "dev".'}),
    warehouse: Flags.string({description: 'SQL warehouse id, or "auto".'}),
    force: Flags.boolean({description: 'Overwrite an existing lakectl.yaml.'}),
  }

  async execute(): Promise<InitResult> {
    const {flags} = this
    assertNoConfig(process.cwd(), flags.force)
    const ask = !flags.catalog && this.out.interactive
    const catalog = flags.catalog ?? (await input(this.out, 'Catalog name', '--catalog', 'lakehouse'))
    const profile = flags['databricks-profile'] ?? (ask ? (await input(this.out, 'Databricks profile for a "dev" target (empty for none)', '--databricks-profile', '')) || undefined : undefined)
    const warehouse = flags.warehouse ?? (ask ? await input(this.out, 'SQL warehouse id', '--warehouse', 'auto') : 'auto')
    return writeConfig(process.cwd(), {catalog, profile, warehouse}, flags.force)
  }

  render(result: InitResult): void {
    this.out.print(`Wrote ${result.path} (catalog ${result.catalog}, targets: ${result.targets.join(', ')}).`)
    this.out.print(`Next: lakectl doctor, then lakectl bootstrap --plan`)
  }
}
