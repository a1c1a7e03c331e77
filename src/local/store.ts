/**
 * The local workspace's side metadata: what DuckDB itself cannot hold (owners, comments, properties,
 * partition columns, ids, timestamps, grants, workspace objects). Kept in memory and written to one
 * JSON file atomically after every change, so a crash leaves either the old or the new state.
 */
import {randomUUID} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'

import {writeFileAtomic} from './state-dir.js'

export interface ObjectMeta {
  id: string
  owner: string
  comment?: string
  properties?: Record<string, string>
  created_at: number
  created_by: string
  updated_at: number
  updated_by: string
}

export interface TableMeta extends ObjectMeta {
  table_type?: 'MANAGED' | 'EXTERNAL'
  storage_location?: string
  partition_columns?: string[]
  column_comments?: Record<string, string>
}

export type WorkspaceObjectType = 'DIRECTORY' | 'NOTEBOOK' | 'FILE'

export interface WorkspaceObject {
  object_type: WorkspaceObjectType
  object_id: number
  language?: string
  created_at: number
  modified_at: number
  size?: number
}

export interface VolumeMeta extends ObjectMeta {
  volume_type: 'MANAGED' | 'EXTERNAL'
  storage_location: string
}

/** principal -> privileges, per securable (`<type>/<full_name>`). */
export type Grants = Record<string, Record<string, string[]>>

export interface StoredState {
  version: 1
  metastore_id: string
  catalogs: Record<string, ObjectMeta>
  schemas: Record<string, ObjectMeta>
  tables: Record<string, TableMeta>
  volumes: Record<string, VolumeMeta>
  grants: Grants
  workspace: Record<string, WorkspaceObject>
  next_object_id: number
}

function emptyState(): StoredState {
  return {
    version: 1,
    metastore_id: randomUUID(),
    catalogs: {},
    schemas: {},
    tables: {},
    volumes: {},
    grants: {},
    workspace: {},
    next_object_id: 1_000_000_000_000_000,
  }
}

export class StateStore {
  private constructor(
    private readonly file: string,
    readonly state: StoredState,
  ) {}

  static open(file: string): StateStore {
    const state = existsSync(file) ? {...emptyState(), ...(JSON.parse(readFileSync(file, 'utf8')) as StoredState)} : emptyState()
    const store = new StateStore(file, state)
    store.save()
    return store
  }

  /** Applies a change to the state and persists it before returning the change's result. */
  update<T>(change: (state: StoredState) => T): T {
    const result = change(this.state)
    this.save()
    return result
  }

  private save(): void {
    writeFileAtomic(this.file, JSON.stringify(this.state, null, 1))
  }
}
