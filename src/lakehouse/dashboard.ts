/**
 * The Lakeview dashboard bootstrap manages (resources/dashboards/lakehouse.lvdash.json, datasets over
 * the analyst views): its desired form, how it is found on a workspace (by its path: the folder and
 * name lakectl.yaml gives it), its plan (create, or update the draft, and publish whenever the
 * published revision is older than the draft), and the state of its datasets for `lakectl dashboard`.
 */
import type {LakectlConfig} from '../config/schema.js'
import type {ResolvedTarget} from '../config/targets.js'
import type {DatabricksClient} from '../databricks/client.js'
import {runStatement} from '../databricks/sql.js'
import {LakectlError} from '../errors.js'
import {readResource} from '../pipeline/resources.js'
import type {PlannedAction} from './plan.js'

export const LAKEVIEW = '/api/2.0/lakeview/dashboards'

export interface DesiredDashboard {
  display_name: string
  parent_path: string
  /** The workspace path of the dashboard: `<parent_path>/<display_name>.lvdash.json`. */
  path: string
  /** serialized_dashboard as lakectl writes it (catalog filled in). */
  serialized: string
  datasets: Array<{name: string; displayName: string; query: string}>
}

interface DashboardInfo {
  dashboard_id: string
  display_name?: string
  path?: string
  warehouse_id?: string
  serialized_dashboard?: string
  update_time?: string
  etag?: string
  lifecycle_state?: string
}

interface PublishedInfo {
  warehouse_id?: string
  revision_create_time?: string
}

export function desiredDashboard(config: LakectlConfig, target: ResolvedTarget): DesiredDashboard {
  const definition = JSON.parse(readResource('dashboards', 'lakehouse.lvdash.json').replaceAll('{{catalog}}', target.catalog)) as {
    datasets: Array<{name: string; displayName: string; queryLines: string[]}>
  }
  const name = config.serving.dashboard
  return {
    display_name: name,
    parent_path: target.workspaceFolder,
    path: `${target.workspaceFolder}/${name}.lvdash.json`,
    serialized: JSON.stringify(definition),
    datasets: definition.datasets.map((d) => ({name: d.name, displayName: d.displayName, query: d.queryLines.join('')})),
  }
}

/** The dashboard at the desired path, if any (list, then get: list answers carry no path). */
export async function findDashboard(client: DatabricksClient, desired: DesiredDashboard): Promise<DashboardInfo | undefined> {
  const listed = await client.listAll<DashboardInfo>(LAKEVIEW, 'dashboards', {page_size: 100})
  const candidates = listed.filter((d) => d.display_name === desired.display_name && (d.lifecycle_state ?? 'ACTIVE') === 'ACTIVE')
  for (const candidate of candidates) {
    const info = await client.get<DashboardInfo>(`${LAKEVIEW}/${encodeURIComponent(candidate.dashboard_id)}`)
    if (stripWorkspace(info.path) === desired.path) return info
  }
  return undefined
}

/** Plans the dashboard: the draft's definition and warehouse, then whether the published revision is current. */
export async function planDashboard(client: DatabricksClient, desired: DesiredDashboard, warehouseId: string): Promise<PlannedAction> {
  const name = desired.path
  const current = await findDashboard(client, desired)
  const publish = (c: DatabricksClient, id: string) => c.post(`${LAKEVIEW}/${encodeURIComponent(id)}/published`, {embed_credentials: true, warehouse_id: warehouseId}, {idempotent: true})
  if (!current) {
    return {
      object_type: 'dashboard',
      full_name: name,
      action: 'create',
      diff: [`${desired.datasets.length} datasets, published`],
      // Not idempotent on the API side: guarded by the read above (no dashboard at this path), and an
      // unknown outcome is settled by looking for the dashboard at its path again.
      apply: async (c) => {
        const settle = async () => {
          const found = await findDashboard(c, desired)
          return found ? {value: found} : undefined
        }
        const created = await c.post<DashboardInfo>(LAKEVIEW, {display_name: desired.display_name, parent_path: desired.parent_path, serialized_dashboard: desired.serialized, warehouse_id: warehouseId}, {settle})
        await publish(c, created.dashboard_id)
      },
    }
  }
  const diff: string[] = []
  if (canonical(current.serialized_dashboard) !== canonical(desired.serialized)) diff.push('definition differs from resources/dashboards')
  if (current.warehouse_id !== warehouseId) diff.push(`warehouse_id: ${current.warehouse_id ?? '(unset)'} -> ${warehouseId}`)
  const published = await client.find<PublishedInfo>(`${LAKEVIEW}/${encodeURIComponent(current.dashboard_id)}/published`)
  if (!published) diff.push('not published')
  else if (diff.length || (published.revision_create_time ?? '') < (current.update_time ?? '')) diff.push('published revision is older than the draft')
  else if (published.warehouse_id !== warehouseId) diff.push(`published warehouse_id: ${published.warehouse_id ?? '(unset)'} -> ${warehouseId}`)
  const label = `${name} (${current.dashboard_id})`
  if (!diff.length) return {object_type: 'dashboard', full_name: label, action: 'unchanged', diff: []}
  const draftChanged = diff.some((d) => d.startsWith('definition') || d.startsWith('warehouse_id'))
  return {
    object_type: 'dashboard',
    full_name: label,
    action: 'update',
    diff,
    apply: async (c) => {
      if (draftChanged) {
        await c.patch(`${LAKEVIEW}/${encodeURIComponent(current.dashboard_id)}`, {display_name: desired.display_name, serialized_dashboard: desired.serialized, warehouse_id: warehouseId, etag: current.etag})
      }
      await publish(c, current.dashboard_id)
    },
  }
}

export interface DatasetState {
  name: string
  display_name: string
  state: 'OK' | 'FAILED'
  rows: number | null
  error?: string
}

export interface DashboardStatus {
  dashboard_id: string
  display_name: string
  path: string
  url: string
  published: boolean
  published_at: string | null
  datasets: DatasetState[]
}

/** Where the dashboard is and whether each dataset's query runs (and how many rows it gives). */
export async function dashboardStatus(client: DatabricksClient, desired: DesiredDashboard, warehouseId: string, host: string): Promise<DashboardStatus> {
  const current = await findDashboard(client, desired)
  if (!current) throw new LakectlError(`No dashboard at ${desired.path}.`, {code: 'DASHBOARD_NOT_FOUND', hint: 'lakectl bootstrap --yes'})
  const published = await client.find<PublishedInfo>(`${LAKEVIEW}/${encodeURIComponent(current.dashboard_id)}/published`)
  const definition = JSON.parse(current.serialized_dashboard ?? '{}') as {datasets?: Array<{name: string; displayName?: string; queryLines?: string[]}>}
  const datasets = await Promise.all(
    (definition.datasets ?? []).map(async (d): Promise<DatasetState> => {
      try {
        const result = await runStatement(client, {statement: `SELECT count(*) AS n FROM (${(d.queryLines ?? []).join('')}) q`, warehouseId})
        return {name: d.name, display_name: d.displayName ?? d.name, state: 'OK', rows: Number(result.rows[0]?.n ?? 0)}
      } catch (error) {
        return {name: d.name, display_name: d.displayName ?? d.name, state: 'FAILED', rows: null, error: error instanceof Error ? error.message : String(error)}
      }
    }),
  )
  return {
    dashboard_id: current.dashboard_id,
    display_name: current.display_name ?? desired.display_name,
    path: desired.path,
    url: `${host.replace(/\/$/, '')}/dashboardsv3/${current.dashboard_id}/published`,
    published: Boolean(published),
    published_at: published?.revision_create_time ?? null,
    datasets,
  }
}

/** A workspace path as the API may report it (with or without the /Workspace prefix). */
function stripWorkspace(p: string | undefined): string | undefined {
  return p?.replace(/^\/Workspace(?=\/)/, '')
}

function canonical(serialized: string | undefined): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(serialized ?? '')))
  } catch {
    return serialized ?? ''
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]))
  return value
}
