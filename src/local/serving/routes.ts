/**
 * BI serving endpoints of the local workspace: the Permissions API for the SQL warehouse and
 * dashboards, and the Lakeview dashboards API.
 */
import {randomUUID} from 'node:crypto'

import {z} from 'zod'

import {ApiError, invalidParameter, notFound} from '../http/errors.js'
import {parseBody} from '../http/input.js'
import type {Router} from '../http/router.js'
import {WAREHOUSE_ID} from '../sql/warehouse.js'
import {type AclObjectType, applyAcl, objectPermissions} from './acl.js'
import type {LocalServices} from '../services.js'
import {recordDashboardLineage} from './page.js'
import type {ServingStore, StoredDashboard} from './store.js'

const aclRequest = z.object({
  access_control_list: z
    .array(z.object({user_name: z.string().optional(), group_name: z.string().optional(), service_principal_name: z.string().optional(), permission_level: z.string()}))
    .default([]),
})

export function registerServingRoutes(api: Router, store: ServingStore): void {
  const warehouseAcl = (id: string) => {
    if (id !== WAREHOUSE_ID) throw notFound('RESOURCE_DOES_NOT_EXIST', `Warehouse ${id} does not exist.`)
    return objectPermissions('warehouses', `/sql/warehouses/${id}`, store.state.warehouse_acl)
  }
  const changeWarehouse = (id: string, body: unknown, replace: boolean) => {
    warehouseAcl(id)
    const {access_control_list} = parseBody(aclRequest, body)
    store.update((state) => {
      state.warehouse_acl = applyAcl('warehouses' satisfies AclObjectType, state.warehouse_acl, access_control_list, replace)
    })
    return warehouseAcl(id)
  }
  // The Permissions API serves warehouses under both paths (the SDKs use the second).
  for (const prefix of ['/api/2.0/permissions/sql/warehouses', '/api/2.0/permissions/warehouses']) {
    api
      .get(`${prefix}/{id}`, ({params}) => warehouseAcl(params.id))
      .patch(`${prefix}/{id}`, ({params, body}) => changeWarehouse(params.id, body, false))
      .put(`${prefix}/{id}`, ({params, body}) => changeWarehouse(params.id, body, true))
  }
}

const LAKEVIEW = '/api/2.0/lakeview/dashboards'

const dashboardBody = z.object({
  display_name: z.string().min(1).optional(),
  parent_path: z.string().startsWith('/').optional(),
  serialized_dashboard: z.string().optional(),
  warehouse_id: z.string().optional(),
  etag: z.string().optional(),
})
const publishBody = z.object({embed_credentials: z.boolean().default(true), warehouse_id: z.string().optional()})

/** The Dashboard object as Lakeview answers it (list answers leave out path, serialized_dashboard, etag, update_time). */
function dashboardInfo(d: StoredDashboard, listed = false): Record<string, unknown> {
  const base = {dashboard_id: d.dashboard_id, display_name: d.display_name, create_time: d.create_time, warehouse_id: d.warehouse_id, lifecycle_state: d.lifecycle_state}
  if (listed) return base
  return {...base, path: `${d.parent_path}/${d.display_name}.lvdash.json`, parent_path: d.parent_path, update_time: d.update_time, etag: String(d.revision), serialized_dashboard: d.serialized_dashboard}
}

function checkSerialized(text: string): void {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw invalidParameter('serialized_dashboard is not valid JSON.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidParameter('serialized_dashboard must be a JSON object.')
}

/** Lakeview dashboards: draft CRUD (trash on delete), publish, the published revision. */
export function registerLakeviewRoutes(api: Router, services: LocalServices): void {
  const store = services.serving
  const find = (id: string): StoredDashboard => {
    const d = store.state.dashboards[id]
    if (!d) throw notFound('RESOURCE_DOES_NOT_EXIST', `Unable to find dashboard with id ${id}.`)
    return d
  }
  const now = () => new Date().toISOString()
  api
    .post(LAKEVIEW, ({body}) => {
      const input = parseBody(dashboardBody, body)
      if (!input.display_name) throw invalidParameter('display_name is required.')
      const parent = input.parent_path ?? '/Shared'
      if (Object.values(store.state.dashboards).some((d) => d.lifecycle_state === 'ACTIVE' && d.parent_path === parent && d.display_name === input.display_name)) {
        throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `Node named '${input.display_name}.lvdash.json' already exists`)
      }
      const serialized = input.serialized_dashboard ?? JSON.stringify({pages: [{name: 'page', displayName: 'Untitled page'}]})
      checkSerialized(serialized)
      const time = now()
      const created: StoredDashboard = {
        dashboard_id: randomUUID().replaceAll('-', ''),
        display_name: input.display_name,
        parent_path: parent,
        warehouse_id: input.warehouse_id,
        serialized_dashboard: serialized,
        lifecycle_state: 'ACTIVE',
        create_time: time,
        update_time: time,
        revision: 1,
      }
      store.update((state) => {
        state.dashboards[created.dashboard_id] = created
      })
      return dashboardInfo(created)
    })
    .get(LAKEVIEW, ({query}) => {
      const showTrashed = query.get('show_trashed') === 'true'
      const all = Object.values(store.state.dashboards)
        .filter((d) => showTrashed || d.lifecycle_state === 'ACTIVE')
        .sort((a, b) => a.create_time.localeCompare(b.create_time) || a.dashboard_id.localeCompare(b.dashboard_id))
      const size = Math.min(Math.max(Number(query.get('page_size') ?? 100) || 100, 1), 1000)
      const start = Number(query.get('page_token') ?? 0) || 0
      const page = all.slice(start, start + size)
      return {dashboards: page.map((d) => dashboardInfo(d, true)), ...(start + size < all.length ? {next_page_token: String(start + size)} : {})}
    })
    .get(`${LAKEVIEW}/{id}`, ({params}) => dashboardInfo(find(params.id)))
    .patch(`${LAKEVIEW}/{id}`, ({params, body}) => {
      const d = find(params.id)
      const input = parseBody(dashboardBody, body)
      if (input.etag !== undefined && input.etag !== String(d.revision)) throw new ApiError(409, 'ABORTED', 'The dashboard has been modified since the etag was read.')
      if (input.serialized_dashboard !== undefined) checkSerialized(input.serialized_dashboard)
      store.update(() => {
        if (input.display_name !== undefined) d.display_name = input.display_name
        if (input.serialized_dashboard !== undefined) d.serialized_dashboard = input.serialized_dashboard
        if (input.warehouse_id !== undefined) d.warehouse_id = input.warehouse_id
        d.revision += 1
        d.update_time = now()
      })
      return dashboardInfo(d)
    })
    .delete(`${LAKEVIEW}/{id}`, ({params}) => {
      const d = find(params.id)
      store.update(() => {
        d.lifecycle_state = 'TRASHED'
      })
      return {}
    })
    .post(`${LAKEVIEW}/{id}/published`, async ({params, body}) => {
      const d = find(params.id)
      const input = parseBody(publishBody, body)
      const warehouse = input.warehouse_id ?? d.warehouse_id
      if (!warehouse) throw invalidParameter('The dashboard has no warehouse: give warehouse_id.')
      store.update(() => {
        d.published = {serialized_dashboard: d.serialized_dashboard, display_name: d.display_name, warehouse_id: warehouse, embed_credentials: input.embed_credentials, revision_create_time: now()}
      })
      await recordDashboardLineage(services, d.dashboard_id, d.serialized_dashboard)
      return publishedInfo(d)
    })
    .get(`${LAKEVIEW}/{id}/published`, ({params}) => {
      const d = find(params.id)
      if (!d.published) throw notFound('RESOURCE_DOES_NOT_EXIST', `Dashboard ${params.id} is not published.`)
      return publishedInfo(d)
    })
    .delete(`${LAKEVIEW}/{id}/published`, ({params}) => {
      const d = find(params.id)
      store.update(() => {
        delete d.published
      })
      return {}
    })
}

function publishedInfo(d: StoredDashboard): Record<string, unknown> {
  const p = d.published!
  return {display_name: p.display_name, warehouse_id: p.warehouse_id, embed_credentials: p.embed_credentials, revision_create_time: p.revision_create_time}
}
