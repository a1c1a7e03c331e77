/**
 * Builds the workspace client for a resolved target. The local target only supplies a host and a
 * token (from the local workspace's state folder); from there on it is the same code path as any
 * Databricks workspace.
 */
import {resolveCredentials} from '../databricks/auth.js'
import {DatabricksClient} from '../databricks/client.js'
import type {RetryEvent} from '../databricks/retry.js'
import type {Settings} from '../config/targets.js'
import {LakectlError} from '../errors.js'

export interface ClientContext {
  signal: AbortSignal
  trace?: (line: string) => void
  onRetry: (event: RetryEvent) => void
  /** How long to keep retrying a host that cannot be reached. */
  unreachableSeconds: number
  version: string
}

export async function createClient(settings: Settings, context: ClientContext): Promise<DatabricksClient> {
  const {target} = settings
  const credentials =
    target.kind === 'local'
      ? await resolveCredentials({...(await localEndpoint(settings)), env: {}})
      : await resolveCredentials({profile: target.profile, host: target.host, env: process.env})
  return new DatabricksClient({
    host: credentials.host,
    auth: credentials.auth,
    skipVerify: credentials.skipVerify,
    userAgent: userAgent(context.version),
    trace: context.trace,
    onRetry: context.onRetry,
    retry: {unreachableMs: context.unreachableSeconds * 1000, connectTimeoutMs: Math.min(10, context.unreachableSeconds) * 1000},
    signal: context.signal,
  })
}

/**
 * The running local workspace's address and token. Only `lakectl local up` starts it: a command never
 * brings back a workspace that was stopped on purpose.
 */
async function localEndpoint(settings: Settings): Promise<{host: string; token: string}> {
  const {readLocalEndpoint} = await import('../local/endpoint.js')
  const endpoint = readLocalEndpoint(settings.localStateDir)
  if (!endpoint) {
    throw new LakectlError(`Local workspace not running (state in ${settings.localStateDir}).`, {code: 'LOCAL_NOT_RUNNING', hint: 'lakectl local up'})
  }
  return {host: endpoint.url, token: endpoint.token}
}

export function userAgent(version: string): string {
  return `lakectl/${version} node/${process.versions.node} os/${process.platform}`
}
