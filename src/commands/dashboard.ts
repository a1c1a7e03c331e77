import {LakectlCommand} from '../cli/base-command.js'
import {resolveWarehouse} from '../databricks/warehouses.js'
import {type DashboardStatus, dashboardStatus} from '../lakehouse/dashboard.js'
import {desiredState} from '../lakehouse/desired.js'

export default class Dashboard extends LakectlCommand<typeof Dashboard, DashboardStatus> {
  static summary = 'The BI dashboard: its URL and whether each of its datasets answers.'
  static description = `The published Lakeview dashboard bootstrap manages (serving.dashboard in lakectl.yaml, in the
workspace folder), with datasets over the analyst views in gold. Runs each dataset's query on the
target's SQL warehouse and shows its rows, or the error. Exit 1 when a dataset fails.`

  static examples = ['<%= config.bin %> dashboard', '<%= config.bin %> dashboard --json']

  async execute(): Promise<DashboardStatus> {
    const {config, target} = this.settings
    const client = await this.client()
    const warehouse = await resolveWarehouse(client, target.warehouse)
    return this.out.withProgress('Reading the dashboard...', () => dashboardStatus(client, desiredState(config, target).dashboard, warehouse.id, client.host.origin))
  }

  protected exitCodeFor(result: DashboardStatus): number {
    return result.datasets.some((d) => d.state === 'FAILED') ? 1 : 0
  }

  async render(result: DashboardStatus): Promise<void> {
    this.out.print(`${result.display_name}: ${result.url}`)
    this.out.print(result.published ? `Published ${result.published_at}.` : 'Not published: run lakectl bootstrap --yes')
    await this.out.table(result.datasets, [
      {header: 'DATASET', value: (d) => d.name},
      {header: 'TITLE', value: (d) => d.display_name},
      {header: 'STATE', value: (d) => d.state},
      {header: 'ROWS', value: (d) => d.rows},
      {header: 'ERROR', value: (d) => d.error ?? ''},
    ])
  }
}
