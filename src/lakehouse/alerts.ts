/**
 * The alerting bootstrap manages, from lakectl.yaml: Databricks SQL alerts over the ops tables (each
 * layer's seconds behind against its lag SLO, Silver's quarantine ratio over the last hour against its
 * limit, each layer's table going stale) notifying `monitoring.alerts` destination and emails on its
 * schedule; and the jobs' health rules (STREAMING_BACKLOG_SECONDS at the lag SLO for the streams,
 * RUN_DURATION_SECONDS for the batch jobs) with their email and destination notifications.
 * Alerts are found by display name (the API has no tags), planned like the other objects, and created
 * in the workspace folder.
 */
import {LAYERS, type Layer} from '../config/names.js'
import type {LakectlConfig} from '../config/schema.js'
import type {ResolvedTarget} from '../config/targets.js'
import {type Alert, type AlertSpec, createAlert, listAlerts, updateAlert} from '../databricks/alerts.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import type {JobSettings} from '../databricks/jobs.js'
import type {PlannedAction} from './plan.js'
import {unchanged} from './plan.js'

/** An alert of the desired state: its spec without the warehouse (resolved when planning). */
export interface DesiredAlert {
  /** Stable key: lag_<layer>, quarantine_ratio, stale_<layer>. */
  key: string
  spec: Omit<AlertSpec, 'warehouse_id'>
}

/** The table each layer's stream writes (what goes stale when it stops committing data). */
export const LAYER_TABLES: Record<Layer, string> = {
  bronze: 'bronze.customer_events_raw',
  silver: 'silver.customer_events_cleaned',
  gold: 'gold.customer_behavior_daily',
}
/** The window of the quarantine-ratio alert. */
const QUARANTINE_WINDOW_SECONDS = 3600

export function desiredAlerts(config: LakectlConfig, target: ResolvedTarget): DesiredAlert[] {
  const progress = quoteName(`${target.catalog}.ops.stream_progress`)
  const quality = quoteName(`${target.catalog}.ops.quality_metrics`)
  const {alerts} = config.monitoring
  const subscriptions = [...(alerts.destination_id ? [{destination_id: alerts.destination_id}] : []), ...alerts.emails.map((user_email) => ({user_email}))]
  const base = (name: string) => ({
    display_name: `[${config.project}] ${name}`,
    parent_path: target.workspaceFolder,
    schedule: {quartz_cron_schedule: alerts.schedule, timezone_id: alerts.timezone},
  })
  const evaluation = (column: string, threshold: number) => ({
    source: {name: column},
    comparison_operator: 'GREATER_THAN',
    threshold: {value: {double_value: threshold}},
    // Nothing recorded yet (before the first batch, or no rows in the window) is not a breach.
    empty_result_state: 'OK',
    notification: {notify_on_ok: true, ...(subscriptions.length ? {subscriptions} : {})},
  })
  const lag = LAYERS.map((layer): DesiredAlert => ({
    key: `lag_${layer}`,
    spec: {
      ...base(`${layer} lag over its SLO`),
      custom_summary: `${layer} is further behind than its lag SLO (slo.lag_seconds.${layer})`,
      // As stream status says it (streams/status.ts currentLag): the latest batch's ingest lag, plus the
      // time since that batch while records wait upstream.
      query_text: `SELECT ingest_lag_seconds + CASE WHEN offsets_behind_latest > 0 THEN timestampdiff(SECOND, recorded_at, current_timestamp()) ELSE 0 END AS seconds_behind
FROM ${progress} WHERE stream = '${layer}' ORDER BY recorded_at DESC, batch_id DESC LIMIT 1`,
      evaluation: evaluation('seconds_behind', config.slo.lag_seconds[layer]),
    },
  }))
  const quarantine: DesiredAlert = {
    key: 'quarantine_ratio',
    spec: {
      ...base('quarantine ratio over its limit'),
      custom_summary: 'Silver quarantined more of the records of the last hour than quality.max_quarantine_ratio',
      query_text: `SELECT CAST(sum(rows_quarantined) AS DOUBLE) / sum(rows_in) AS quarantine_ratio
FROM ${quality} WHERE stream = 'silver' AND table_name = '${LAYER_TABLES.silver}' AND timestampdiff(SECOND, recorded_at, current_timestamp()) <= ${QUARANTINE_WINDOW_SECONDS}
HAVING sum(rows_in) > 0`,
      evaluation: evaluation('quarantine_ratio', config.quality.max_quarantine_ratio),
    },
  }
  const stale = LAYERS.map((layer): DesiredAlert => ({
    key: `stale_${layer}`,
    spec: {
      ...base(`${LAYER_TABLES[layer]} is stale`),
      custom_summary: `No ${layer} batch with data for longer than monitoring.stale_after_seconds`,
      query_text: `SELECT timestampdiff(SECOND, max(recorded_at), current_timestamp()) AS seconds_since_data
FROM ${progress} WHERE stream = '${layer}' AND num_input_rows > 0
HAVING count(*) > 0`,
      evaluation: evaluation('seconds_since_data', config.monitoring.stale_after_seconds),
    },
  }))
  return [...lag, quarantine, ...stale]
}

/**
 * Health rules and notifications of a job: the streams' backlog in seconds against their lag SLO, the
 * batch jobs' run duration against max_run_seconds; emails and the destination on failure and on a
 * rule's breach.
 */
export function jobMonitoring(config: LakectlConfig, role: string): Pick<JobSettings, 'health' | 'email_notifications' | 'webhook_notifications'> {
  const {emails, destination_id: destination, max_run_seconds: maxRun} = config.monitoring.alerts
  const streaming = (LAYERS as readonly string[]).includes(role)
  const metric = streaming ? 'STREAMING_BACKLOG_SECONDS' : 'RUN_DURATION_SECONDS'
  const limit = streaming ? config.slo.lag_seconds[role as Layer] : maxRun[role as keyof typeof maxRun]
  const on = streaming ? 'on_streaming_backlog_exceeded' : 'on_duration_warning_threshold_exceeded'
  return {
    health: {rules: [{metric, op: 'GREATER_THAN', value: Math.ceil(limit)}]},
    email_notifications: emails.length ? {on_failure: [...emails], [on]: [...emails]} : {},
    webhook_notifications: destination ? {on_failure: [{id: destination}], [on]: [{id: destination}]} : {},
  }
}

/**
 * The notification fields compared as wholes: diffSettings only looks at what the desired state sets,
 * so an email removed from lakectl.yaml would not show; a list left empty and a list absent are the
 * same (the API omits empty lists).
 */
export function notificationDiff(desired: JobSettings, actual: JobSettings): string[] {
  return (['email_notifications', 'webhook_notifications'] as const).flatMap((field) => {
    const normalise = (value: unknown) =>
      JSON.stringify(Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown[]>).filter(([, v]) => !Array.isArray(v) || v.length > 0).sort(([a], [b]) => a.localeCompare(b))))
    const [want, have] = [normalise(desired[field]), normalise(actual[field])]
    return want === have ? [] : [`${field}: ${have} -> ${want}`]
  })
}

/** Settings without the notification fields (notificationDiff compares those). */
export function omitNotifications(settings: JobSettings): JobSettings {
  const {email_notifications: _email, webhook_notifications: _webhook, ...rest} = settings
  return rest
}

/** The fields bootstrap compares and sets (parent_path is create-only). */
const COMPARED = ['query_text', 'warehouse_id', 'custom_summary', 'evaluation', 'schedule'] as const

export async function planAlerts(
  client: DatabricksClient,
  desired: DesiredAlert[],
  warehouseId: Promise<string>,
  read: <T>(fn: () => Promise<T>) => Promise<T>,
  diff: (desired: unknown, actual: unknown) => string[],
): Promise<PlannedAction[]> {
  const [existing, warehouse] = await Promise.all([read(() => listAlerts(client)), warehouseId])
  return desired.map(({spec}): PlannedAction => {
    const full: AlertSpec = {...spec, warehouse_id: warehouse}
    const matches = existing.filter((a) => a.display_name === spec.display_name)
    if (matches.length > 1) {
      return {object_type: 'alert', full_name: spec.display_name, action: 'blocked', diff: [`${matches.length} alerts are named '${spec.display_name}' (ids ${matches.map((m) => m.id).join(', ')}): delete all but one`]}
    }
    const [current] = matches
    if (!current) {
      // Not idempotent on the API side: guarded by the read above (no alert has this name).
      return {object_type: 'alert', full_name: spec.display_name, action: 'create', diff: [condition(full)], apply: (c) => createAlert(c, full).then(() => undefined)}
    }
    const changed = COMPARED.filter((field) => diff(pick(full, field), pick(current, field)).length > 0)
    if (!changed.length) return unchanged('alert', spec.display_name)
    return {
      object_type: 'alert',
      full_name: spec.display_name,
      action: 'update',
      diff: changed.flatMap((field) => diff(pick(full, field), pick(current, field))),
      apply: (c) => updateAlert(c, current.id, full, [...changed]).then(() => undefined),
    }
  })
}

function pick(alert: AlertSpec | Alert, field: (typeof COMPARED)[number]): Record<string, unknown> {
  return {[field]: alert[field]}
}

function condition(alert: AlertSpec): string {
  const {source, threshold} = alert.evaluation
  return `${source.name} > ${threshold?.value?.double_value}, every '${alert.schedule.quartz_cron_schedule}' (${alert.schedule.timezone_id})`
}
