/**
 * BI serving endpoints of the local workspace: the Permissions API for the SQL warehouse and
 * dashboards, and the Lakeview dashboards API.
 */
import {z} from 'zod'

import {notFound} from '../http/errors.js'
import {parseBody} from '../http/input.js'
import type {Router} from '../http/router.js'
import {WAREHOUSE_ID} from '../sql/warehouse.js'
import {type AclObjectType, applyAcl, objectPermissions} from './acl.js'
import type {ServingStore} from './store.js'

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
