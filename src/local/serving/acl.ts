/**
 * Object access control lists of the Permissions API (/api/2.0/permissions/...) for the objects the
 * local workspace serves them for: SQL warehouses and Lakeview dashboards. The local user owns every
 * object; the admins group manages it by inheritance, as on a workspace; other principals hold what
 * PATCH (adds or raises) and PUT (replaces the direct grants) gave them.
 */
import {invalidParameter} from '../http/errors.js'
import {LOCAL_USER} from '../identity.js'

export type AclObjectType = 'warehouses' | 'dashboards'

export const PERMISSION_LEVELS: Record<AclObjectType, readonly string[]> = {
  warehouses: ['CAN_VIEW', 'CAN_USE', 'CAN_MONITOR', 'CAN_MANAGE', 'IS_OWNER'],
  dashboards: ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE'],
}

export interface AccessControlRequest {
  user_name?: string
  group_name?: string
  service_principal_name?: string
  permission_level: string
}

type PrincipalKind = 'user_name' | 'group_name' | 'service_principal_name'
/** `kind:name` -> the direct permission level. */
export type Acl = Record<string, string>

export function principalOf(entry: AccessControlRequest): {kind: PrincipalKind; name: string} {
  const kinds = (['user_name', 'group_name', 'service_principal_name'] as const).filter((k) => entry[k])
  if (kinds.length !== 1) throw invalidParameter('Each access control entry must name exactly one of user_name, group_name or service_principal_name.')
  return {kind: kinds[0], name: String(entry[kinds[0]])}
}

export function applyAcl(type: AclObjectType, current: Acl, entries: AccessControlRequest[], replace: boolean): Acl {
  const next: Acl = replace ? {} : {...current}
  for (const entry of entries) {
    const {kind, name} = principalOf(entry)
    if (!PERMISSION_LEVELS[type].includes(entry.permission_level) || entry.permission_level === 'IS_OWNER') {
      throw invalidParameter(`Permission level ${entry.permission_level} is not valid for ${type}: use one of ${PERMISSION_LEVELS[type].filter((l) => l !== 'IS_OWNER').join(', ')}.`)
    }
    next[`${kind}:${name}`] = entry.permission_level
  }
  return next
}

/** The ObjectPermissions answer: owner, inherited admins, then the direct grants (sorted). */
export function objectPermissions(type: AclObjectType, objectPath: string, acl: Acl): Record<string, unknown> {
  const owner = type === 'warehouses' ? 'IS_OWNER' : 'CAN_MANAGE'
  const root = type === 'warehouses' ? '/sql/warehouses/' : '/dashboards/'
  return {
    object_id: objectPath,
    object_type: type === 'warehouses' ? 'warehouses' : 'dashboard',
    access_control_list: [
      {user_name: LOCAL_USER.userName, display_name: LOCAL_USER.displayName, all_permissions: [{permission_level: owner, inherited: false}]},
      {group_name: 'admins', all_permissions: [{permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: [root]}]},
      ...Object.keys(acl)
        .sort()
        .map((key) => {
          const [kind, ...rest] = key.split(':')
          return {[kind]: rest.join(':'), all_permissions: [{permission_level: acl[key], inherited: false}]}
        }),
    ],
  }
}
