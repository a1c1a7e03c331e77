import {LakectlCommand} from '../../cli/base-command.js'
import {exitCodeOf, renderChecks, sinceFlag} from '../../cli/report-command.js'
import {formatLag, formatRate} from '../../cli/output.js'
import {resolveWarehouse} from '../../databricks/warehouses.js'
import {lagReport, type LagReport} from '../../reports/lag.js'

export default class ReportLag extends LakectlCommand<typeof ReportLag, LagReport> {
  static summary = 'Streaming lag report per layer over a window, against the lag SLO; exit 3 on breach.'
  static description = `From ops.stream_progress: batches, rows, throughput and seconds behind (p50, p95, max, current)
per layer; the current lag is checked against slo.lag_seconds in lakectl.yaml.`

  static examples = ['<%= config.bin %> report lag', '<%= config.bin %> report lag --since 6 --json']
  static flags = sinceFlag

  async execute(): Promise<LagReport> {
    const client = await this.client()
    const {target, config} = this.settings
    const warehouse = await resolveWarehouse(client, target.warehouse)
    return lagReport(client, {config, catalog: target.catalog, warehouseId: warehouse.id, sinceHours: this.flags.since})
  }

  protected exitCodeFor(report: LagReport): number {
    return exitCodeOf(report.checks)
  }

  async render(r: LagReport): Promise<void> {
    this.out.print(`Streaming lag in ${r.catalog} since ${r.since}:`)
    await this.out.table(r.layers, [
      {header: 'LAYER', value: (l) => l.layer},
      {header: 'BATCHES', value: (l) => l.batches, align: 'right'},
      {header: 'ROWS', value: (l) => l.rows, align: 'right'},
      {header: 'ROWS/S', value: (l) => formatRate(l.avg_rows_per_second), align: 'right'},
      {header: 'P50 S', value: (l) => formatLag(l.lag_p50_seconds), align: 'right'},
      {header: 'P95 S', value: (l) => formatLag(l.lag_p95_seconds), align: 'right'},
      {header: 'MAX S', value: (l) => formatLag(l.lag_max_seconds), align: 'right'},
      {header: 'NOW S', value: (l) => formatLag(l.current_lag_seconds), align: 'right'},
      {header: 'SLO S', value: (l) => l.slo_seconds, align: 'right'},
    ])
    await renderChecks(this.out, r.checks, `Nothing to check: no layer recorded a batch since ${r.since}. Next: lakectl stream status`)
  }
}
