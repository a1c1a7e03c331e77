/** SQL warehouses (reference section 5.2). */
import {UsageError} from '../errors.js'
import type {DatabricksClient} from './client.js'

export interface Warehouse {
  id: string
  name: string
  state: string
}

/** The configured warehouse, or with "auto" the first running one (else the first one). */
export async function resolveWarehouse(client: DatabricksClient, configured: string): Promise<Warehouse> {
  if (configured !== 'auto') return client.get<Warehouse>(`/api/2.0/sql/warehouses/${encodeURIComponent(configured)}`)
  const warehouses = await client.listAll<Warehouse>('/api/2.0/sql/warehouses', 'warehouses')
  const chosen = warehouses.find((w) => w.state === 'RUNNING') ?? warehouses[0]
  if (!chosen) {
    throw new UsageError('The workspace has no SQL warehouse.', {code: 'NO_WAREHOUSE', hint: 'create one, then set warehouse: <id> in lakectl.yaml'})
  }
  return chosen
}
