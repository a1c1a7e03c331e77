/** Unity Catalog catalogs, schemas and tables (reference 2.2-2.4). */
import {z} from 'zod'

import {invalidParameter} from '../http/errors.js'
import {booleanQuery, pageRequest, parseBody, requiredQuery} from '../http/input.js'
import type {Routes} from '../http/router.js'
import type {LocalServices} from '../services.js'

const stringMap = z.record(z.string(), z.string())

const catalogCreate = z.object({name: z.string(), comment: z.string().optional(), properties: stringMap.optional()})
const schemaCreate = catalogCreate.extend({catalog_name: z.string()})
const objectUpdate = z.object({new_name: z.string().optional(), comment: z.string().optional(), owner: z.string().optional(), properties: stringMap.optional()})
const tableUpdate = z.object({owner: z.string().optional()})
const tableCreate = z.object({
  name: z.string(),
  catalog_name: z.string(),
  schema_name: z.string(),
  table_type: z.enum(['MANAGED', 'EXTERNAL']).optional(),
  data_source_format: z.string().optional(),
  storage_location: z.string().optional(),
  comment: z.string().optional(),
  properties: stringMap.optional(),
  columns: z
    .array(
      z.object({
        name: z.string(),
        type_text: z.string().optional(),
        type_name: z.string().optional(),
        type_precision: z.number().int().optional(),
        type_scale: z.number().int().optional(),
        position: z.number().int().optional(),
        nullable: z.boolean().optional(),
        comment: z.string().optional(),
        partition_index: z.number().int().optional(),
      }),
    )
    .default([]),
})

export function registerUnityCatalogRoutes(routes: Routes, services: LocalServices): void {
  const {catalog, pageLimits} = services

  routes
    .get('/catalogs', async ({query}) => {
      const page = await catalog.listCatalogs(pageRequest(query, pageLimits))
      return {catalogs: page.items, ...(page.nextPageToken ? {next_page_token: page.nextPageToken} : {})}
    })
    .post('/catalogs', ({body}) => catalog.createCatalog(parseBody(catalogCreate, body)))
    .get('/catalogs/{name}', ({params}) => catalog.getCatalog(params.name))
    .patch('/catalogs/{name}', ({params, body}) => catalog.updateCatalog(params.name, parseBody(objectUpdate, body)))
    .delete('/catalogs/{name}', async ({params, query}) => {
      await catalog.deleteCatalog(params.name, booleanQuery(query, 'force'))
      return {}
    })

  routes
    .get('/schemas', async ({query}) => {
      const page = await catalog.listSchemas(requiredQuery(query, 'catalog_name'), pageRequest(query, pageLimits))
      return {schemas: page.items, ...(page.nextPageToken ? {next_page_token: page.nextPageToken} : {})}
    })
    .post('/schemas', ({body}) => catalog.createSchema(parseBody(schemaCreate, body)))
    .get('/schemas/{full_name}', ({params}) => catalog.getSchema(params.full_name))
    .patch('/schemas/{full_name}', ({params, body}) => catalog.updateSchema(params.full_name, parseBody(objectUpdate, body)))
    .delete('/schemas/{full_name}', async ({params, query}) => {
      await catalog.deleteSchema(params.full_name, booleanQuery(query, 'force'))
      return {}
    })

  routes
    .get('/tables', async ({query}) => {
      const page = await catalog.listTables(requiredQuery(query, 'catalog_name'), requiredQuery(query, 'schema_name'), pageRequest(query, pageLimits), {
        omitColumns: booleanQuery(query, 'omit_columns'),
        omitProperties: booleanQuery(query, 'omit_properties'),
      })
      return {tables: page.items, ...(page.nextPageToken ? {next_page_token: page.nextPageToken} : {})}
    })
    .post('/tables', ({body}) => {
      const input = parseBody(tableCreate, body)
      if (input.data_source_format !== undefined && input.data_source_format !== 'DELTA') {
        throw invalidParameter(`data_source_format ${input.data_source_format} is not supported by the local workspace: tables are Delta tables.`)
      }
      return catalog.createTable(input)
    })
    .get('/tables/{full_name}', ({params}) => catalog.getTable(params.full_name))
    .get('/tables/{full_name}/exists', async ({params}) => ({table_exists: await catalog.tableExists(params.full_name)}))
    .patch('/tables/{full_name}', async ({params, body}) => {
      await catalog.updateTable(params.full_name, parseBody(tableUpdate, body))
      return {}
    })
    .delete('/tables/{full_name}', async ({params}) => {
      await catalog.deleteTable(params.full_name)
      return {}
    })
}
