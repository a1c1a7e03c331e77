import {LakectlCommand} from '../../cli/base-command.js'
import {exitCodeOf, renderFindings, reportFlags, reportTime, writeHtml} from '../../cli/report-command.js'
import {resolveWarehouse} from '../../databricks/warehouses.js'
import {renderHtml} from '../../reports/html.js'
import {qualityPage} from '../../reports/pages.js'
import {qualityReport, type QualityReport} from '../../reports/quality.js'

export default class ReportQuality extends LakectlCommand<typeof ReportQuality, QualityReport> {
  static summary = 'Data quality: fixed limits and anomaly baselines per metric; exit 3 on a breach or an anomaly.'
  static description = `From ops.quality_metrics and ops.stream_progress. Fixed limits (quality: in lakectl.yaml) judge the
window's quarantine, duplicate and null ratios. Anomaly baselines judge every metric hour by hour: rows per
hour of each table, quarantine ratio per reason, null rate per column, duplicate ratio and freshness (time
since the stream last committed a batch with data). A metric is anomalous outside median +- k x 1.4826 x
MAD of the same hour of day (of week, with enough weeks) over monitoring.anomaly.history_days; anomalous
hours stay out of later baselines; with less than min_history_days of history a metric is LEARNING,
never an alarm. Each finding gives the observed value, the expected range, since when and, when known,
the likely cause. --html writes the charts (bands and flagged points) to one self-contained page.`

  static examples = ['<%= config.bin %> report quality', '<%= config.bin %> report quality --since 72 --html quality.html', '<%= config.bin %> report quality --json']
  static flags = reportFlags

  async execute(): Promise<QualityReport> {
    const client = await this.client()
    const {target, config} = this.settings
    const warehouse = await resolveWarehouse(client, target.warehouse)
    const report = await qualityReport(client, {config, catalog: target.catalog, warehouseId: warehouse.id, sinceHours: this.flags.since, now: reportTime(this.flags.at)})
    if (this.flags.html) writeHtml(this.out, this.flags.html, renderHtml(qualityPage(report)))
    return report
  }

  protected exitCodeFor(report: QualityReport): number {
    return exitCodeOf(report.findings)
  }

  async render(r: QualityReport): Promise<void> {
    this.out.print(`Silver quality in ${r.catalog} since ${r.since} (${r.batches} batches):`)
    this.out.print(`  ${r.rows_in} received, ${r.rows_valid} valid, ${r.rows_written} written, ${r.duplicates_dropped} duplicates dropped, ${r.rows_quarantined} quarantined`)
    const reasons = Object.entries(r.reject_reasons).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`)
    if (reasons.length) this.out.print(`  reject reasons: ${reasons.join(', ')}`)
    if (r.null_counts.sentiment_score) this.out.print(`  reviews not scored (no model served): ${r.null_counts.sentiment_score}`)
    const trends = new Map(r.series.map((s) => [s.metric, s.points.map((p) => p.value)]))
    await renderFindings(this.out, r.findings, {trend: (f) => trends.get(f.metric) as number[] | undefined})
  }
}
