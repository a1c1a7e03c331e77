/**
 * Health checks of a target: config, reachability, identity, warehouse, catalog, privileges.
 * Each check says what it found and, when it fails, how to fix it.
 */
import type {Settings} from '../config/targets.js'
import {LakectlError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {ApiError, ConnectionError} from '../databricks/errors.js'
import {resolveWarehouse} from '../databricks/warehouses.js'

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'

export interface Check {
  name: string
  status: CheckStatus
  detail: string
  hint?: string
  /** A failed check that is about credentials or privileges (exit 4). */
  auth?: boolean
}

export interface DoctorReport {
  target: string
  host?: string
  user?: string
  checks: Check[]
}

/** Privileges lakectl needs on the catalog to bootstrap and run the lakehouse (unless it owns it). */
const NEEDED_ON_CATALOG = ['USE_CATALOG', 'CREATE_SCHEMA']

interface Me {
  userName: string
  displayName?: string
}

interface CatalogInfo {
  name: string
  owner?: string
}

interface EffectivePermissions {
  privilege_assignments?: Array<{principal: string; privileges: Array<{privilege: string}>}>
}

export async function runDoctor(settings: Settings, connect: () => Promise<DatabricksClient>): Promise<DoctorReport> {
  const {target} = settings
  const checks: Check[] = [
    {name: 'config', status: 'ok', detail: settings.path ? `${settings.path} is valid` : 'no lakectl.yaml: built-in defaults'},
  ]
  const report: DoctorReport = {target: target.name, checks}
  let client: DatabricksClient
  let me: Me
  try {
    client = await connect()
    report.host = client.host.origin
    me = await client.get<Me>('/api/2.0/preview/scim/v2/Me')
  } catch (error) {
    if (error instanceof ApiError) {
      checks.push({name: 'reachable', status: 'ok', detail: `${report.host} answered`})
      checks.push({name: 'identity', status: 'fail', detail: error.message, hint: error.hint, auth: error.status === 401 || error.status === 403})
    } else {
      const failure = error instanceof LakectlError ? error : new ConnectionError(String(error), 'UNREACHABLE')
      // Credentials that cannot even be resolved (no host, a rejected OAuth client) are an identity problem.
      const check = failure.kind === 'auth' ? 'identity' : 'reachable'
      checks.push({name: check, status: 'fail', detail: failure.message, hint: failure.hint, auth: check === 'identity'})
    }
    return report
  }
  report.user = me.userName
  checks.push({name: 'reachable', status: 'ok', detail: `${report.host} answered`})
  checks.push({name: 'identity', status: 'ok', detail: me.userName})

  checks.push(await check('warehouse', async () => {
    const warehouse = await resolveWarehouse(client, target.warehouse)
    return warehouse.state === 'RUNNING'
      ? {status: 'ok', detail: `${warehouse.name} (${warehouse.id}) is RUNNING`}
      : {status: 'warn', detail: `${warehouse.name} (${warehouse.id}) is ${warehouse.state}; statements will start it`}
  }))

  const catalog = await client.find<CatalogInfo>(`/api/2.1/unity-catalog/catalogs/${encodeURIComponent(target.catalog)}`)
  if (!catalog) {
    checks.push({name: 'catalog', status: 'warn', detail: `catalog '${target.catalog}' does not exist yet`, hint: 'lakectl bootstrap'})
    checks.push({name: 'privileges', status: 'skip', detail: 'checked once the catalog exists'})
    return report
  }
  checks.push({name: 'catalog', status: 'ok', detail: `catalog '${catalog.name}' exists (owner ${catalog.owner ?? 'unknown'})`})
  checks.push(await check('privileges', async () => {
    if (catalog.owner === me.userName) return {status: 'ok', detail: `${me.userName} owns '${catalog.name}'`}
    const effective = await client.get<EffectivePermissions>(
      `/api/2.1/unity-catalog/effective-permissions/catalog/${encodeURIComponent(catalog.name)}`,
      {principal: me.userName},
    )
    const held = new Set((effective.privilege_assignments ?? []).flatMap((a) => a.privileges.map((p) => p.privilege)))
    const missing = held.has('ALL_PRIVILEGES') ? [] : NEEDED_ON_CATALOG.filter((p) => !held.has(p))
    return missing.length === 0
      ? {status: 'ok', detail: `${me.userName} holds ${[...held].sort().join(', ')} on '${catalog.name}'`}
      : {
          status: 'fail',
          auth: true,
          detail: `${me.userName} lacks ${missing.join(', ')} on '${catalog.name}'`,
          hint: `ask an owner: GRANT ${missing.join(', ').replaceAll('_', ' ')} ON CATALOG ${catalog.name} TO \`${me.userName}\``,
        }
  }))
  return report
}

async function check(name: string, run: () => Promise<Omit<Check, 'name'>>): Promise<Check> {
  try {
    return {name, ...(await run())}
  } catch (error) {
    const failure = error instanceof LakectlError ? error : new LakectlError(String(error))
    return {name, status: 'fail', detail: failure.message, hint: failure.hint, auth: failure.kind === 'auth'}
  }
}
