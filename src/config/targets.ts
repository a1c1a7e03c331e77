/**
 * Which workspace a command talks to, and with which lakehouse settings.
 * Precedence: flags > environment (LAKECTL_*, DATABRICKS_*) > lakectl.yaml > built-in defaults.
 * With nothing configured the target is the embedded local workspace.
 */
import path from 'node:path'

import {UsageError} from '../errors.js'
import {configCacheDir, loadConfigCached} from './cached.js'
import type {LoadedConfig} from './load.js'
import type {LakectlConfig} from './schema.js'

export interface TargetFlags {
  target?: string
  profile?: string
  config?: string
}

export interface ResolvedTarget {
  name: string
  /** 'local' reads its address and token from the local workspace's state folder; 'databricks' uses the SDK's auth chain. */
  kind: 'local' | 'databricks'
  profile?: string
  host?: string
  catalog: string
  warehouse: string
  workspaceFolder: string
  compute: LakectlConfig['compute']
}

export interface Settings extends LoadedConfig {
  target: ResolvedTarget
  /** State folder of the local workspace (address, token, data). */
  localStateDir: string
}

/** Name given to the implicit target built from --profile or DATABRICKS_* variables alone. */
const ENV_TARGET = 'env'

export async function resolveSettings(flags: TargetFlags, env: NodeJS.ProcessEnv, cwd: string): Promise<Settings> {
  const loaded = await loadConfigCached({configPath: flags.config ?? env.LAKECTL_CONFIG, cwd}, configCacheDir(env))
  const target = resolveTarget(loaded.config, flags, env)
  return {...loaded, target, localStateDir: localStateDir(env, loaded.projectDir)}
}

export function localStateDir(env: NodeJS.ProcessEnv, projectDir: string, flag?: string): string {
  return path.resolve(projectDir, flag ?? env.LAKECTL_STATE_DIR ?? path.join('.lakectl', 'local'))
}

export function resolveTarget(config: LakectlConfig, flags: TargetFlags, env: NodeJS.ProcessEnv): ResolvedTarget {
  const explicit = flags.target ?? env.LAKECTL_TARGET
  const envProfile = env.DATABRICKS_CONFIG_PROFILE
  const fromEnvironment = !explicit && !flags.profile && (env.DATABRICKS_HOST || envProfile)
  let name: string
  if (explicit) name = explicit
  else if (flags.profile || fromEnvironment) name = ENV_TARGET
  else name = config.default_target

  const declared = config.targets[name]
  if (!declared && name !== ENV_TARGET) {
    const known = Object.keys(config.targets).join(', ')
    throw new UsageError(`Unknown target '${name}' (targets in the config: ${known || 'none'}).`, {
      code: 'UNKNOWN_TARGET',
      hint: `lakectl --target <${known || 'name'}> ..., or add '${name}' under targets: in lakectl.yaml`,
    })
  }
  const t = declared ?? {}
  const profile = flags.profile ?? t.profile ?? (name === ENV_TARGET ? envProfile : undefined)
  const local = t.workspace === 'local' && !flags.profile
  if (!local && !profile && !t.host && !env.DATABRICKS_HOST) {
    throw new UsageError(`Target '${name}' names no workspace: give it a profile, a host or 'workspace: local'.`, {code: 'CONFIG_INVALID'})
  }
  return {
    name,
    kind: local ? 'local' : 'databricks',
    profile: local ? undefined : profile,
    host: local ? undefined : t.host,
    catalog: env.LAKECTL_CATALOG ?? t.catalog ?? config.catalog,
    warehouse: env.LAKECTL_WAREHOUSE ?? t.warehouse ?? config.warehouse,
    workspaceFolder: t.workspace_folder ?? config.workspace_folder,
    compute: {...config.compute, ...t.compute},
  }
}
