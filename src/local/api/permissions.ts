/** Unity Catalog grants: direct and effective permissions (reference 2.6). */
import {z} from 'zod'

import {invalidParameter} from '../http/errors.js'
import {integerQuery, parseBody} from '../http/input.js'
import type {Routes} from '../http/router.js'
import type {LocalServices} from '../services.js'

const permissionsUpdate = z.object({
  changes: z.array(z.object({principal: z.string(), add: z.array(z.string()).optional(), remove: z.array(z.string()).optional()})).default([]),
  omit_permissions_in_response: z.boolean().optional(),
})

/** Permission lists take `max_results` 0 or >= 150 (reference 2.1); everything fits in one page here. */
function checkMaxResults(query: URLSearchParams): void {
  const maxResults = integerQuery(query, 'max_results')
  if (maxResults !== undefined && (maxResults < 0 || (maxResults > 0 && maxResults < 150))) {
    throw invalidParameter(`max_results must be 0 or at least 150 for permissions, got ${maxResults}.`)
  }
}

function assignments<T>(list: T[]): {privilege_assignments?: T[]} {
  return list.length > 0 ? {privilege_assignments: list} : {}
}

export function registerPermissionsRoutes(routes: Routes, services: LocalServices): void {
  const {permissions} = services
  routes
    .get('/permissions/{securable_type}/{full_name}', async ({params, query}) => {
      checkMaxResults(query)
      const {type, name} = await permissions.securable(params.securable_type, params.full_name)
      return assignments(permissions.direct(type, name, query.get('principal') ?? undefined))
    })
    .patch('/permissions/{securable_type}/{full_name}', async ({params, body}) => {
      const request = parseBody(permissionsUpdate, body)
      const {type, name} = await permissions.securable(params.securable_type, params.full_name)
      const result = permissions.update(type, name, request.changes)
      return request.omit_permissions_in_response ? {} : assignments(result)
    })
    .get('/effective-permissions/{securable_type}/{full_name}', async ({params, query}) => {
      checkMaxResults(query)
      const {type, name} = await permissions.securable(params.securable_type, params.full_name)
      return assignments(permissions.effective(type, name, query.get('principal') ?? undefined))
    })
}
