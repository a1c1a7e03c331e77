/**
 * Databricks SQL alerts, the current API (`/api/2.0/alerts`, AlertsV2; wire shape in
 * src/local/api/alerts.ts's header): list, create, update with an update mask.
 */
import type {DatabricksClient} from './client.js'

const ALERTS = '/api/2.0/alerts'

export interface AlertOperandColumn {
  name: string
  aggregation?: string
  display?: string
}

export interface AlertEvaluation {
  source: AlertOperandColumn
  comparison_operator: string
  threshold?: {value?: {double_value?: number; string_value?: string; bool_value?: boolean}; column?: AlertOperandColumn}
  empty_result_state?: string
  notification?: {notify_on_ok?: boolean; retrigger_seconds?: number; subscriptions?: Array<{destination_id?: string; user_email?: string}>}
  /** Output only. */
  state?: string
  last_evaluated_at?: string
}

export interface AlertSpec {
  display_name: string
  query_text: string
  warehouse_id: string
  evaluation: AlertEvaluation
  schedule: {quartz_cron_schedule: string; timezone_id: string; pause_status?: string}
  custom_summary?: string
  custom_description?: string
  parent_path?: string
}

export interface Alert extends AlertSpec {
  id: string
  lifecycle_state?: string
  owner_user_name?: string
  create_time?: string
  update_time?: string
}

/** Every active alert the caller can see. */
export async function listAlerts(client: DatabricksClient): Promise<Alert[]> {
  const alerts = await client.listAll<Alert>(ALERTS, 'results', {page_size: 100})
  return alerts.filter((a) => (a.lifecycle_state ?? 'ACTIVE') === 'ACTIVE')
}

/** Not idempotent: an unknown outcome is settled by looking for the alert by its display name. */
export function createAlert(client: DatabricksClient, alert: AlertSpec): Promise<Alert> {
  const settle = async () => {
    const found = (await listAlerts(client)).find((a) => a.display_name === alert.display_name)
    return found ? {value: found} : undefined
  }
  return client.post<Alert>(ALERTS, alert, {settle})
}

/** Replaces the named top-level fields of an alert (parent_path cannot change). */
export function updateAlert(client: DatabricksClient, id: string, alert: AlertSpec, fields: string[]): Promise<Alert> {
  // The masked fields are set to fixed values: safe to send again.
  return client.request<Alert>('PATCH', `${ALERTS}/${encodeURIComponent(id)}`, {body: alert, query: {update_mask: fields.join(',')}, idempotent: true})
}
