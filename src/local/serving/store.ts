/**
 * What the local workspace keeps for BI serving: Lakeview dashboards (draft and published revision)
 * and the access control lists of the SQL warehouse and the dashboards.
 */
import {JsonStore} from '../store.js'
import type {Acl} from './acl.js'

export interface StoredDashboard {
  dashboard_id: string
  display_name: string
  parent_path: string
  warehouse_id?: string
  serialized_dashboard: string
  lifecycle_state: 'ACTIVE' | 'TRASHED'
  create_time: string
  update_time: string
  /** Increases with every change of the draft. */
  revision: number
  published?: {
    serialized_dashboard: string
    display_name: string
    warehouse_id?: string
    embed_credentials: boolean
    revision_create_time: string
  }
}

export interface ServingState {
  warehouse_acl: Acl
  dashboards: Record<string, StoredDashboard>
  dashboard_acls: Record<string, Acl>
}

export type ServingStore = JsonStore<ServingState>

export function openServingStore(file: string): ServingStore {
  return JsonStore.open<ServingState>(file, () => ({warehouse_acl: {}, dashboards: {}, dashboard_acls: {}}))
}
