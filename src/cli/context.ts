/**
 * Builds the workspace client for a resolved target. The local target only supplies a host and a
 * token (from the local workspace's state folder); from there on it is the same code path as any
 * Databricks workspace.
 */
import {resolveCredentials} from '../databricks/auth.js'
import {DatabricksClient} from '../databricks/client.js'
import type {Settings} from '../config/targets.js'
import type {Output} from './output.js'

export interface ClientContext {
  signal: AbortSignal
  trace?: (line: string) => void
  out: Output
  version: string
}

export async function createClient(settings: Settings, context: ClientContext): Promise<DatabricksClient> {
  const {target} = settings
  const credentials =
    target.kind === 'local'
      ? await resolveCredentials({...(await localEndpoint(settings, context.out)), env: {}})
      : await resolveCredentials({profile: target.profile, host: target.host, env: process.env})
  return new DatabricksClient({
    host: credentials.host,
    auth: credentials.auth,
    skipVerify: credentials.skipVerify,
    userAgent: userAgent(context.version),
    trace: context.trace,
    signal: context.signal,
  })
}

/** The running local workspace's address and token; starts it when it is not running. */
async function localEndpoint(settings: Settings, out: Output): Promise<{host: string; token: string}> {
  const {readLocalEndpoint, localUp} = await import('../local/daemon.js')
  let endpoint = await readLocalEndpoint(settings.localStateDir)
  if (!endpoint) {
    const started = await localUp({stateDir: settings.localStateDir})
    out.info(`Started the local workspace at ${started.url} (state in ${started.state_dir}; stop it with: lakectl local down).`)
    endpoint = await readLocalEndpoint(settings.localStateDir)
  }
  if (!endpoint) throw new Error(`The local workspace did not publish its address in ${settings.localStateDir}.`)
  return {host: endpoint.url, token: endpoint.token}
}

export function userAgent(version: string): string {
  return `lakectl/${version} node/${process.versions.node} os/${process.platform}`
}
