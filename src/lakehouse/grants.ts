/**
 * Grants per role and layer. lakectl is authoritative only for the principals named in the config:
 * it adds what they lack and removes what they hold beyond it; other principals are never touched.
 */
import type {LakectlConfig, SchemaName} from '../config/schema.js'
import type {SecurableType} from '../databricks/identifiers.js'

export interface Securable {
  type: Extract<SecurableType, 'catalog' | 'schema' | 'table'>
  full_name: string
}

/** principal -> privileges, for one securable. */
export type GrantMap = Map<string, Set<string>>

export interface DesiredGrants {
  securable: Securable
  grants: GrantMap
}

export interface GrantChange {
  principal: string
  add: string[]
  remove: string[]
}

/** Desired grants on the catalog and every schema, for every managed principal (possibly empty). */
export function desiredGrants(config: LakectlConfig, catalog: string, schemas: readonly SchemaName[]): DesiredGrants[] {
  const principals = managedPrincipals(config)
  const onCatalog: GrantMap = new Map(principals.map((p) => [p, new Set<string>()]))
  const onSchema = new Map(schemas.map((s) => [s, new Map(principals.map((p) => [p, new Set<string>()])) as GrantMap]))
  for (const role of Object.values(config.access)) {
    for (const [schema, privileges] of Object.entries(role.layers) as Array<[SchemaName, string[]]>) {
      const held = onSchema.get(schema)?.get(role.principal)
      if (!held) continue
      for (const privilege of privileges) held.add(privilege)
      // Access to anything in a schema needs USE_SCHEMA on it and USE_CATALOG on its catalog.
      if (!held.has('ALL_PRIVILEGES')) held.add('USE_SCHEMA')
      onCatalog.get(role.principal)!.add('USE_CATALOG')
    }
  }
  return [
    {securable: {type: 'catalog', full_name: catalog}, grants: onCatalog},
    ...schemas.map((s) => ({securable: {type: 'schema' as const, full_name: `${catalog}.${s}`}, grants: onSchema.get(s)!})),
  ]
}

export function managedPrincipals(config: LakectlConfig): string[] {
  return [...new Set(Object.values(config.access).map((r) => r.principal))].sort()
}

export interface PrivilegeAssignment {
  principal: string
  privileges?: string[]
}

/** The actual grants of the managed principals only. */
export function actualGrants(assignments: readonly PrivilegeAssignment[], managed: readonly string[]): GrantMap {
  const out: GrantMap = new Map(managed.map((p) => [p, new Set<string>()]))
  for (const a of assignments) {
    const held = out.get(a.principal)
    if (held) for (const p of a.privileges ?? []) held.add(p)
  }
  return out
}

export function grantChanges(desired: GrantMap, actual: GrantMap): GrantChange[] {
  const changes: GrantChange[] = []
  for (const [principal, want] of desired) {
    const have = actual.get(principal) ?? new Set<string>()
    const add = [...want].filter((p) => !have.has(p)).sort()
    const remove = [...have].filter((p) => !want.has(p)).sort()
    if (add.length || remove.length) changes.push({principal, add, remove})
  }
  return changes
}

/** `+ SELECT on schema lakehouse.gold to analysts` / `- MODIFY on ...`. */
export function describeGrantChanges(securable: Securable, changes: readonly GrantChange[]): string[] {
  return changes.flatMap((c) => [
    ...c.add.map((p) => `+ ${p} on ${securable.type} ${securable.full_name} to ${c.principal}`),
    ...c.remove.map((p) => `- ${p} on ${securable.type} ${securable.full_name} from ${c.principal}`),
  ])
}
