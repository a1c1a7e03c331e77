/** Unity Catalog volumes (reference 2.5). */
import {z} from 'zod'

import {pageRequest, parseBody, requiredQuery} from '../http/input.js'
import type {Routes} from '../http/router.js'
import type {LocalServices} from '../services.js'

const volumeCreate = z.object({
  catalog_name: z.string(),
  schema_name: z.string(),
  name: z.string(),
  volume_type: z.enum(['MANAGED', 'EXTERNAL']),
  storage_location: z.string().optional(),
  comment: z.string().optional(),
})

const volumeUpdate = z.object({new_name: z.string().optional(), comment: z.string().optional(), owner: z.string().optional()})

export function registerVolumeRoutes(routes: Routes, services: LocalServices): void {
  const {volumes, pageLimits} = services
  routes
    .post('/volumes', ({body}) => volumes.create(parseBody(volumeCreate, body)))
    .get('/volumes', async ({query}) => {
      const page = await volumes.list(requiredQuery(query, 'catalog_name'), requiredQuery(query, 'schema_name'), pageRequest(query, pageLimits))
      return {volumes: page.items, ...(page.nextPageToken ? {next_page_token: page.nextPageToken} : {})}
    })
    .get('/volumes/{full_name}', ({params}) => volumes.get(params.full_name))
    .patch('/volumes/{full_name}', ({params, body}) => volumes.update(params.full_name, parseBody(volumeUpdate, body)))
    .delete('/volumes/{full_name}', ({params}) => {
      volumes.delete(params.full_name)
      return {}
    })
}
