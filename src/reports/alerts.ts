/**
 * What `lakectl alerts` shows: the SQL alerts bootstrap manages with their state on the workspace (the
 * alert's last evaluation), and the health rules of the project's jobs. The Jobs API keeps no state for
 * a health rule: it notifies when a run breaches it, so the rules are listed with their thresholds.
 */
import type {LakectlConfig} from '../config/schema.js'
import type {ResolvedTarget} from '../config/targets.js'
import {listAlerts} from '../databricks/alerts.js'
import type {DatabricksClient} from '../databricks/client.js'
import {listProjectJobs, TAG_ROLE} from '../databricks/jobs.js'
import {desiredAlerts} from '../lakehouse/alerts.js'
import {JOB_ROLES} from '../lakehouse/desired.js'

export interface AlertStatus {
  key: string
  name: string
  /** null: not on the workspace (lakectl bootstrap creates it). */
  id: string | null
  state: string
  last_evaluated_at: string | null
  metric: string
  operator: string
  threshold: number | null
  schedule: string | null
  subscribers: number
}

export interface HealthRuleStatus {
  job: string
  job_id: number
  role: string
  metric: string
  operator: string
  threshold: number
  notified: string[]
}

export interface AlertsReport {
  target: string
  checked_at: string
  alerts: AlertStatus[]
  health_rules: HealthRuleStatus[]
}

interface HealthRule {
  metric: string
  op: string
  value: number
}

export async function alertsReport(client: DatabricksClient, config: LakectlConfig, target: ResolvedTarget, now = Date.now()): Promise<AlertsReport> {
  const [existing, jobs] = await Promise.all([listAlerts(client), listProjectJobs(client, config.project)])
  const alerts = desiredAlerts(config, target).map(({key, spec}): AlertStatus => {
    const actual = existing.find((a) => a.display_name === spec.display_name)
    const evaluation = actual?.evaluation ?? spec.evaluation
    return {
      key,
      name: spec.display_name,
      id: actual?.id ?? null,
      state: actual ? (actual.evaluation.state ?? 'UNKNOWN') : 'NOT_DEPLOYED',
      last_evaluated_at: actual?.evaluation.last_evaluated_at ?? null,
      metric: evaluation.source.name,
      operator: evaluation.comparison_operator,
      threshold: evaluation.threshold?.value?.double_value ?? null,
      schedule: actual ? `${actual.schedule.quartz_cron_schedule} ${actual.schedule.timezone_id}` : null,
      subscribers: actual?.evaluation.notification?.subscriptions?.length ?? 0,
    }
  })
  const order = (role: string) => (JOB_ROLES as readonly string[]).indexOf(role)
  const health_rules = [...jobs].sort((a, b) => order(a.settings.tags?.[TAG_ROLE] ?? '') - order(b.settings.tags?.[TAG_ROLE] ?? '')).flatMap((job) => {
    const rules = ((job.settings.health as {rules?: HealthRule[]} | undefined)?.rules ?? [])
    const email = (job.settings.email_notifications ?? {}) as Record<string, string[]>
    const webhooks = (job.settings.webhook_notifications ?? {}) as Record<string, Array<{id: string}>>
    return rules.map((rule): HealthRuleStatus => {
      const on = rule.metric === 'RUN_DURATION_SECONDS' ? 'on_duration_warning_threshold_exceeded' : 'on_streaming_backlog_exceeded'
      return {
        job: String(job.settings.name ?? job.job_id),
        job_id: job.job_id,
        role: job.settings.tags?.[TAG_ROLE] ?? '',
        metric: rule.metric,
        operator: rule.op,
        threshold: Number(rule.value),
        notified: [...(email[on] ?? []), ...(webhooks[on] ?? []).map((w) => `destination ${w.id}`)],
      }
    })
  })
  return {target: target.name, checked_at: new Date(now).toISOString(), alerts, health_rules}
}

/** --check: an alert that fired, failed to evaluate, or is missing. */
export function alertProblems(report: AlertsReport): string[] {
  return report.alerts.filter((a) => ['TRIGGERED', 'ERROR', 'NOT_DEPLOYED'].includes(a.state)).map((a) => `${a.name} is ${a.state}`)
}
