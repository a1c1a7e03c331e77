import {LakectlCommand} from '../../cli/base-command.js'
import {formatLag, formatRate} from '../../cli/output.js'
import {exitCodeOf, renderFindings, reportFlags, reportTime, sparkline, statusText, writeHtml} from '../../cli/report-command.js'
import {resolveWarehouse} from '../../databricks/warehouses.js'
import {renderHtml} from '../../reports/html.js'
import {lagReport, type LagReport} from '../../reports/lag.js'
import {lagPage} from '../../reports/pages.js'

export default class ReportLag extends LakectlCommand<typeof ReportLag, LagReport> {
  static summary = 'Streaming lag per layer: Burrow-style status and seconds behind against the SLO; exit 3 on a breach.'
  static description = `From ops.stream_progress: batches, rows, throughput and seconds behind (p50, p95, max, now) per
layer over the window; the status of the last monitoring.lag_window progress rows as Burrow judges a
consumer (OK, WARN: the backlog never shrinks, STALL: no progress while records wait, STOP: nothing
committed for longer than the window, REWIND: offsets went backwards); seconds behind against
slo.lag_seconds. STALL, STOP, REWIND and a breached SLO exit 3. --html writes the charts.`

  static examples = ['<%= config.bin %> report lag', '<%= config.bin %> report lag --since 6 --json', '<%= config.bin %> report lag --html lag.html']
  static flags = reportFlags

  async execute(): Promise<LagReport> {
    const client = await this.client()
    const {target, config} = this.settings
    const warehouse = await resolveWarehouse(client, target.warehouse)
    const report = await lagReport(client, {config, catalog: target.catalog, warehouseId: warehouse.id, sinceHours: this.flags.since, now: reportTime(this.flags.at)})
    if (this.flags.html) writeHtml(this.out, this.flags.html, renderHtml(lagPage(report)))
    return report
  }

  protected exitCodeFor(report: LagReport): number {
    return exitCodeOf(report.findings)
  }

  async render(r: LagReport): Promise<void> {
    const s = this.out.style
    if (r.layers.every((l) => l.lag_status === 'UNKNOWN' && l.batches === 0)) {
      this.out.print(`Nothing to check: no layer recorded a batch since ${r.since}. Next: lakectl stream status`)
      return
    }
    this.out.print(`Streaming lag in ${r.catalog} since ${r.since}:`)
    await this.out.table(r.layers, [
      {header: 'LAYER', value: (l) => l.layer},
      {header: 'LAG', value: (l) => statusText(s, l.lag_status)},
      {header: 'BATCHES', value: (l) => l.batches, align: 'right'},
      {header: 'ROWS', value: (l) => l.rows, align: 'right'},
      {header: 'ROWS/S', value: (l) => formatRate(l.avg_rows_per_second), align: 'right'},
      {header: 'P50 S', value: (l) => formatLag(l.lag_p50_seconds), align: 'right'},
      {header: 'P95 S', value: (l) => formatLag(l.lag_p95_seconds), align: 'right'},
      {header: 'MAX S', value: (l) => formatLag(l.lag_max_seconds), align: 'right'},
      {header: 'NOW S', value: (l) => formatLag(l.current_lag_seconds), align: 'right'},
      {header: 'BEHIND', value: (l) => l.offsets_behind, align: 'right'},
      {header: 'SLO S', value: (l) => l.slo_seconds, align: 'right'},
      ...(this.out.stdoutIsTTY ? [{header: 'TREND', value: (l: LagReport['layers'][number]) => sparkline((r.series[l.layer] ?? []).map((p) => p.lag_seconds))}] : []),
    ])
    await renderFindings(this.out, r.findings)
  }
}
