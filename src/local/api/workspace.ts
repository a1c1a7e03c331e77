/** Workspace files and notebooks (reference 8.1). */
import {z} from 'zod'

import {booleanQuery, parseBody, requiredQuery} from '../http/input.js'
import {Reply, type Routes} from '../http/router.js'
import type {LocalServices} from '../services.js'

const importBody = z.object({
  path: z.string(),
  content: z.string().optional(),
  format: z.string().optional(),
  language: z.string().optional(),
  // The multipart upload form sends it as text.
  overwrite: z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]).optional(),
})
const pathBody = z.object({path: z.string()})
const deleteBody = pathBody.extend({recursive: z.boolean().optional()})

export function registerWorkspaceRoutes(routes: Routes, services: LocalServices): void {
  const {workspace} = services
  routes
    .post('/mkdirs', ({body}) => {
      workspace.mkdirs(parseBody(pathBody, body).path)
      return {}
    })
    .post('/import', ({body}) => {
      workspace.import(parseBody(importBody, body))
      return {}
    })
    .get('/get-status', ({query}) => workspace.status(requiredQuery(query, 'path')))
    .get('/list', ({query}) => workspace.list(requiredQuery(query, 'path')))
    .get('/export', ({query}) => {
      const exported = workspace.export(requiredQuery(query, 'path'), query.get('format') ?? undefined)
      // direct_download answers the file's bytes instead of the JSON with base64 content.
      if (!booleanQuery(query, 'direct_download')) return exported
      return new Reply(Buffer.from(String(exported.content), 'base64'), {'content-type': 'application/octet-stream'})
    })
    .post('/delete', ({body}) => {
      const request = parseBody(deleteBody, body)
      workspace.delete(request.path, request.recursive ?? false)
      return {}
    })
}
