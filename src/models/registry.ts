/**
 * Model registry calls: Unity Catalog registered models, versions and aliases (reference 6.1), the
 * legacy workspace registry's stages (6.2), and the MLflow runs that hold the metrics (6.3).
 */
import {UsageError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {ApiError} from '../databricks/errors.js'

const MODELS = '/api/2.1/unity-catalog/models'

export interface ModelVersion {
  model_name?: string
  catalog_name?: string
  schema_name?: string
  version: number
  status?: string
  run_id?: string
  source?: string
  created_at?: number
  aliases?: Array<{alias_name: string; version_num: number}>
}

export interface RegisteredModel {
  full_name: string
  name: string
  catalog_name?: string
  schema_name?: string
  comment?: string
  updated_at?: number
  aliases?: Array<{alias_name: string; version_num: number}>
}

export interface RunMetrics {
  run_id: string
  status?: string
  metrics: Record<string, number>
}

/** MLflow client rules for alias names (reference 6.1). */
export function assertAliasName(alias: string): string {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(alias) || alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new UsageError(`Invalid alias '${alias}': use letters, digits, '_' or '-' (not 'latest' or 'v<number>').`, {code: 'INVALID_ALIAS'})
  }
  return alias
}

/** A Unity Catalog model is catalog.schema.model; a name without dots is in the legacy workspace registry. */
export function isUnityCatalogName(name: string): boolean {
  return name.includes('.')
}

export function assertModelName(name: string): string {
  const uc = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/i
  const legacy = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}$/
  if (isUnityCatalogName(name) ? !uc.test(name) : !legacy.test(name)) {
    throw new UsageError(`Invalid model name '${name}': use catalog.schema.model (Unity Catalog) or a workspace registry name.`, {code: 'INVALID_MODEL_NAME'})
  }
  return name
}

const path = (model: string) => `${MODELS}/${encodeURIComponent(model)}`

export function listModels(client: DatabricksClient, catalog: string, schema: string): Promise<RegisteredModel[]> {
  return client.listAll<RegisteredModel>(MODELS, 'registered_models', {catalog_name: catalog, schema_name: schema, max_results: 0})
}

export function getModel(client: DatabricksClient, model: string): Promise<RegisteredModel> {
  return client.get<RegisteredModel>(path(model), {include_aliases: true})
}

export function listVersions(client: DatabricksClient, model: string): Promise<ModelVersion[]> {
  return client.listAll<ModelVersion>(`${path(model)}/versions`, 'model_versions', {max_results: 0})
}

export function getVersion(client: DatabricksClient, model: string, version: number): Promise<ModelVersion> {
  return client.get<ModelVersion>(`${path(model)}/versions/${version}`, {include_aliases: true})
}

/** The version an alias points to, or undefined when the alias is not set. */
export async function versionByAlias(client: DatabricksClient, model: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    return await client.get<ModelVersion>(`${path(model)}/aliases/${encodeURIComponent(alias)}`, {include_aliases: true})
  } catch (error) {
    // A missing alias is a 404 like a missing model: tell them apart by reading the model.
    if (error instanceof ApiError && error.notFound) {
      await getModel(client, model)
      return undefined
    }
    throw error
  }
}

export async function setAlias(client: DatabricksClient, model: string, alias: string, version: number): Promise<void> {
  await client.put(`${path(model)}/aliases/${encodeURIComponent(alias)}`, {version_num: version})
}

export async function deleteAlias(client: DatabricksClient, model: string, alias: string): Promise<void> {
  try {
    await client.delete(`${path(model)}/aliases/${encodeURIComponent(alias)}`)
  } catch (error) {
    if (!(error instanceof ApiError && error.notFound)) throw error
  }
}

export async function setVersionTag(client: DatabricksClient, model: string, version: number, key: string, value: string): Promise<void> {
  await client.post('/api/2.0/mlflow/unity-catalog/model-versions/set-tag', {name: model, version: String(version), key, value}, {idempotent: true})
}

/** A Unity Catalog model version's tags (through MLflow's registry API, where they live). */
export async function versionTags(client: DatabricksClient, model: string, version: number): Promise<Array<{key: string; value: string}>> {
  const {model_version: found} = await client.get<{model_version: {tags?: Array<{key: string; value: string}>}}>('/api/2.0/mlflow/unity-catalog/model-versions/get', {name: model, version: String(version)})
  return found.tags ?? []
}

export async function runMetrics(client: DatabricksClient, runId: string): Promise<RunMetrics> {
  const {run} = await client.get<{run: {info: {run_id: string; status?: string}; data?: {metrics?: Array<{key: string; value: number}>}}}>('/api/2.0/mlflow/runs/get', {run_id: runId})
  return {run_id: run.info.run_id, status: run.info.status, metrics: Object.fromEntries((run.data?.metrics ?? []).map((m) => [m.key, m.value]))}
}

// Legacy workspace registry (no Unity Catalog): stages instead of aliases. Databricks' workspace registry
// has no aliases (MLflow's own registry has, and its client refuses them against Databricks).

const MLFLOW = '/api/2.0/mlflow'

export interface LegacyVersion {
  name: string
  version: string
  current_stage?: string
  status?: string
  run_id?: string
  creation_timestamp?: number
  tags?: Array<{key: string; value: string}>
}

/** The value of a version's tag, if set. */
export const tagOf = (version: LegacyVersion, key: string): string | undefined => version.tags?.find((t) => t.key === key)?.value

export interface LegacyModel {
  name: string
  /** Only an MLflow tracking server's registry has aliases. */
  aliases?: Array<{alias: string; version: string}>
}

/** The model (MLflow's get, which Databricks serves too) and every version of it, searched by name page by page. */
export async function legacyModelVersions(client: DatabricksClient, model: string): Promise<{model: LegacyModel; versions: LegacyVersion[]}> {
  const [info, versions] = await Promise.all([
    client.get<{registered_model: LegacyModel}>(`${MLFLOW}/registered-models/get`, {name: model}),
    client.listAll<LegacyVersion>(`${MLFLOW}/model-versions/search`, 'model_versions', {filter: `name='${model}'`}),
  ])
  return {model: info.registered_model, versions}
}

/** The latest READY version in the stage, if any. */
export async function legacyLatest(client: DatabricksClient, model: string, stage: string): Promise<LegacyVersion | undefined> {
  const {model_versions: versions} = await client.post<{model_versions?: LegacyVersion[]}>(`${MLFLOW}/registered-models/get-latest-versions`, {name: model, stages: [stage]}, {idempotent: true})
  return versions?.[0]
}

export async function legacyGetVersion(client: DatabricksClient, model: string, version: number): Promise<LegacyVersion> {
  return (await client.get<{model_version: LegacyVersion}>(`${MLFLOW}/model-versions/get`, {name: model, version: String(version)})).model_version
}

/**
 * Moves a version to a stage, archiving the versions that were in it (for Staging and Production).
 * Databricks documents its own endpoint, which also records the comment; an MLflow tracking server has
 * only MLflow's (which Databricks serves too): that one is used when the server has no Databricks path.
 */
export async function legacyTransition(client: DatabricksClient, model: string, version: number, stage: string, comment: string, archiveExisting = true): Promise<void> {
  const body = {name: model, version: String(version), stage, archive_existing_versions: archiveExisting}
  try {
    await client.post(`${MLFLOW}/databricks/model-versions/transition-stage`, {...body, comment}, {idempotent: true})
  } catch (error) {
    if (!(error instanceof ApiError && error.missingApi)) throw error
    await client.post(`${MLFLOW}/model-versions/transition-stage`, body, {idempotent: true})
  }
}

export async function legacySetTag(client: DatabricksClient, model: string, version: number, key: string, value: string): Promise<void> {
  await client.post(`${MLFLOW}/model-versions/set-tag`, {name: model, version: String(version), key, value}, {idempotent: true})
}
