/**
 * REST routes of the model areas: Unity Catalog models (reference 6.1), MLflow tracking and the
 * workspace registry (6.2, 6.3), Model Serving (7; queries are served without the /api/2.0 prefix).
 */
import {z} from 'zod'

import {booleanQuery, integerQuery, pageRequest, parseBody, requiredQuery, type PageLimits} from '../http/input.js'
import {Reply, type Router, type Routes} from '../http/router.js'
import type {LocalModels} from './index.js'
import {parseVersion} from './registry.js'
import {runInfo, runJson} from './tracking.js'

const keyValues = z.array(z.object({key: z.string(), value: z.string()}))

const modelCreate = z.object({catalog_name: z.string(), schema_name: z.string(), name: z.string(), comment: z.string().optional()})
const modelUpdate = z.object({new_name: z.string().optional(), comment: z.string().optional(), owner: z.string().optional()})
const versionCreate = z.object({
  catalog_name: z.string(),
  schema_name: z.string(),
  model_name: z.string(),
  source: z.string(),
  run_id: z.string().optional(),
  comment: z.string().optional(),
})
const versionUpdate = z.object({comment: z.string().optional()})
const aliasSet = z.object({version_num: z.number().int()})
const versionTag = z.object({name: z.string(), version: z.string(), key: z.string(), value: z.string()})

const runCreate = z.object({experiment_id: z.string().optional(), run_name: z.string().optional(), start_time: z.number().int().optional(), tags: keyValues.optional()})
const runBatch = z.object({
  run_id: z.string(),
  metrics: z.array(z.object({key: z.string(), value: z.number(), timestamp: z.number().int().optional(), step: z.number().int().optional()})).optional(),
  params: keyValues.optional(),
  tags: keyValues.optional(),
})
const runUpdate = z.object({
  run_id: z.string(),
  status: z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']).optional(),
  end_time: z.number().int().optional(),
  run_name: z.string().optional(),
})

const workspaceModelCreate = z.object({name: z.string(), description: z.string().optional(), tags: keyValues.optional()})
const workspaceVersionCreate = z.object({name: z.string(), source: z.string(), run_id: z.string().optional(), description: z.string().optional(), tags: keyValues.optional()})
const latestVersions = z.object({name: z.string(), stages: z.array(z.string()).optional()})
const transition = z.object({name: z.string(), version: z.string(), stage: z.string(), archive_existing_versions: z.boolean(), comment: z.string().optional()})

const servedEntity = z.object({
  name: z.string().optional(),
  entity_name: z.string(),
  entity_version: z.string(),
  workload_size: z.string().optional(),
  workload_type: z.string().optional(),
  scale_to_zero_enabled: z.boolean().optional(),
})
const endpointConfig = z.object({
  served_entities: z.array(servedEntity),
  traffic_config: z.object({routes: z.array(z.object({served_entity_name: z.string(), traffic_percentage: z.number().int().min(0).max(100)}))}).optional(),
})
const aiGateway = z.object({
  inference_table_config: z.object({catalog_name: z.string().optional(), schema_name: z.string().optional(), table_name_prefix: z.string().optional(), enabled: z.boolean().optional()}).optional(),
})
const endpointCreate = z.object({name: z.string(), config: endpointConfig, tags: keyValues.optional(), ai_gateway: aiGateway.optional()})

function page<T>(key: string, result: {items: T[]; nextPageToken?: string}) {
  return {[key]: result.items, ...(result.nextPageToken ? {next_page_token: result.nextPageToken} : {})}
}

export function registerModelRoutes(api: Router, models: LocalModels, pageLimits: PageLimits): void {
  registerUnityCatalogModelRoutes(api.under('/api/2.1/unity-catalog'), models, pageLimits)
  registerMlflowRoutes(api.under('/api/2.0/mlflow'), models)
  registerServingRoutes(api, models)
}

function registerUnityCatalogModelRoutes(routes: Routes, {registry}: LocalModels, pageLimits: PageLimits): void {
  routes
    .post('/models', ({body}) => registry.createModel(parseBody(modelCreate, body)))
    .get('/models', async ({query}) => {
      const [catalog, schema] = [query.get('catalog_name') || undefined, query.get('schema_name') || undefined]
      return page('registered_models', await registry.listModels(catalog, schema, pageRequest(query, pageLimits)))
    })
    .get('/models/{full_name}', ({params, query}) => registry.getModel(params.full_name, booleanQuery(query, 'include_aliases')))
    .patch('/models/{full_name}', ({params, body}) => registry.updateModel(params.full_name, parseBody(modelUpdate, body)))
    .delete('/models/{full_name}', ({params}) => {
      registry.deleteModel(params.full_name)
      return {}
    })
    .post('/models/versions', ({body}) => registry.createVersion(parseBody(versionCreate, body)))
    .get('/models/{full_name}/versions', ({params, query}) => page('model_versions', registry.listVersions(params.full_name, pageRequest(query, pageLimits))))
    .get('/models/{full_name}/versions/{version}', ({params, query}) => registry.getVersion(params.full_name, parseVersion(params.version), booleanQuery(query, 'include_aliases')))
    .patch('/models/{full_name}/versions/{version}', ({params, body}) => registry.updateVersion(params.full_name, parseVersion(params.version), parseBody(versionUpdate, body)))
    .delete('/models/{full_name}/versions/{version}', ({params}) => {
      registry.deleteVersion(params.full_name, parseVersion(params.version))
      return {}
    })
    .put('/models/{full_name}/aliases/{alias}', ({params, body}) => registry.setAlias(params.full_name, params.alias, parseVersion(parseBody(aliasSet, body).version_num)))
    .delete('/models/{full_name}/aliases/{alias}', ({params}) => {
      registry.deleteAlias(params.full_name, params.alias)
      return {}
    })
    .get('/models/{full_name}/aliases/{alias}', ({params, query}) => registry.versionByAlias(params.full_name, params.alias, booleanQuery(query, 'include_aliases')))
}

function registerMlflowRoutes(routes: Routes, {tracking, registry, workspaceRegistry}: LocalModels): void {
  routes
    .get('/runs/get', ({query}) => ({run: runJson(tracking.getRun(requiredQuery(query, 'run_id')))}))
    .post('/runs/create', ({body}) => ({run: runJson(tracking.createRun(parseBody(runCreate, body)))}))
    .post('/runs/log-batch', ({body}) => {
      const {run_id, ...batch} = parseBody(runBatch, body)
      tracking.logBatch(run_id, batch)
      return {}
    })
    .post('/runs/update', ({body}) => {
      const {run_id, ...changes} = parseBody(runUpdate, body)
      return {run_info: runInfo(tracking.updateRun(run_id, changes))}
    })

  // Unity Catalog model versions as MLflow's registry client sees them (tags live here).
  routes
    .get('/unity-catalog/model-versions/get', ({query}) => ({model_version: registry.mlflowVersion(requiredQuery(query, 'name'), parseVersion(requiredQuery(query, 'version')))}))
    .post('/unity-catalog/model-versions/set-tag', ({body}) => {
      const tag = parseBody(versionTag, body)
      registry.setVersionTag(tag.name, parseVersion(tag.version), tag.key, tag.value)
      return {}
    })
    .delete('/unity-catalog/model-versions/delete-tag', ({query}) => {
      registry.deleteVersionTag(requiredQuery(query, 'name'), parseVersion(requiredQuery(query, 'version')), requiredQuery(query, 'key'))
      return {}
    })

  routes
    .post('/registered-models/create', ({body}) => ({registered_model: workspaceRegistry.createModel(parseBody(workspaceModelCreate, body))}))
    .get('/registered-models/get', ({query}) => ({registered_model: workspaceRegistry.getModel(requiredQuery(query, 'name'))}))
    .post('/registered-models/get-latest-versions', ({body}) => {
      const {name, stages} = parseBody(latestVersions, body)
      return {model_versions: workspaceRegistry.latestVersions(name, stages)}
    })
    .post('/model-versions/create', ({body}) => ({model_version: workspaceRegistry.createVersion(parseBody(workspaceVersionCreate, body))}))
    .get('/model-versions/get', ({query}) => ({model_version: workspaceRegistry.getVersion(requiredQuery(query, 'name'), parseVersion(requiredQuery(query, 'version')))}))
    .post('/model-versions/set-tag', ({body}) => {
      const tag = parseBody(versionTag, body)
      workspaceRegistry.setVersionTag(tag.name, parseVersion(tag.version), tag.key, tag.value)
      return {}
    })
    .get('/model-versions/search', ({query}) =>
      workspaceRegistry.searchVersions({filter: query.get('filter') ?? undefined, max_results: integerQuery(query, 'max_results'), page_token: query.get('page_token') || undefined}),
    )
    // Databricks documents its own transition endpoint (it records the comment) and serves MLflow's too,
    // which MLflow's client calls; each answers under its own key.
    .post('/databricks/model-versions/transition-stage', ({body}) => {
      const request = parseBody(transition, body)
      return {model_version_databricks: {...workspaceRegistry.transitionStage({...request, version: parseVersion(request.version)}), permission_level: 'CAN_MANAGE'}}
    })
    .post('/model-versions/transition-stage', ({body}) => {
      const request = parseBody(transition.omit({comment: true}), body)
      return {model_version: workspaceRegistry.transitionStage({...request, version: parseVersion(request.version)})}
    })
}

function registerServingRoutes(api: Router, {serving}: LocalModels): void {
  api
    .post('/api/2.0/serving-endpoints', ({body}) => serving.create(parseBody(endpointCreate, body)))
    .get('/api/2.0/serving-endpoints', () => serving.list())
    .get('/api/2.0/serving-endpoints/{name}', ({params}) => serving.get(params.name))
    .put('/api/2.0/serving-endpoints/{name}/config', ({params, body}) => serving.updateConfig(params.name, parseBody(endpointConfig, body)))
    .put('/api/2.0/serving-endpoints/{name}/ai-gateway', ({params, body}) => serving.updateAiGateway(params.name, parseBody(aiGateway, body)))
    .delete('/api/2.0/serving-endpoints/{name}', ({params}) => {
      serving.delete(params.name)
      return {}
    })
    .post('/serving-endpoints/{name}/invocations', ({params, body}) => {
      const {predictions, servedEntity} = serving.invoke(params.name, body)
      return new Reply({predictions}, {'served-model-name': servedEntity})
    })
}
