/**
 * Credentials through the official SDK's Config, exactly as the Databricks tools resolve them:
 * ~/.databrickscfg profiles, DATABRICKS_HOST / DATABRICKS_TOKEN, OAuth M2M (client id + secret).
 * The SDK is loaded lazily: it costs 200-300 ms. An explicit token (the local target) needs none of
 * its resolution chain, so it is turned into PAT auth here, as the SDK would (see explicitToken).
 */
import {AuthError, LakectlError} from '../errors.js'
import type {AuthProvider} from './client.js'
import {ConnectionError} from './errors.js'

export interface Credentials {
  host: string
  skipVerify: boolean
  auth: AuthProvider
  /** How the identity was resolved (auth type and profile), for doctor. */
  description: string
}

export interface CredentialRequest {
  profile?: string
  host?: string
  token?: string
  env: NodeJS.ProcessEnv
}

export async function resolveCredentials(request: CredentialRequest): Promise<Credentials> {
  if (request.token && request.host && !request.profile && Object.keys(request.env).length === 0) return explicitToken(request.host, request.token)
  const {default: sdk} = await import('@databricks/sdk-experimental')
  const config = new sdk.Config({
    profile: request.profile,
    host: request.host,
    token: request.token,
    ...(request.token ? {authType: 'pat' as const} : {}),
    env: request.env,
  })
  try {
    await config.ensureResolved()
  } catch (error) {
    throw new AuthError(`Cannot resolve Databricks credentials: ${firstLine(error)}`, {
      code: 'AUTH_CONFIG',
      hint: request.profile ? `check profile [${request.profile}] in ~/.databrickscfg` : 'set DATABRICKS_HOST and DATABRICKS_TOKEN, or pass --profile',
    })
  }
  if (!config.host) throw new AuthError('No workspace host configured.', {hint: 'pass --profile, or set DATABRICKS_HOST'})
  // The SDK verifies TLS only when skipVerify === false; make "unset" mean verified.
  const skipVerify = String(config.skipVerify) === 'true'
  config.skipVerify = skipVerify
  const secrets = () => [config.token, config.clientSecret, config.password].filter((s): s is string => Boolean(s))
  const auth: AuthProvider = {
    async headers() {
      const headers = new Headers()
      try {
        await config.authenticate(headers)
      } catch (error) {
        if (error instanceof LakectlError) throw error
        // An OAuth token exchange that never reached the host is not a credentials problem.
        const unreachable = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)\b/.exec(firstLine(error))
        if (unreachable) {
          throw new ConnectionError(`Cannot reach ${config.host} to authenticate (${config.authType ?? 'OAuth'}): ${unreachable[1]}.`, 'UNREACHABLE', `check that ${config.host} is the workspace you mean and that it is reachable from here`, {host: config.host, cause: unreachable[1]})
        }
        throw new AuthError(`Authentication failed: ${firstLine(error)}`, {hint: 'check the credentials of the target: the profile, DATABRICKS_TOKEN, or the OAuth client id and secret'})
      }
      return Object.fromEntries(headers.entries())
    },
    secrets,
  }
  // Authenticating once up front picks the credential provider (and exchanges an OAuth token): a wrong
  // setup fails here, before any request, and the auth type is known.
  await auth.headers()
  return {host: config.host, skipVerify, auth, description: `${config.authType ?? 'default'}${config.profile ? ` (profile ${config.profile})` : ''}`}
}

/**
 * What the SDK's Config makes of a host and a token with nothing else configured: PAT auth (a bearer
 * header), the host reduced to scheme and authority (https:// when none is given), TLS verified.
 */
export function explicitToken(host: string, token: string): Credentials {
  const url = new URL(host.startsWith('http') ? host : `https://${host}`)
  const authorization = `Bearer ${token}`
  return {
    host: `${url.protocol}//${url.host}`,
    skipVerify: false,
    auth: {headers: async () => ({authorization}), secrets: () => [token]},
    description: 'pat',
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]
}
