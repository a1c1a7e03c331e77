/**
 * Model Serving endpoints (reference 7). A config update is asynchronous: PUT config records a pending
 * config (config_update IN_PROGRESS) while the current config keeps serving; `updateMs` later the
 * update completes: the pending config becomes the config (config_version + 1, NOT_UPDATING), or, when
 * a served version is missing or not READY by then, the update ends UPDATE_FAILED with the reason in
 * the pending config's deployment_state_message and the old config keeps serving. Updates complete
 * lazily, whenever an endpoint is looked at, so nothing runs in the background and a restart resumes
 * an update where it was.
 */
import {randomUUID} from 'node:crypto'

import {parseFullName} from '../catalog/unity-catalog.js'
import {ApiError, invalidParameter, notFound} from '../http/errors.js'
import {LOCAL_USER_NAME} from '../identity.js'
import type {Artifacts} from './artifacts.js'
import type {InferenceLog, InferenceTableConfig} from './inference-log.js'
import {queryTexts} from './invocations.js'
import {parseVersion, type Servable} from './registry.js'
import type {EndpointConfigRecord, EndpointRecord, ModelStore, PendingConfigRecord, ServedEntityRecord, TrafficRoute} from './state.js'

type Json = Record<string, unknown>

export interface ServedEntityInput {
  name?: string
  entity_name: string
  entity_version: string
  workload_size?: string
  workload_type?: string
  scale_to_zero_enabled?: boolean
}

export interface EndpointConfigInput {
  served_entities: ServedEntityInput[]
  traffic_config?: {routes: TrafficRoute[]}
}

/** What Silver's sentiment_score() scores with: the served version of the sentiment model. */
export interface ServedModel {
  endpoint: string
  model: string
  version: string
  score(texts: ReadonlyArray<string | null | undefined>): Array<number | null>
}

const ENDPOINT_NAME = /^[A-Za-z0-9_-]{1,63}$/
const WORKLOAD_SIZES = ['Small', 'Medium', 'Large']
/** The model Silver scores with when the caller does not name one: `<catalog>.ml.sentiment`. */
const DEFAULT_SCORING_MODEL = /^[a-z0-9_]+\.ml\.sentiment$/

/** Where served entities come from: a Unity Catalog model (catalog.schema.model) or a workspace-registry one. */
export interface ServableModels {
  servable(entityName: string, version: number): Servable
}

export class Serving {
  constructor(
    private readonly store: ModelStore,
    private readonly registry: ServableModels,
    private readonly artifacts: Artifacts,
    private readonly updateMs: number,
    private readonly inferenceLog?: InferenceLog,
  ) {}

  /** Creates the endpoint and starts deploying its first config; its versions must be servable now. */
  create(input: {name: string; config: EndpointConfigInput; tags?: Array<{key: string; value: string}>; ai_gateway?: {inference_table_config?: InferenceTableConfig}}): Json {
    if (!ENDPOINT_NAME.test(input.name)) throw invalidParameter(`Invalid endpoint name '${input.name}': use letters, digits, '-' or '_' (at most 63).`)
    if (this.endpoints[input.name]) throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `Endpoint with name '${input.name}' already exists.`)
    const entities = this.servedEntities(input.config)
    for (const entity of entities) {
      const servable = this.registry.servable(entity.entity_name, Number(entity.entity_version))
      if ('reason' in servable) throw servable.missing ? notFound('RESOURCE_DOES_NOT_EXIST', servable.reason) : invalidParameter(servable.reason)
    }
    const now = Date.now()
    const record: EndpointRecord = {
      name: input.name,
      id: randomUUID().replaceAll('-', ''),
      creator: LOCAL_USER_NAME,
      creation_timestamp: now,
      last_updated_timestamp: now,
      config_update: 'IN_PROGRESS',
      pending: this.pendingConfig(1, entities, input.config, now),
      tags: input.tags ?? [],
      ...(input.ai_gateway ? {ai_gateway: input.ai_gateway} : {}),
    }
    this.store.update((state) => (state.endpoints[record.name] = record))
    return this.endpointJson(record)
  }

  get(name: string): Json {
    return this.endpointJson(this.require(name))
  }

  list(): Json {
    return {endpoints: Object.keys(this.endpoints).sort().map((name) => summaryJson(this.settle(this.endpoints[name])))}
  }

  /** Starts a config update; refused (409) while another is in progress. */
  updateConfig(name: string, input: EndpointConfigInput): Json {
    const record = this.require(name)
    if (record.config_update === 'IN_PROGRESS') {
      throw new ApiError(409, 'RESOURCE_CONFLICT', `Endpoint '${name}' is currently being updated: wait until its config_update is NOT_UPDATING before updating it again.`)
    }
    const entities = this.servedEntities(input)
    const now = Date.now()
    this.store.update(() => {
      record.pending = this.pendingConfig((record.config?.config_version ?? 0) + 1, entities, input, now)
      record.config_update = 'IN_PROGRESS'
      record.last_updated_timestamp = now
    })
    return this.endpointJson(record)
  }

  /** PUT ai-gateway: replaces the endpoint's AI Gateway settings (the inference table among them). */
  updateAiGateway(name: string, input: {inference_table_config?: InferenceTableConfig}): Json {
    const record = this.require(name)
    this.store.update(() => {
      record.ai_gateway = input
      record.last_updated_timestamp = Date.now()
    })
    return input
  }

  delete(name: string): void {
    this.require(name)
    this.store.update((state) => delete state.endpoints[name])
  }

  /** Scores the query's texts with the entity the traffic config routes this request to. */
  invoke(name: string, body: Record<string, unknown>): {predictions: Array<number | null>; servedEntity: string} {
    const record = this.require(name)
    if (!record.config) {
      if (record.config_update === 'IN_PROGRESS') throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', `Endpoint '${name}' is not ready yet: its first config is being deployed.`)
      throw new ApiError(400, 'INVALID_STATE', `Endpoint '${name}' is not ready: its config failed to deploy.`)
    }
    const entity = routeRequest(record.config)
    const started = Date.now()
    const log = (statusCode: number, response: unknown) =>
      this.inferenceLog?.record({
        endpoint: {name, id: record.id, inference_table_config: record.ai_gateway?.inference_table_config},
        entity,
        configVersion: record.config!.config_version,
        requestTime: started,
        statusCode,
        durationMs: Date.now() - started,
        request: JSON.stringify(body),
        response: JSON.stringify(response),
        clientRequestId: typeof body.client_request_id === 'string' ? body.client_request_id : undefined,
      })
    try {
      const predictions = this.scorerOf(entity).score(queryTexts(body))
      log(200, {predictions})
      return {predictions, servedEntity: entity.name}
    } catch (error) {
      log(error instanceof ApiError ? error.status : 500, {error_code: error instanceof ApiError ? error.errorCode : 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error)})
      throw error
    }
  }

  /**
   * The served version of a model, for Silver's sentiment_score(): as the Databricks runner does, the
   * first ready endpoint (by name) that serves the model, and of its entities the one with most
   * traffic. Without a model name, any `<catalog>.ml.sentiment`. Null when nothing serves it.
   */
  current(model?: string): ServedModel | null {
    const matches = model === undefined ? (name: string) => DEFAULT_SCORING_MODEL.test(name) : (name: string) => name === entityName(model)
    for (const name of Object.keys(this.endpoints).sort()) {
      const {config} = this.settle(this.endpoints[name])
      const entities = config?.served_entities.filter((e) => matches(e.entity_name)) ?? []
      if (!config || entities.length === 0) continue
      const share = (e: ServedEntityRecord) => config.traffic_config.routes.find((r) => r.served_entity_name === e.name)?.traffic_percentage ?? 0
      const entity = entities.reduce((best, e) => (share(e) > share(best) ? e : best))
      const scorer = this.scorerOf(entity)
      const record = this.endpoints[name]
      // Silver's scoring goes through the endpoint on Databricks (ai_query): each call is a logged request.
      const score = (texts: ReadonlyArray<string | null | undefined>) => {
        const started = Date.now()
        const scores = scorer.score(texts)
        this.inferenceLog?.record({
          endpoint: {name, id: record.id, inference_table_config: record.ai_gateway?.inference_table_config},
          entity,
          configVersion: config.config_version,
          requestTime: started,
          statusCode: 200,
          durationMs: Date.now() - started,
          request: JSON.stringify({rows: texts.length}),
          response: JSON.stringify({rows: scores.length}),
        })
        return scores
      }
      return {endpoint: name, model: entity.entity_name, version: entity.entity_version, score}
    }
    return null
  }

  // ---------------------------------------------------------------------------------------------

  private get endpoints(): Record<string, EndpointRecord> {
    return this.store.state.endpoints
  }

  private require(name: string): EndpointRecord {
    const record = this.endpoints[name]
    if (!record) throw notFound('RESOURCE_DOES_NOT_EXIST', `Endpoint with name '${name}' does not exist.`)
    return this.settle(record)
  }

  /** Completes a due update: promotes the pending config, or fails it naming the version that cannot be served. */
  private settle(record: EndpointRecord): EndpointRecord {
    const pending = record.pending
    if (record.config_update !== 'IN_PROGRESS' || !pending || Date.now() < pending.due_at) return record
    const failure = pending.served_entities
      .map((e) => this.registry.servable(e.entity_name, Number(e.entity_version)))
      .find((result) => 'reason' in result)?.reason
    this.store.update(() => {
      if (failure) {
        pending.failure = failure
        record.config_update = 'UPDATE_FAILED'
      } else {
        const {config_version, served_entities, traffic_config} = pending
        record.config = {config_version, served_entities, traffic_config}
        delete record.pending
        record.config_update = 'NOT_UPDATING'
      }
      record.last_updated_timestamp = pending.due_at
    })
    return record
  }

  private scorerOf(entity: ServedEntityRecord) {
    const servable = this.registry.servable(entity.entity_name, Number(entity.entity_version))
    if ('reason' in servable) throw new ApiError(500, 'INTERNAL_ERROR', `Served entity '${entity.name}' can no longer be loaded: ${servable.reason}`)
    return this.artifacts.scorer(servable.version.storage_location)
  }

  /** Validates a config's entities and fills in their defaults (names, workload). */
  private servedEntities(config: EndpointConfigInput): ServedEntityRecord[] {
    if (config.served_entities.length === 0) throw invalidParameter('config.served_entities must name at least one entity.')
    const now = Date.now()
    const entities = config.served_entities.map((input) => {
      const entity = entityName(input.entity_name)
      const version = parseVersion(input.entity_version)
      const name = input.name ?? `${entity.split('.').pop()}-${version}`
      if (!ENDPOINT_NAME.test(name)) throw invalidParameter(`Invalid served entity name '${name}': use letters, digits, '-' or '_'.`)
      const workloadSize = input.workload_size ?? 'Small'
      if (!WORKLOAD_SIZES.includes(workloadSize)) throw invalidParameter(`Invalid workload_size '${workloadSize}': expected one of ${WORKLOAD_SIZES.join(', ')}.`)
      return {
        name,
        entity_name: entity,
        entity_version: String(version),
        workload_size: workloadSize,
        workload_type: input.workload_type ?? 'CPU',
        scale_to_zero_enabled: input.scale_to_zero_enabled ?? false,
        creator: LOCAL_USER_NAME,
        creation_timestamp: now,
      }
    })
    const names = entities.map((e) => e.name)
    if (new Set(names).size !== names.length) throw invalidParameter(`Served entity names must be unique, got ${names.join(', ')}.`)
    return entities
  }

  private pendingConfig(configVersion: number, entities: ServedEntityRecord[], input: EndpointConfigInput, now: number): PendingConfigRecord {
    return {config_version: configVersion, served_entities: entities, traffic_config: trafficConfig(entities, input), start_time: now, due_at: now + this.updateMs}
  }

  private endpointJson(record: EndpointRecord): Json {
    const {pending, config} = record
    const deploying = pending?.failure
      ? {deployment: 'DEPLOYMENT_FAILED', deployment_state_message: pending.failure}
      : {deployment: 'DEPLOYMENT_CREATING', deployment_state_message: 'Deploying the served entities.'}
    return {
      ...summaryJson(record),
      ...(config ? {config: configJson(config, {deployment: 'DEPLOYMENT_READY', deployment_state_message: ''})} : {}),
      ...(pending ? {pending_config: {...configJson(pending, deploying), start_time: pending.start_time}} : {}),
      ...(record.ai_gateway ? {ai_gateway: record.ai_gateway} : {}),
      permission_level: 'CAN_MANAGE',
      route_optimized: false,
    }
  }
}

/** A Unity Catalog model's full name (lower-cased), or a workspace-registry model's name as it is. */
function entityName(name: string): string {
  return name.includes('.') ? parseFullName(name, 3, 'model').join('.') : name
}

/** The endpoint as listed: state and which versions it serves. */
function summaryJson(record: EndpointRecord): Json {
  const {config} = record
  return {
    name: record.name,
    id: record.id,
    creator: record.creator,
    creation_timestamp: record.creation_timestamp,
    last_updated_timestamp: record.last_updated_timestamp,
    state: {ready: config ? 'READY' : 'NOT_READY', config_update: record.config_update},
    ...(config ? {config: {served_entities: config.served_entities.map(({name, entity_name, entity_version}) => ({name, entity_name, entity_version}))}} : {}),
    tags: record.tags,
  }
}

/** The routes as given (every entity named, percentages summing to 100), or all traffic to a single entity. */
function trafficConfig(entities: ServedEntityRecord[], input: EndpointConfigInput): {routes: TrafficRoute[]} {
  const routes = input.traffic_config?.routes
  if (!routes) {
    if (entities.length > 1) throw invalidParameter('config.traffic_config is required when an endpoint serves several entities.')
    return {routes: [{served_entity_name: entities[0].name, traffic_percentage: 100}]}
  }
  for (const route of routes) {
    if (!entities.some((e) => e.name === route.served_entity_name)) throw invalidParameter(`Traffic route to '${route.served_entity_name}', which is not a served entity of the config.`)
  }
  const total = routes.reduce((sum, r) => sum + r.traffic_percentage, 0)
  if (total !== 100) throw invalidParameter(`The traffic percentages of config.traffic_config must add up to 100, got ${total}.`)
  return {routes: routes.map(({served_entity_name, traffic_percentage}) => ({served_entity_name, traffic_percentage}))}
}

function configJson(config: EndpointConfigRecord, state: Json): Json {
  return {
    config_version: config.config_version,
    served_entities: config.served_entities.map((e) => ({...e, state})),
    traffic_config: config.traffic_config,
  }
}

/** Picks an entity at random, weighted by its share of the traffic. */
function routeRequest(config: EndpointConfigRecord): ServedEntityRecord {
  let draw = Math.random() * 100
  for (const route of config.traffic_config.routes) {
    draw -= route.traffic_percentage
    if (draw < 0) return config.served_entities.find((e) => e.name === route.served_entity_name)!
  }
  return config.served_entities[0]
}
