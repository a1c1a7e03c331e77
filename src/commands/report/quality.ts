import {LakectlCommand} from '../../cli/base-command.js'
import {exitCodeOf, renderChecks, sinceFlag} from '../../cli/report-command.js'
import {formatNumber} from '../../cli/output.js'
import {resolveWarehouse} from '../../databricks/warehouses.js'
import {qualityReport, type QualityReport} from '../../reports/quality.js'

export default class ReportQuality extends LakectlCommand<typeof ReportQuality, QualityReport> {
  static summary = 'Data-quality report of Silver over a window, against the thresholds; exit 3 on breach.'
  static description = `From ops.quality_metrics: rows received, valid, quarantined (by reason), duplicates dropped and
nulls by column, with the ratios checked against quality: in lakectl.yaml.`

  static examples = ['<%= config.bin %> report quality', '<%= config.bin %> report quality --since 1 --json']
  static flags = sinceFlag

  async execute(): Promise<QualityReport> {
    const client = await this.client()
    const {target, config} = this.settings
    const warehouse = await resolveWarehouse(client, target.warehouse)
    return qualityReport(client, {config, catalog: target.catalog, warehouseId: warehouse.id, sinceHours: this.flags.since})
  }

  protected exitCodeFor(report: QualityReport): number {
    return exitCodeOf(report.checks)
  }

  async render(r: QualityReport): Promise<void> {
    this.out.print(`Silver quality in ${r.catalog} since ${r.since} (${formatNumber(r.batches)} batches):`)
    const n = (value: number) => formatNumber(value)
    this.out.print(`  ${n(r.rows_in)} received, ${n(r.rows_valid)} valid, ${n(r.rows_written)} written, ${n(r.duplicates_dropped)} duplicates dropped, ${n(r.rows_quarantined)} quarantined`)
    const reasons = Object.entries(r.reject_reasons).filter(([, count]) => count > 0).map(([k, count]) => `${k} ${n(count)}`)
    if (reasons.length) this.out.print(`  reject reasons: ${reasons.join(', ')}`)
    if (r.null_counts.sentiment_score) this.out.print(`  reviews not scored (no model served): ${n(r.null_counts.sentiment_score)}`)
    await renderChecks(this.out, r.checks, `Nothing to check: Silver recorded no batch since ${r.since}. Next: lakectl stream status`)
  }
}
