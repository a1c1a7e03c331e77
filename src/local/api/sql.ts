/** SQL warehouses and the Statement Execution API (reference 5). */
import {z} from 'zod'

import {invalidParameter, notFound} from '../http/errors.js'
import {integerQuery, parseBody} from '../http/input.js'
import type {Routes} from '../http/router.js'
import type {LocalServices} from '../services.js'
import {WAREHOUSE_ID} from '../sql/warehouse.js'

const MAX_STATEMENT_BYTES = 16 * 1024 * 1024
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const executeBody = z.object({
  statement: z.string(),
  warehouse_id: z.string(),
  catalog: z.string().optional(),
  schema: z.string().optional(),
  parameters: z
    .array(
      z.object({
        name: z.string(),
        // The API types values as strings; scalars sent as JSON numbers or booleans are taken as their text.
        value: z.union([z.string(), z.number(), z.boolean()]).nullable().optional(),
        type: z.string().optional(),
      }),
    )
    .default([]),
  wait_timeout: z.string().default('10s'),
  on_wait_timeout: z.enum(['CONTINUE', 'CANCEL']).default('CONTINUE'),
  disposition: z.string().default('INLINE'),
  format: z.string().default('JSON_ARRAY'),
  row_limit: z.number().int().nonnegative().optional(),
})

/** `0s` (asynchronous) or `5s`..`50s`. */
function waitMilliseconds(waitTimeout: string): number {
  const seconds = /^(\d+)s$/.exec(waitTimeout)?.[1]
  const value = seconds === undefined ? Number.NaN : Number(seconds)
  if (value !== 0 && !(value >= 5 && value <= 50)) {
    throw invalidParameter(`wait_timeout must be 0s or between 5s and 50s, got '${waitTimeout}'.`)
  }
  return value * 1000
}

function requireWarehouse(id: string): void {
  if (id !== WAREHOUSE_ID) throw notFound('RESOURCE_DOES_NOT_EXIST', `Warehouse ${id} does not exist.`)
}

export function registerSqlRoutes(routes: Routes, services: LocalServices, port: () => number): void {
  const {warehouse, statements} = services

  routes
    .get('/api/2.0/sql/warehouses', ({query}) => {
      const pageSize = integerQuery(query, 'page_size')
      if (pageSize !== undefined && pageSize < 0) throw invalidParameter(`page_size must not be negative, got ${pageSize}.`)
      return {warehouses: [warehouse.info(port())]}
    })
    .get('/api/2.0/sql/warehouses/{id}', ({params}) => {
      requireWarehouse(params.id)
      return warehouse.info(port())
    })
    .post('/api/2.0/sql/warehouses/{id}/start', ({params}) => {
      requireWarehouse(params.id)
      warehouse.start()
      return {}
    })
    .post('/api/2.0/sql/warehouses/{id}/stop', ({params}) => {
      requireWarehouse(params.id)
      warehouse.stop()
      return {}
    })

  routes
    .post('/api/2.0/sql/statements', ({body}) => {
      const request = parseBody(executeBody, body)
      if (Buffer.byteLength(request.statement) > MAX_STATEMENT_BYTES) throw invalidParameter('statement is larger than 16 MiB.')
      if (request.statement.trim() === '') throw invalidParameter('statement must not be empty.')
      requireWarehouse(request.warehouse_id)
      if (request.disposition !== 'INLINE') throw invalidParameter(`disposition ${request.disposition} is not supported by the local workspace (use INLINE).`)
      if (request.format !== 'JSON_ARRAY') throw invalidParameter(`format ${request.format} is not supported by the local workspace (use JSON_ARRAY).`)
      const names = new Set<string>()
      for (const parameter of request.parameters) {
        if (!PARAMETER_NAME.test(parameter.name)) throw invalidParameter(`Invalid parameter name '${parameter.name}'.`)
        if (names.has(parameter.name)) throw invalidParameter(`Parameter '${parameter.name}' is given more than once.`)
        names.add(parameter.name)
      }
      return statements.execute({
        statement: request.statement,
        session: {catalog: request.catalog?.toLowerCase() || undefined, schema: request.schema?.toLowerCase() || undefined},
        parameters: request.parameters.map((parameter) => ({
          name: parameter.name,
          value: parameter.value === undefined || parameter.value === null ? null : String(parameter.value),
          type: parameter.type ?? 'STRING',
        })),
        waitMs: waitMilliseconds(request.wait_timeout),
        cancelOnTimeout: request.on_wait_timeout === 'CANCEL',
        rowLimit: request.row_limit,
      })
    })
    .get('/api/2.0/sql/statements/{id}', ({params}) => statements.get(params.id))
    .post('/api/2.0/sql/statements/{id}/cancel', ({params}) => {
      statements.cancel(params.id)
      return {}
    })
    .get('/api/2.0/sql/statements/{id}/result/chunks/{index}', ({params}) => {
      if (!/^\d+$/.test(params.index)) throw invalidParameter(`Invalid chunk index '${params.index}'.`)
      return statements.chunk(params.id, Number(params.index))
    })
}
