/**
 * Model Serving (reference section 7): point an endpoint at a model version and wait until the update
 * is live. PUT config puts the update IN_PROGRESS while the old config keeps serving; it ends
 * NOT_UPDATING (success) or UPDATE_FAILED / UPDATE_CANCELED (the old config stays).
 */
import {LakectlError} from '../errors.js'
import {type DatabricksClient, settleByFinding} from '../databricks/client.js'
import {ApiError} from '../databricks/errors.js'
import {waitUntil, type WaitSpec} from '../databricks/wait.js'

const ENDPOINTS = '/api/2.0/serving-endpoints'

interface ServedEntity {
  name?: string
  entity_name?: string
  entity_version?: string
  state?: {deployment?: string; deployment_state_message?: string}
}

/** Where an endpoint logs its requests (AI Gateway inference table: `<catalog>.<schema>.<prefix>_payload`). */
export interface InferenceTableConfig {
  catalog_name?: string
  schema_name?: string
  table_name_prefix?: string
  enabled?: boolean
}

export interface Endpoint {
  name: string
  state?: {ready?: string; config_update?: string}
  ai_gateway?: {inference_table_config?: InferenceTableConfig}
  config?: {served_entities?: ServedEntity[]}
  pending_config?: {served_entities?: ServedEntity[]}
}

export function getEndpoint(client: DatabricksClient, name: string): Promise<Endpoint | undefined> {
  return client.find<Endpoint>(`${ENDPOINTS}/${encodeURIComponent(name)}`)
}

/**
 * Why the endpoint cannot be updated on this host at all, or undefined when it can: a server without
 * Model Serving (an MLflow tracking server) answers that it has no such API.
 */
export async function servingUnavailable(client: DatabricksClient, name: string): Promise<string | undefined> {
  try {
    await getEndpoint(client, name)
    return undefined
  } catch (error) {
    if (!(error instanceof ApiError && error.missingApi)) throw error
    return `${client.host.origin} has no Model Serving API (${error.method} ${error.path} answered ${error.status}), so serving endpoint ${name} was not updated`
  }
}

/** The version of `model` the endpoint serves now, if any. */
export function servedVersion(endpoint: Endpoint | undefined, model: string): number | undefined {
  const entity = endpoint?.config?.served_entities?.find((e) => e.entity_name === model)
  return entity?.entity_version ? Number(entity.entity_version) : undefined
}

function endpointConfig(model: string, version: number) {
  // Served entity names allow letters, digits, '-' and '_'; a workspace-registry name may hold others.
  const servedName = `${model.split('.').pop()!.replace(/[^A-Za-z0-9_-]/g, '-')}-${version}`
  return {
    served_entities: [{name: servedName, entity_name: model, entity_version: String(version), workload_size: 'Small', scale_to_zero_enabled: true}],
    traffic_config: {routes: [{served_entity_name: servedName, traffic_percentage: 100}]},
  }
}

/**
 * Serves `version` of `model` on the endpoint (creating the endpoint if needed) and waits until it is
 * live. With `inferenceTable` the endpoint logs its requests there (set on create, or added to an
 * endpoint that has none), which report model reads.
 */
export async function serveVersion(
  client: DatabricksClient,
  endpointName: string,
  model: string,
  version: number,
  timeoutSeconds: number,
  onState?: (state: string) => void,
  inferenceTable?: InferenceTableConfig,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000
  const current = await getEndpoint(client, endpointName)
  const aiGateway = inferenceTable ? {inference_table_config: {...inferenceTable, enabled: true}} : undefined
  if (!current) {
    // Not idempotent: an unknown outcome is settled by looking for the endpoint by its name.
    await client.post(ENDPOINTS, {name: endpointName, config: endpointConfig(model, version), ...(aiGateway ? {ai_gateway: aiGateway} : {})}, {settle: settleByFinding(client, `${ENDPOINTS}/${encodeURIComponent(endpointName)}`)})
  } else {
    if (aiGateway && !current.ai_gateway?.inference_table_config?.enabled) await client.put(`${ENDPOINTS}/${encodeURIComponent(endpointName)}/ai-gateway`, aiGateway)
    if (current.state?.config_update === 'IN_PROGRESS') await waitForUpdate(client, endpointName, {timeoutSeconds, deadline, onState})
    // Sending the update again while the first one runs is refused (409): an unknown outcome is settled by
    // reading the endpoint back, done when it serves the version or is updating to it.
    await client.request('PUT', `${ENDPOINTS}/${encodeURIComponent(endpointName)}/config`, {
      body: endpointConfig(model, version),
      idempotent: false,
      settle: async () => {
        const now = await getEndpoint(client, endpointName)
        const pending = now?.pending_config?.served_entities?.find((e) => e.entity_name === model)?.entity_version
        return Number(pending) === version || servedVersion(now, model) === version ? {value: {}} : undefined
      },
    })
  }
  const done = await waitForUpdate(client, endpointName, {timeoutSeconds, deadline, onState})
  if (servedVersion(done, model) !== version) {
    throw new LakectlError(`Endpoint ${endpointName} finished its update but serves version ${servedVersion(done, model) ?? 'none'} of ${model}, not ${version}.`, {code: 'SERVING_MISMATCH'})
  }
}

function waitForUpdate(client: DatabricksClient, name: string, wait: Omit<WaitSpec, 'what'>): Promise<Endpoint> {
  return waitUntil(client, {...wait, what: `serving endpoint ${name}`}, async () => {
    const endpoint = await client.get<Endpoint>(`${ENDPOINTS}/${encodeURIComponent(name)}`)
    const update = endpoint.state?.config_update ?? 'NOT_UPDATING'
    if (update === 'UPDATE_FAILED' || update === 'UPDATE_CANCELED') {
      const message = endpoint.pending_config?.served_entities?.[0]?.state?.deployment_state_message ?? endpoint.config?.served_entities?.[0]?.state?.deployment_state_message
      throw new LakectlError(`The update of serving endpoint ${name} ended ${update}${message ? `: ${message}` : ''}.`, {code: update})
    }
    return {state: `endpoint ${name}: ${update}`, done: update === 'NOT_UPDATING' && endpoint.state?.ready === 'READY' ? endpoint : undefined}
  })
}
