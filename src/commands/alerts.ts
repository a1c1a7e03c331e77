import {Flags} from '../cli/flags.js'

import {LakectlCommand} from '../cli/base-command.js'
import {ExitCode} from '../cli/errors.js'
import {alertProblems, alertsReport, type AlertsReport} from '../reports/alerts.js'

export default class Alerts extends LakectlCommand<typeof Alerts, AlertsReport> {
  static summary = 'List the SQL alerts and job health rules bootstrap manages, with the alerts\' states.'
  static description = `The SQL alerts over the ops tables (each layer's lag against its SLO, Silver's quarantine ratio
over the last hour, each layer's table going stale), with their state on the workspace (OK,
TRIGGERED, ERROR, UNKNOWN before the first evaluation; NOT_DEPLOYED until lakectl bootstrap creates
them) and their last evaluation; then the jobs' health rules (STREAMING_BACKLOG_SECONDS,
RUN_DURATION_SECONDS) and whom they notify. Thresholds, schedule, destination and emails come from
lakectl.yaml (slo, quality, monitoring.alerts).

--check exits 3 when an alert is TRIGGERED, ERROR or NOT_DEPLOYED.`

  static examples = ['<%= config.bin %> alerts', '<%= config.bin %> alerts --check --json']
  static flags = {
    check: Flags.boolean({description: 'Exit 3 when an alert is TRIGGERED, ERROR or not deployed.'}),
  }

  async execute(): Promise<AlertsReport> {
    const {config, target} = this.settings
    return alertsReport(await this.client(), config, target)
  }

  protected exitCodeFor(report: AlertsReport): number {
    return this.flags.check && alertProblems(report).length ? ExitCode.checkFailed : ExitCode.ok
  }

  async render(report: AlertsReport): Promise<void> {
    const s = this.out.style
    const state = (value: string) => ({OK: s.green('OK'), TRIGGERED: s.red('TRIGGERED'), ERROR: s.red('ERROR')})[value] ?? s.dim(value)
    this.out.print(`Alerts of ${report.target} at ${report.checked_at}`)
    await this.out.table(report.alerts, [
      {header: 'ALERT', value: (a) => a.name},
      {header: 'STATE', value: (a) => state(a.state)},
      {header: 'CONDITION', value: (a) => `${a.metric} ${OPERATORS[a.operator] ?? a.operator} ${a.threshold ?? ''}`.trim()},
      {header: 'EVALUATED', value: (a) => (a.last_evaluated_at ? this.out.time(Date.parse(a.last_evaluated_at)) : null)},
    ])
    if (report.health_rules.length) {
      this.out.print('')
      await this.out.table(report.health_rules, [
        {header: 'JOB', value: (r) => r.job},
        {header: 'HEALTH RULE', value: (r) => `${r.metric} ${OPERATORS[r.operator] ?? r.operator} ${r.threshold}`},
        {header: 'NOTIFIES', value: (r) => (r.notified.length ? r.notified.join(', ') : null)},
      ])
    }
    if (report.alerts.some((a) => a.state === 'NOT_DEPLOYED')) this.out.print('Alerts not deployed yet: lakectl bootstrap --yes')
    if (this.flags.check) for (const problem of alertProblems(report)) this.out.info(`check failed: ${problem}`)
  }
}

const OPERATORS: Record<string, string> = {
  GREATER_THAN: '>',
  GREATER_THAN_OR_EQUAL: '>=',
  LESS_THAN: '<',
  LESS_THAN_OR_EQUAL: '<=',
  EQUAL: '=',
  NOT_EQUAL: '!=',
  IS_NULL: 'is null',
  IS_NOT_NULL: 'is not null',
}
