/**
 * Unity Catalog facts that every layer shares: which names are valid, how to quote them, and which
 * privileges each securable type accepts (reference section 2.6).
 */
import {UsageError} from '../errors.js'

/** Catalog, schema, table and column names lakectl manages: simple lower-case identifiers. */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,254}$/
/** Users (e-mail), groups and service principals (application ids). */
export const PRINCIPAL = /^[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,254}$/

export function assertIdentifier(name: string, what = 'identifier'): string {
  if (!IDENTIFIER.test(name)) {
    throw new UsageError(`Invalid ${what} '${name}': use lower-case letters, digits and underscores, starting with a letter or underscore.`)
  }
  return name
}

/** Quotes a (possibly dotted) name for Spark SQL and DuckDB alike, after validating every part. */
export function quoteName(fullName: string): string {
  return fullName
    .split('.')
    .map((part) => `\`${assertIdentifier(part)}\``)
    .join('.')
}

export const SECURABLE_PRIVILEGES = {
  catalog: [
    'ALL_PRIVILEGES', 'APPLY_TAG', 'BROWSE', 'CREATE_CONNECTION', 'CREATE_SCHEMA', 'MANAGE', 'USE_CATALOG',
    'CREATE_FUNCTION', 'CREATE_TABLE', 'CREATE_VOLUME', 'CREATE_MODEL', 'CREATE_MATERIALIZED_VIEW', 'EXECUTE',
    'MODIFY', 'REFRESH', 'SELECT', 'READ_VOLUME', 'WRITE_VOLUME', 'USE_SCHEMA',
  ],
  schema: [
    'ALL_PRIVILEGES', 'APPLY_TAG', 'CREATE_FUNCTION', 'CREATE_TABLE', 'CREATE_VOLUME', 'CREATE_MODEL',
    'CREATE_MATERIALIZED_VIEW', 'MANAGE', 'USE_SCHEMA', 'EXECUTE', 'MODIFY', 'REFRESH', 'SELECT', 'READ_VOLUME',
    'WRITE_VOLUME',
  ],
  table: ['ALL_PRIVILEGES', 'APPLY_TAG', 'MANAGE', 'SELECT', 'MODIFY'],
  volume: ['ALL_PRIVILEGES', 'APPLY_TAG', 'MANAGE', 'READ_VOLUME', 'WRITE_VOLUME'],
  function: ['ALL_PRIVILEGES', 'APPLY_TAG', 'EXECUTE', 'MANAGE'],
} as const satisfies Record<string, readonly string[]>

export type SecurableType = keyof typeof SECURABLE_PRIVILEGES

export function isPrivilegeValid(type: SecurableType, privilege: string): boolean {
  return (SECURABLE_PRIVILEGES[type] as readonly string[]).includes(privilege)
}
