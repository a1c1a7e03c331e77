import {LakectlCommand} from '../../cli/base-command.js'
import {modelArg, modelName} from '../../cli/model-command.js'
import {exitCodeOf, renderFindings, reportFlags, reportTime, writeHtml} from '../../cli/report-command.js'
import {resolveWarehouse} from '../../databricks/warehouses.js'
import {renderHtml} from '../../reports/html.js'
import {modelReport, type ModelReport} from '../../reports/model.js'
import {modelPage} from '../../reports/pages.js'

export default class ReportModel extends LakectlCommand<typeof ReportModel, ModelReport> {
  static summary = 'Model metrics per version: serving latency and errors, score drift (PSI), accuracy; exit 3 on a breach.'
  static description = `Per model version over the window: latency p50/p95/p99 and error rate of the serving endpoint
(from its inference table, AI Gateway's <prefix>_payload; the report says so when the endpoint has none),
score drift of the scores Silver wrote against the training distribution stored with the version (the
population stability index over its score bins), and accuracy against the labels reviews carry (rating
>= 4 positive, <= 2 negative, as in training). Limits in monitoring.model of lakectl.yaml; fewer than
min_samples is UNKNOWN, not a breach. --html writes the charts.`

  static examples = ['<%= config.bin %> report model', '<%= config.bin %> report model --since 168 --json', '<%= config.bin %> report model --html model.html']
  static args = modelArg
  static flags = reportFlags

  async execute(): Promise<ModelReport> {
    const client = await this.client()
    const {target, config} = this.settings
    const model = modelName(this.settings, this.args.model)
    const warehouse = await resolveWarehouse(client, target.warehouse)
    const report = await modelReport(client, {config, catalog: target.catalog, warehouseId: warehouse.id, model, endpoint: config.model.serving_endpoint, sinceHours: this.flags.since, now: reportTime(this.flags.at)})
    if (this.flags.html) writeHtml(this.out, this.flags.html, renderHtml(modelPage(report)))
    return report
  }

  protected exitCodeFor(report: ModelReport): number {
    return exitCodeOf(report.findings)
  }

  async render(r: ModelReport): Promise<void> {
    this.out.print(`Model ${r.model} (endpoint ${r.endpoint}) since ${r.since}:`)
    if (r.inference_note) this.out.print(`  ${r.inference_note}`)
    if (!r.versions.length) this.out.print('  no version scored or served in the window.')
    await this.out.table(r.versions, [
      {header: 'VERSION', value: (v) => v.version, align: 'right'},
      {header: 'ALIASES', value: (v) => v.aliases},
      {header: 'REQUESTS', value: (v) => v.requests, align: 'right'},
      {header: 'ERROR RATE', value: (v) => v.error_rate, align: 'right'},
      {header: 'P50 MS', value: (v) => v.latency_p50_ms, align: 'right'},
      {header: 'P95 MS', value: (v) => v.latency_p95_ms, align: 'right'},
      {header: 'P99 MS', value: (v) => v.latency_p99_ms, align: 'right'},
      {header: 'SCORED', value: (v) => v.scored, align: 'right'},
      {header: 'PSI', value: (v) => v.psi, align: 'right'},
      {header: 'LABELLED', value: (v) => v.labelled, align: 'right'},
      {header: 'ACCURACY', value: (v) => v.accuracy, align: 'right'},
    ])
    await renderFindings(this.out, r.findings)
  }
}
