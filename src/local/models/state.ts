/**
 * What the local model registry, MLflow tracking and Model Serving keep: one JSON document under
 * `<state>/models/`, written atomically after every change (like the workspace's state store), next
 * to the run and version artifacts. Kept apart from the Unity Catalog state store so each area owns
 * its file.
 */
import path from 'node:path'

import {JsonStore} from '../store.js'
import type {InferenceTableConfig} from './inference-log.js'

export type VersionStatus = 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION'

interface Audit {
  created_at: number
  created_by: string
  updated_at: number
  updated_by: string
}

export interface VersionRecord extends Audit {
  version: number
  id: string
  source: string
  run_id?: string
  status: VersionStatus
  status_message?: string
  /** file:// URI of the folder that holds the registered artifact. */
  storage_location: string
  comment?: string
  tags: Record<string, string>
}

/** A Unity Catalog registered model (keyed by its lower-case full name). */
export interface RegisteredModelRecord extends Audit {
  id: string
  catalog_name: string
  schema_name: string
  name: string
  owner: string
  comment?: string
  storage_location: string
  /** alias -> version number */
  aliases: Record<string, number>
  /** version number (as text) -> version */
  versions: Record<string, VersionRecord>
  next_version: number
}

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const
export type Stage = (typeof STAGES)[number]

export interface WorkspaceVersionRecord {
  version: number
  current_stage: Stage
  status: VersionStatus
  status_message?: string
  run_id?: string
  source: string
  storage_location: string
  description?: string
  tags: Record<string, string>
  user_id: string
  creation_timestamp: number
  last_updated_timestamp: number
}

/** A legacy workspace-registry model (keyed by its exact name). */
export interface WorkspaceModelRecord {
  id: string
  name: string
  description?: string
  tags: Record<string, string>
  versions: Record<string, WorkspaceVersionRecord>
  next_version: number
  user_id: string
  creation_timestamp: number
  last_updated_timestamp: number
}

export interface ExperimentRecord {
  experiment_id: string
  name: string
  artifact_location: string
  creation_time: number
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED'

export interface MetricValue {
  value: number
  timestamp: number
  step: number
}

export interface RunRecord {
  run_id: string
  experiment_id: string
  run_name: string
  user_id: string
  status: RunStatus
  start_time: number
  end_time?: number
  artifact_uri: string
  /** Latest value per key. */
  metrics: Record<string, MetricValue>
  params: Record<string, string>
  tags: Record<string, string>
}

export interface ServedEntityRecord {
  name: string
  entity_name: string
  entity_version: string
  workload_size: string
  workload_type: string
  scale_to_zero_enabled: boolean
  creator: string
  creation_timestamp: number
}

export interface TrafficRoute {
  served_entity_name: string
  traffic_percentage: number
}

export interface EndpointConfigRecord {
  config_version: number
  served_entities: ServedEntityRecord[]
  traffic_config: {routes: TrafficRoute[]}
}

/** A config update in flight (IN_PROGRESS until due_at) or failed (failure says why). */
export interface PendingConfigRecord extends EndpointConfigRecord {
  start_time: number
  due_at: number
  failure?: string
}

export type ConfigUpdate = 'NOT_UPDATING' | 'IN_PROGRESS' | 'UPDATE_FAILED'

export interface EndpointRecord {
  name: string
  id: string
  creator: string
  creation_timestamp: number
  last_updated_timestamp: number
  config_update: ConfigUpdate
  /** What serves now; absent until the first config is deployed. */
  config?: EndpointConfigRecord
  pending?: PendingConfigRecord
  tags: Array<{key: string; value: string}>
  /** AI Gateway settings; an enabled inference_table_config logs every request (inference-log.ts). */
  ai_gateway?: {inference_table_config?: InferenceTableConfig}
}

export interface ModelsState {
  version: 1
  registered_models: Record<string, RegisteredModelRecord>
  workspace_models: Record<string, WorkspaceModelRecord>
  experiments: Record<string, ExperimentRecord>
  runs: Record<string, RunRecord>
  endpoints: Record<string, EndpointRecord>
  next_experiment_id: number
}

function emptyState(): ModelsState {
  return {version: 1, registered_models: {}, workspace_models: {}, experiments: {}, runs: {}, endpoints: {}, next_experiment_id: 1}
}

/** Where the model areas keep their files, under the state folder's `models/`. */
export interface ModelPaths {
  root: string
  state: string
  /** MLflow run artifacts: `<experiment_id>/<run_id>/artifacts/...` */
  runs: string
  /** Registered version artifacts: `<model id>/<version>/...` */
  registry: string
}

export function modelPaths(root: string): ModelPaths {
  return {root, state: path.join(root, 'state.json'), runs: path.join(root, 'mlruns'), registry: path.join(root, 'registry')}
}

export type ModelStore = JsonStore<ModelsState>

export function openModelStore(file: string): ModelStore {
  return JsonStore.open(file, emptyState)
}
