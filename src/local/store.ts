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

/**
 * One JSON document kept in memory and written atomically after every change (a crash leaves either the
 * old or the new state). Every part of the local workspace that keeps state persists through one of these.
 */
export class JsonStore<S extends object> {
  private constructor(
    private readonly file: string,
    readonly state: S,
    private readonly indent?: number,
  ) {}

  /** Reads the file over the empty state (so fields added later get their defaults). */
  static open<S extends object>(file: string, empty: () => S, options: {indent?: number} = {}): JsonStore<S> {
    const state = existsSync(file) ? {...empty(), ...(JSON.parse(readFileSync(file, 'utf8')) as S)} : empty()
    return new JsonStore(file, state, options.indent)
  }

  /** Applies a change to the state and persists it before returning the change's result. */
  update<T>(change: (state: S) => T): T {
    const result = change(this.state)
    this.save()
    return result
  }

  /** Persists changes made to the state in place. */
  save(): void {
    writeFileAtomic(this.file, JSON.stringify(this.state, null, this.indent))
  }
}

export type StateStore = JsonStore<StoredState>

export function openStateStore(file: string): StateStore {
  const store = JsonStore.open(file, emptyState, {indent: 1})
  store.save()
  return store
}
