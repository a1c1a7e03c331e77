/**
 * Reads the actual state of a workspace (independent reads concurrently, bounded), compares it with the
 * desired state and returns the plan. Nothing here mutates; every change is a closure run by apply.ts.
 */
import pLimit from 'p-limit'

import {LakectlError} from '../errors.js'
import {type DatabricksClient, settleByFinding} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {createJob, getJob, type JobSettings, listProjectJobs, resetJob, TAG_ROLE} from '../databricks/jobs.js'
import {runStatement, type StatementRequest} from '../databricks/sql.js'
import {COMMENTS, type DesiredData, type DesiredFile, type DesiredJob, type DesiredState, type DesiredTable, type DesiredView, normalizeType, sha256} from './desired.js'
import {notificationDiff, omitNotifications, planAlerts} from './alerts.js'
import {planDashboard} from './dashboard.js'
import {actualGrants, describeGrantChanges, grantChanges, managedPrincipals, type PrivilegeAssignment} from './grants.js'
import {type PlannedAction, unchanged} from './plan.js'
import type {LakectlConfig} from '../config/schema.js'

const UC = '/api/2.1/unity-catalog'
/** Rows per INSERT statement when loading reference data (each value is a statement parameter). */
const ROWS_PER_STATEMENT = 100

export interface ReconcileContext {
  client: DatabricksClient
  config: LakectlConfig
  desired: DesiredState
  /** Resolved while the first reads run: only statements need it. */
  warehouseId: Promise<string>
  concurrency: number
}

interface TableInfo {
  name: string
  table_type?: string
  view_definition?: string
  columns?: Array<{name: string; type_text?: string; type_name?: string}>
  properties?: Record<string, string>
}

export async function reconcile(ctx: ReconcileContext): Promise<PlannedAction[]> {
  const {client, desired} = ctx
  const limit = pLimit(ctx.concurrency)
  const read = <T>(fn: () => Promise<T>) => limit(fn)
  const catalogExists = Boolean(await read(() => client.find(`${UC}/catalogs/${encodeURIComponent(desired.catalog)}`)))

  const [schemas, files, jobs, warehouse, dashboard, alerts] = await Promise.all([
    planSchemasAndBelow(ctx, catalogExists, read),
    planFiles(ctx, read),
    planJobs(ctx, read),
    planWarehouseAccess(ctx, read),
    ctx.warehouseId.then((id) => read(() => planDashboard(client, desired.dashboard, id))),
    planAlerts(client, desired.alerts, ctx.warehouseId, read, (d, a) => diffSettings(d, a)),
  ])
  const catalog: PlannedAction = catalogExists
    ? unchanged('catalog', desired.catalog)
    : {
        object_type: 'catalog',
        full_name: desired.catalog,
        action: 'create',
        diff: [],
        apply: (c) =>
          c
            .post(`${UC}/catalogs`, {name: desired.catalog, comment: COMMENTS.catalog(desired.project)}, {settle: settleByFinding(c, `${UC}/catalogs/${encodeURIComponent(desired.catalog)}`)})
            .then(() => undefined),
      }
  return [catalog, ...schemas, ...files, ...warehouse, dashboard, ...jobs, ...alerts]
}

type Read = <T>(fn: () => Promise<T>) => Promise<T>

async function planSchemasAndBelow(ctx: ReconcileContext, catalogExists: boolean, read: Read): Promise<PlannedAction[]> {
  const {client, desired} = ctx
  const existingSchemas = catalogExists
    ? new Set((await read(() => client.listAll<{name: string}>(`${UC}/schemas`, 'schemas', {catalog_name: desired.catalog, max_results: 0}))).map((s) => s.name))
    : new Set<string>()

  const schemaActions: PlannedAction[] = desired.schemas.map((name) =>
    existingSchemas.has(name)
      ? unchanged('schema', `${desired.catalog}.${name}`)
      : {
          object_type: 'schema',
          full_name: `${desired.catalog}.${name}`,
          action: 'create',
          diff: [],
          apply: (c) =>
            c
              .post(`${UC}/schemas`, {name, catalog_name: desired.catalog, comment: COMMENTS.schema(name)}, {settle: settleByFinding(c, `${UC}/schemas/${encodeURIComponent(`${desired.catalog}.${name}`)}`)})
              .then(() => undefined),
        },
  )

  const tablesBySchema = new Map<string, Map<string, TableInfo>>()
  await Promise.all(
    desired.schemas
      .filter((s) => existingSchemas.has(s))
      .map(async (schema) => {
        const tables = await read(() => client.listAll<TableInfo>(`${UC}/tables`, 'tables', {catalog_name: desired.catalog, schema_name: schema, max_results: 0}))
        tablesBySchema.set(schema, new Map(tables.map((t) => [t.name, t])))
      }),
  )
  const tableActions = desired.tables.map((table) => planTable(ctx, table, tablesBySchema.get(table.schema)?.get(table.name)))
  const volumeActions = await Promise.all(
    desired.volumes.map(async (volume): Promise<PlannedAction> => {
      const existing = existingSchemas.has(volume.schema)
        ? await read(() => client.listAll<{name: string}>(`${UC}/volumes`, 'volumes', {catalog_name: desired.catalog, schema_name: volume.schema, max_results: 0}))
        : []
      if (existing.some((v) => v.name === volume.name)) return unchanged('volume', volume.full_name)
      return {
        object_type: 'volume',
        full_name: volume.full_name,
        action: 'create',
        diff: [],
        apply: (c) =>
          c
            .post(
              `${UC}/volumes`,
              {catalog_name: desired.catalog, schema_name: volume.schema, name: volume.name, volume_type: 'MANAGED', comment: COMMENTS.volume},
              {settle: settleByFinding(c, `${UC}/volumes/${encodeURIComponent(volume.full_name)}`)},
            )
            .then(() => undefined),
      }
    }),
  )
  const dataActions = await Promise.all(
    desired.data.map((data) => {
      const [, schema, name] = data.table.split('.')
      return planData(ctx, data, Boolean(tablesBySchema.get(schema)?.get(name)), read)
    }),
  )
  const grantActions = await Promise.all(
    desired.grants.map(async ({securable, grants}) => {
      const [, schemaName, tableName] = securable.full_name.split('.')
      const exists = securable.type === 'catalog' ? catalogExists : securable.type === 'schema' ? existingSchemas.has(schemaName) : Boolean(tablesBySchema.get(schemaName)?.get(tableName))
      const path = `${UC}/permissions/${securable.type}/${encodeURIComponent(securable.full_name)}`
      const assignments = exists ? ((await read(() => client.get<{privilege_assignments?: PrivilegeAssignment[]}>(path))).privilege_assignments ?? []) : []
      const changes = grantChanges(grants, actualGrants(assignments, managedPrincipals(ctx.config)))
      if (changes.length === 0) return unchanged('grants', `${securable.type} ${securable.full_name}`)
      return {
        object_type: 'grants' as const,
        full_name: `${securable.type} ${securable.full_name}`,
        action: exists && assignments.some((a) => grants.has(a.principal)) ? ('update' as const) : ('create' as const),
        diff: describeGrantChanges(securable, changes),
        apply: async (c: DatabricksClient) => {
          const left = async () => {
            const after = await c.get<{privilege_assignments?: PrivilegeAssignment[]}>(path)
            return grantChanges(grants, actualGrants(after.privilege_assignments ?? [], managedPrincipals(ctx.config)))
          }
          // An unknown outcome is settled by reading the permissions back: sent again when nothing changed.
          await c.patch(path, {changes}, {settle: async () => ((await left()).length === 0 ? {value: {}} : undefined)})
          // PATCH can be a silent no-op (and the SDK drops its body): read back and compare.
          const remaining = await left()
          if (remaining.length) {
            throw new LakectlError(`Grants on ${securable.type} ${securable.full_name} did not take effect: ${describeGrantChanges(securable, remaining).join('; ')}`, {code: 'GRANTS_MISMATCH'})
          }
        },
      }
    }),
  )
  const viewActions = desired.views.map((view) => planView(ctx, view, tablesBySchema.get(view.schema)?.get(view.name)))
  return [...schemaActions, ...tableActions, ...volumeActions, ...viewActions, ...dataActions, ...grantActions]
}

function planTable(ctx: ReconcileContext, table: DesiredTable, actual: TableInfo | undefined): PlannedAction {
  type Step = Pick<StatementRequest, 'statement' | 'idempotent' | 'settle'>
  const run = (steps: Step[]) => async (c: DatabricksClient) => {
    for (const step of steps) await runStatement(c, {...step, warehouseId: await ctx.warehouseId})
  }
  if (!actual) {
    // The DDL is CREATE TABLE IF NOT EXISTS: safe to submit again.
    return {object_type: 'table', full_name: table.full_name, action: 'create', diff: table.columns.map((c) => `+ column ${c.name} ${c.type_text}`), apply: run([{statement: table.ddl}])}
  }
  const have = new Map((actual.columns ?? []).map((c) => [c.name.toLowerCase(), normalizeType(c.type_text ?? c.type_name ?? '')]))
  const added = table.columns.filter((c) => !have.has(c.name))
  const blocked = [
    ...[...have.keys()].filter((name) => !table.columns.some((c) => c.name === name)).map((name) => `column ${name} is not in the DDL any more: dropping it needs a human`),
    ...table.columns.filter((c) => have.has(c.name) && have.get(c.name) !== c.type_text).map((c) => `column ${c.name} is ${have.get(c.name)}, the DDL says ${c.type_text}: retyping needs a human`),
  ]
  const props = Object.entries(table.properties).filter(([k, v]) => actual.properties?.[k] !== v)
  if (blocked.length) return {object_type: 'table', full_name: table.full_name, action: 'blocked', diff: blocked}
  if (!added.length && !props.length) return unchanged('table', table.full_name)
  // Adding a column twice fails: an unknown outcome is settled by reading the columns back.
  const columnsAdded = async () => {
    const info = await ctx.client.get<TableInfo>(`${UC}/tables/${encodeURIComponent(table.full_name)}`)
    const now = new Set((info.columns ?? []).map((c) => c.name.toLowerCase()))
    return added.every((c) => now.has(c.name))
  }
  const steps: Step[] = [
    ...(added.length ? [{statement: `ALTER TABLE ${quoteName(table.full_name)} ADD COLUMNS (${added.map((c) => `${quoteName(c.name)} ${c.type_text.toUpperCase()}`).join(', ')})`, settle: columnsAdded}] : []),
    ...(props.length ? [{statement: `ALTER TABLE ${quoteName(table.full_name)} SET TBLPROPERTIES (${props.map(([k, v]) => `${sqlString(k)} = ${sqlString(v)}`).join(', ')})`, idempotent: true}] : []),
  ]
  return {
    object_type: 'table',
    full_name: table.full_name,
    action: 'update',
    diff: [...added.map((c) => `+ column ${c.name} ${c.type_text}`), ...props.map(([k, v]) => `property ${k}: ${actual.properties?.[k] ?? '(unset)'} -> ${v}`)],
    apply: run(steps),
  }
}

/**
 * A view is current when its lakectl.source_sha256 property is the fingerprint of the query in
 * resources/ and its definition is still the one lakectl created (lakectl.definition_sha256, taken from
 * the definition the workspace reports): a view replaced or altered by hand is
 * drift. Applying replaces the view (CREATE OR REPLACE VIEW keeps nothing of the old definition).
 */
function planView(ctx: ReconcileContext, view: DesiredView, actual: TableInfo | undefined): PlannedAction {
  if (actual && actual.table_type !== 'VIEW') {
    return {object_type: 'view', full_name: view.full_name, action: 'blocked', diff: [`${view.full_name} is a ${actual.table_type ?? 'table'}, not a view: replacing it needs a human`]}
  }
  const diff: string[] = []
  if (actual && actual.properties?.[VIEW_SOURCE] !== view.source_sha256) diff.push(`query differs from resources/sql/views (${VIEW_SOURCE} ${short(actual.properties?.[VIEW_SOURCE])} -> ${view.source_sha256.slice(0, 12)})`)
  else if (actual && actual.properties?.[VIEW_DEFINITION] !== definitionSha(actual)) diff.push('definition was changed outside lakectl')
  if (actual && !diff.length) return unchanged('view', view.full_name)
  return {
    object_type: 'view',
    full_name: view.full_name,
    action: actual ? 'update' : 'create',
    diff,
    apply: async (c) => {
      const warehouseId = await ctx.warehouseId
      await runStatement(c, {statement: `CREATE OR REPLACE VIEW ${quoteName(view.full_name)} AS\n${view.query}`, warehouseId})
      const created = await c.get<TableInfo>(`${UC}/tables/${encodeURIComponent(view.full_name)}`)
      const properties = {[VIEW_SOURCE]: view.source_sha256, [VIEW_DEFINITION]: definitionSha(created)}
      await runStatement(c, {statement: `ALTER VIEW ${quoteName(view.full_name)} SET TBLPROPERTIES (${Object.entries(properties).map(([k, v]) => `${sqlString(k)} = ${sqlString(v)}`).join(', ')})`, warehouseId})
    },
  }
}

/**
 * Fingerprint of the definition a workspace reports, insensitive to how it renders it (spacing,
 * quoting and case: an engine may re-render the text it keeps).
 */
function definitionSha(info: TableInfo): string {
  return sha256((info.view_definition ?? '').replace(/[\s"`]+/g, '').toLowerCase())
}

const VIEW_SOURCE = 'lakectl.source_sha256'
const VIEW_DEFINITION = 'lakectl.definition_sha256'
const LEVELS = ['CAN_VIEW', 'CAN_USE', 'CAN_MONITOR', 'CAN_MANAGE', 'IS_OWNER']

interface ObjectAcl {
  access_control_list?: Array<{user_name?: string; group_name?: string; service_principal_name?: string; all_permissions?: Array<{permission_level: string}>}>
}

/**
 * CAN_USE on the SQL warehouse (Permissions API). A principal that holds it or more, directly or
 * inherited, is left as it is; lakectl only adds.
 */
async function planWarehouseAccess(ctx: ReconcileContext, read: Read): Promise<PlannedAction[]> {
  const warehouseId = await ctx.warehouseId
  const path = `/api/2.0/permissions/sql/warehouses/${encodeURIComponent(warehouseId)}`
  const lacking = (acl: ObjectAcl) =>
    ctx.desired.warehouseAccess.filter(({principal, level}) => {
      const entry = acl.access_control_list?.find((e) => (e.group_name ?? e.user_name ?? e.service_principal_name) === principal)
      return !entry?.all_permissions?.some((p) => LEVELS.indexOf(p.permission_level) >= LEVELS.indexOf(level))
    })
  const missing = lacking(await read(() => ctx.client.get<ObjectAcl>(path)))
  const name = `sql warehouse ${warehouseId}`
  if (!missing.length) return [unchanged('permissions', name)]
  return [
    {
      object_type: 'permissions',
      full_name: name,
      action: 'update',
      diff: missing.map((m) => `+ ${m.level} on ${name} to ${m.principal}`),
      apply: async (c) => {
        // An unknown outcome is settled by reading the list back: done once nothing is missing.
        const settle = async () => (lacking(await c.get<ObjectAcl>(path)).length ? undefined : {value: undefined})
        await c.patch(path, {access_control_list: missing.map((m) => ({[principalField(m.principal)]: m.principal, permission_level: m.level}))}, {settle})
        const left = lacking(await c.get<ObjectAcl>(path))
        if (left.length) throw new LakectlError(`Permissions on ${name} did not take effect: ${left.map((m) => `${m.level} to ${m.principal}`).join('; ')}`, {code: 'PERMISSIONS_MISMATCH'})
      },
    },
  ]
}

/** Users are e-mail addresses, service principals application ids (UUIDs), everything else a group. */
function principalField(principal: string): 'user_name' | 'group_name' | 'service_principal_name' {
  if (principal.includes('@')) return 'user_name'
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(principal)) return 'service_principal_name'
  return 'group_name'
}

/** Property keys and values come from resources/, never from users; still, quote them safely. */
function sqlString(value: string): string {
  if (!/^[A-Za-z0-9_.:/ -]*$/.test(value)) throw new LakectlError(`Unsupported character in table property '${value}'.`)
  return `'${value}'`
}

async function planData(ctx: ReconcileContext, data: DesiredData, tableExists: boolean, read: Read): Promise<PlannedAction> {
  const names = data.columns.map((c) => c.name)
  let existing = new Map<string, Record<string, unknown>>()
  if (tableExists) {
    const warehouseId = await ctx.warehouseId
    const result = await read(() => runStatement(ctx.client, {statement: `SELECT ${names.map(quoteName).join(', ')} FROM ${quoteName(data.table)}`, warehouseId}))
    existing = new Map(result.rows.map((r) => [String(r[data.key]), r]))
  }
  const same = (row: Record<string, string | null>, have: Record<string, unknown>) => names.every((n) => sameValue(row[n] ?? null, have[n]))
  const missing = data.rows.filter((r) => !existing.has(String(r[data.key])))
  const changed = data.rows.filter((r) => existing.has(String(r[data.key])) && !same(r, existing.get(String(r[data.key]))!))
  if (!missing.length && !changed.length) return unchanged('data', data.table)
  const diff = [...(missing.length ? [`+ ${missing.length} rows`] : []), ...(changed.length ? [`~ ${changed.length} rows differ from resources/data`] : [])]
  return {
    object_type: 'data',
    full_name: data.table,
    action: existing.size ? 'update' : 'create',
    diff,
    apply: async (c) => {
      const warehouseId = await ctx.warehouseId
      // Changed rows are deleted then inserted again: plain statements both engines run the same way.
      for (const rows of chunks(changed, ROWS_PER_STATEMENT)) {
        const parameters = Object.fromEntries(rows.map((r, i) => [`k${i}`, r[data.key]]))
        // Deleting by key again deletes nothing more: safe to submit again.
        await runStatement(c, {statement: `DELETE FROM ${quoteName(data.table)} WHERE ${quoteName(data.key)} IN (${rows.map((_, i) => `:k${i}`).join(', ')})`, warehouseId, parameters, idempotent: true})
      }
      // Independent chunks: sent concurrently so the load costs one round trip on the critical path.
      await Promise.all(
        chunks([...changed, ...missing], ROWS_PER_STATEMENT).map((rows) => {
          const parameters: Record<string, {value: string | null; type: string}> = {}
          const tuples = rows.map((row, i) => `(${data.columns.map((col, j) => {
            parameters[`r${i}c${j}`] = {value: row[col.name] ?? null, type: col.type_text.toUpperCase()}
            return `:r${i}c${j}`
          }).join(', ')})`)
          const statement = `INSERT INTO ${quoteName(data.table)} (${names.map(quoteName).join(', ')}) VALUES ${tuples.join(', ')}`
          // An INSERT is not idempotent: an unknown outcome is settled by reading its keys back.
          const settle = async () => {
            const keys = Object.fromEntries(rows.map((r, i) => [`k${i}`, r[data.key]]))
            const found = await runStatement<{n: number}>(c, {statement: `SELECT count(*) AS n FROM ${quoteName(data.table)} WHERE ${quoteName(data.key)} IN (${rows.map((_, i) => `:k${i}`).join(', ')})`, warehouseId, parameters: keys})
            const n = Number(found.rows[0]?.n ?? 0)
            if (n === rows.length) return true
            if (n === 0) return false
            throw new LakectlError(`${data.table} holds ${n} of the ${rows.length} rows of an INSERT whose outcome is unknown: something else writes these keys.`, {code: 'OUTCOME_UNKNOWN', hint: 'lakectl bootstrap --plan'})
          }
          return runStatement(c, {statement, warehouseId, parameters, settle})
        }),
      )
    },
  }
}

/** A CSV cell against a value read back: numbers compare as numbers (`174.80` is the decimal 174.8). */
function sameValue(wanted: string | null, have: unknown): boolean {
  if (wanted === null || have === null || have === undefined) return wanted === null && (have === null || have === undefined)
  if (typeof have === 'number') return Number(wanted) === have
  return wanted === String(have)
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

async function planFiles(ctx: ReconcileContext, read: Read): Promise<PlannedAction[]> {
  const {client, desired} = ctx
  const present = new Set<string>()
  const fileActions = await Promise.all(
    desired.files.map(async (file): Promise<PlannedAction> => {
      const exported = await read(() => client.find<{content?: string}>('/api/2.0/workspace/export', {path: file.path, format: 'SOURCE'}))
      if (exported) present.add(file.path)
      const same = exported && sha256(Buffer.from(exported.content ?? '', 'base64')) === sha256(file.content)
      if (same) return unchanged('file', file.path)
      return {object_type: 'file', full_name: file.path, action: exported ? 'update' : 'create', diff: exported ? ['content differs from resources/'] : [], apply: (c) => upload(c, file)}
    }),
  )
  // A folder needs creating only when none of its files exists yet.
  const directories = desired.directories
    .filter((dir) => !desired.files.some((f) => f.path.startsWith(`${dir}/`) && present.has(f.path)))
    .map((dir): PlannedAction => ({
      object_type: 'directory',
      full_name: dir,
      action: 'create',
      diff: [],
      apply: (c) => c.post('/api/2.0/workspace/mkdirs', {path: dir}, {idempotent: true}).then(() => undefined),
    }))
  return [...directories, ...fileActions]
}

function upload(client: DatabricksClient, file: DesiredFile): Promise<void> {
  return client
    .post('/api/2.0/workspace/import', {path: file.path, content: file.content.toString('base64'), format: 'AUTO', overwrite: true}, {idempotent: true})
    .then(() => undefined)
}

async function planJobs(ctx: ReconcileContext, read: Read): Promise<PlannedAction[]> {
  const {client, desired} = ctx
  const ours = await read(() => listProjectJobs(client, desired.project))
  return Promise.all(
    desired.jobs.map(async (job): Promise<PlannedAction> => {
      const matches = ours.filter((j) => j.settings?.tags?.[TAG_ROLE] === job.role)
      const name = String(job.settings.name ?? job.role)
      if (matches.length > 1) {
        return {object_type: 'job', full_name: name, action: 'blocked', diff: [`${matches.length} jobs are tagged lakectl_layer=${job.role} (ids ${matches.map((m) => m.job_id).join(', ')}): delete all but one`]}
      }
      if (!matches.length) {
        return {
          object_type: 'job',
          full_name: name,
          action: 'create',
          diff: isContinuous(job) ? ['continuous, created paused (start it with lakectl stream start)'] : [],
          // Not idempotent on the API side: guarded by the read above (no job carries these tags), and an
          // unknown outcome is settled by looking for the tags again (createJob).
          apply: (c) => createJob(c, job.settings).then(() => undefined),
        }
      }
      const current = await read(() => getJob(client, matches[0].job_id))
      const differences = [...diffSettings(withoutPause(omitNotifications(job.settings)), withoutPause(current.settings)), ...notificationDiff(job.settings, current.settings)]
      if (!differences.length) return unchanged('job', `${name} (${current.job_id})`)
      return {
        object_type: 'job',
        full_name: `${name} (${current.job_id})`,
        action: 'update',
        diff: differences,
        // A running stream stays running: the pause state is the user's, not the config's.
        apply: (c) => resetJob(c, current.job_id, keepPause(job.settings, current.settings)),
      }
    }),
  )
}

function isContinuous(job: DesiredJob): boolean {
  return Boolean(job.settings.continuous)
}

function withoutPause(settings: JobSettings): JobSettings {
  if (!settings.continuous) return settings
  const {pause_status: _ignored, ...rest} = settings.continuous
  return {...settings, continuous: rest}
}

function keepPause(desired: JobSettings, actual: JobSettings): JobSettings {
  const pause = actual.continuous?.pause_status
  if (!desired.continuous || !pause) return desired
  return {...desired, continuous: {...desired.continuous, pause_status: pause}}
}

/**
 * Fields of the desired settings that the actual ones lack or hold differently. Only what lakectl sets
 * is compared: the server adds defaults of its own (format, email_notifications, run_as, ...).
 */
export function diffSettings(desired: unknown, actual: unknown, at = ''): string[] {
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return [`${at}: ${short(actual)} -> ${short(desired)}`]
    return desired.flatMap((d, i) => diffSettings(d, actual[i], `${at}[${i}]`))
  }
  if (desired && typeof desired === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return [`${at}: ${short(actual)} -> ${short(desired)}`]
    return Object.entries(desired).flatMap(([k, v]) => diffSettings(v, (actual as Record<string, unknown>)[k], at ? `${at}.${k}` : k))
  }
  return desired === actual ? [] : [`${at}: ${short(actual)} -> ${short(desired)}`]
}

function short(value: unknown): string {
  const text = value === undefined ? '(unset)' : JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
