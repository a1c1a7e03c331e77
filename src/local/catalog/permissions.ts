/**
 * Unity Catalog grants (reference 2.6): direct grants per securable, changed by idempotent deltas,
 * and effective grants inherited catalog -> schema -> table. Shared by the REST permissions API and
 * SQL GRANT / REVOKE.
 */
import {isPrivilegeValid, PRINCIPAL, SECURABLE_PRIVILEGES} from '../../databricks/identifiers.js'
import {invalidParameter} from '../http/errors.js'
import type {StateStore} from '../store.js'
import {parseFullName, type UnityCatalog} from './unity-catalog.js'

/** The securable types the local workspace grants on. */
export type GrantableType = 'catalog' | 'schema' | 'table'
const GRANTABLE: readonly GrantableType[] = ['catalog', 'schema', 'table']

export interface PermissionsChange {
  principal: string
  add?: string[]
  remove?: string[]
}

export interface PrivilegeAssignment {
  principal: string
  privileges: string[]
}

export interface EffectivePrivilege {
  privilege: string
  inherited_from_type?: string
  inherited_from_name?: string
}

export class Permissions {
  constructor(
    private readonly catalog: UnityCatalog,
    private readonly store: StateStore,
  ) {}

  /** Validates the securable type and name and checks that the object exists (404 otherwise). */
  async securable(rawType: string, rawName: string): Promise<{type: GrantableType; name: string}> {
    const type = rawType.toLowerCase() as GrantableType
    if (!GRANTABLE.includes(type)) {
      throw invalidParameter(`Securable type '${rawType}' is not supported by the local workspace (supported: ${GRANTABLE.join(', ')}).`)
    }
    const parts = parseFullName(rawName, type === 'catalog' ? 1 : type === 'schema' ? 2 : 3, type)
    if (type === 'catalog') await this.catalog.requireCatalog(parts[0])
    else if (type === 'schema') await this.catalog.requireSchema(parts[0], parts[1])
    else await this.catalog.requireTable(parts[0], parts[1], parts[2])
    return {type, name: parts.join('.')}
  }

  direct(type: GrantableType, name: string, principal?: string): PrivilegeAssignment[] {
    const grants = this.store.state.grants[grantKey(type, name)] ?? {}
    return Object.keys(grants)
      .filter((candidate) => principal === undefined || candidate === principal)
      .sort()
      .map((candidate) => ({principal: candidate, privileges: [...grants[candidate]].sort()}))
  }

  /** Applies add/remove deltas (validated first, so a bad change alters nothing). */
  update(type: GrantableType, name: string, changes: PermissionsChange[]): PrivilegeAssignment[] {
    for (const change of changes) {
      if (!PRINCIPAL.test(change.principal)) throw invalidParameter(`Invalid principal '${change.principal}'.`)
      for (const privilege of [...(change.add ?? []), ...(change.remove ?? [])]) {
        if (!isPrivilegeValid(type, privilege)) {
          throw invalidParameter(
            `Privilege ${privilege} is not applicable to this entity [${type}:${name}]. Valid privileges for ${type.toUpperCase()}: ${SECURABLE_PRIVILEGES[type].join(', ')}.`,
          )
        }
      }
      if ((change.add ?? []).some((privilege) => (change.remove ?? []).includes(privilege))) {
        throw invalidParameter(`Duplicate privileges to add and delete for principal ${change.principal}.`)
      }
    }
    this.store.update((state) => {
      const key = grantKey(type, name)
      const grants = {...state.grants[key]}
      for (const change of changes) {
        const privileges = new Set(grants[change.principal] ?? [])
        for (const privilege of change.add ?? []) privileges.add(privilege)
        for (const privilege of change.remove ?? []) privileges.delete(privilege)
        if (privileges.size > 0) grants[change.principal] = [...privileges].sort()
        else delete grants[change.principal]
      }
      if (Object.keys(grants).length > 0) state.grants[key] = grants
      else delete state.grants[key]
    })
    return this.direct(type, name)
  }

  /**
   * Direct grants plus those inherited from the enclosing catalog and schema, limited to the
   * privileges that apply to this securable type.
   */
  effective(type: GrantableType, name: string, principal?: string): Array<{principal: string; privileges: EffectivePrivilege[]}> {
    const parts = name.split('.')
    const levels: Array<{type: GrantableType; name: string}> = GRANTABLE.slice(0, parts.length).map((levelType, i) => ({
      type: levelType,
      name: parts.slice(0, i + 1).join('.'),
    }))
    const byPrincipal = new Map<string, EffectivePrivilege[]>()
    for (const level of levels) {
      const inherited = level.type !== type
      for (const assignment of this.direct(level.type, level.name, principal)) {
        const privileges = assignment.privileges.filter((privilege) => isPrivilegeValid(type, privilege))
        const list = byPrincipal.get(assignment.principal) ?? []
        for (const privilege of privileges) {
          list.push(inherited ? {privilege, inherited_from_type: level.type.toUpperCase(), inherited_from_name: level.name} : {privilege})
        }
        if (list.length > 0) byPrincipal.set(assignment.principal, list)
      }
    }
    return [...byPrincipal.keys()].sort().map((candidate) => ({
      principal: candidate,
      privileges: byPrincipal.get(candidate)!.sort((a, b) => a.privilege.localeCompare(b.privilege) || (a.inherited_from_type ? 1 : 0) - (b.inherited_from_type ? 1 : 0)),
    }))
  }
}

export function grantKey(type: GrantableType, name: string): string {
  return `${type}/${name}`
}
