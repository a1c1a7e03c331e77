/**
 * Unity Catalog volumes (reference 2.5). DuckDB has no counterpart, so a volume is metadata only: the
 * local engine keeps its checkpoints elsewhere, and files under /Volumes are not served.
 */
import {randomUUID} from 'node:crypto'

import {PRINCIPAL} from '../../databricks/identifiers.js'
import {alreadyExists, invalidParameter, notFound} from '../http/errors.js'
import {type Page, type PageRequest, paginate} from '../http/input.js'
import {LOCAL_USER_NAME} from '../identity.js'
import type {StateStore, VolumeMeta} from '../store.js'
import {parseFullName, type UnityCatalog} from './unity-catalog.js'

export interface VolumeInput {
  catalog_name: string
  schema_name: string
  name: string
  volume_type: 'MANAGED' | 'EXTERNAL'
  storage_location?: string
  comment?: string
}

export class Volumes {
  constructor(
    private readonly catalog: UnityCatalog,
    private readonly store: StateStore,
  ) {}

  async create(input: VolumeInput): Promise<Record<string, unknown>> {
    const [catalog, schema, name] = parseFullName(`${input.catalog_name}.${input.schema_name}.${input.name}`, 3, 'volume')
    await this.catalog.requireSchema(catalog, schema)
    const fullName = `${catalog}.${schema}.${name}`
    if (this.store.state.volumes[fullName]) {
      throw alreadyExists('VOLUME_ALREADY_EXISTS', `Volume '${fullName}' already exists.`, 'Volume', fullName)
    }
    if (input.volume_type === 'EXTERNAL' && !input.storage_location) throw invalidParameter('storage_location is required for an EXTERNAL volume.')
    if (input.volume_type === 'MANAGED' && input.storage_location) throw invalidParameter('storage_location must not be set for a MANAGED volume.')
    const now = Date.now()
    const meta: VolumeMeta = {
      id: randomUUID(),
      owner: LOCAL_USER_NAME,
      comment: input.comment,
      volume_type: input.volume_type,
      storage_location: input.storage_location ?? `local://volumes/${catalog}/${schema}/${name}`,
      created_at: now,
      created_by: LOCAL_USER_NAME,
      updated_at: now,
      updated_by: LOCAL_USER_NAME,
    }
    this.store.update((state) => {
      state.volumes[fullName] = meta
    })
    return this.info(fullName, meta)
  }

  async get(rawFullName: string): Promise<Record<string, unknown>> {
    const fullName = parseFullName(rawFullName, 3, 'volume').join('.')
    return this.info(fullName, this.require(fullName))
  }

  async list(rawCatalog: string, rawSchema: string, page: PageRequest): Promise<Page<Record<string, unknown>>> {
    const [catalog, schema] = parseFullName(`${rawCatalog}.${rawSchema}`, 2, 'schema')
    await this.catalog.requireSchema(catalog, schema)
    const keys = Object.keys(this.store.state.volumes).filter((k) => k.startsWith(`${catalog}.${schema}.`)).sort()
    const listed = paginate(keys, () => true, page)
    return {items: listed.items.map((k) => this.info(k, this.store.state.volumes[k])), nextPageToken: listed.nextPageToken}
  }

  /** PATCH: rename within the schema, comment, owner (reference 2.5). */
  update(rawFullName: string, changes: {new_name?: string; comment?: string; owner?: string}): Record<string, unknown> {
    const fullName = parseFullName(rawFullName, 3, 'volume').join('.')
    const meta = this.require(fullName)
    let target = fullName
    if (changes.new_name !== undefined && changes.new_name.toLowerCase() !== fullName.split('.')[2]) {
      const [catalog, schema] = fullName.split('.')
      target = parseFullName(`${catalog}.${schema}.${changes.new_name}`, 3, 'volume').join('.')
      if (this.store.state.volumes[target]) throw alreadyExists('VOLUME_ALREADY_EXISTS', `Volume '${target}' already exists.`, 'Volume', target)
    }
    if (changes.owner !== undefined && !PRINCIPAL.test(changes.owner)) throw invalidParameter(`Invalid owner '${changes.owner}'.`)
    this.store.update((state) => {
      delete state.volumes[fullName]
      state.volumes[target] = {
        ...meta,
        ...(changes.owner === undefined ? {} : {owner: changes.owner}),
        ...(changes.comment === undefined ? {} : {comment: changes.comment || undefined}),
        updated_at: Date.now(),
        updated_by: LOCAL_USER_NAME,
      }
    })
    return this.info(target, this.store.state.volumes[target])
  }

  delete(rawFullName: string): void {
    const fullName = parseFullName(rawFullName, 3, 'volume').join('.')
    this.require(fullName)
    this.store.update((state) => {
      delete state.volumes[fullName]
    })
  }

  private require(fullName: string): VolumeMeta {
    const meta = this.store.state.volumes[fullName]
    if (!meta) throw notFound('VOLUME_DOES_NOT_EXIST', `Volume '${fullName}' does not exist.`)
    return meta
  }

  private info(fullName: string, meta: VolumeMeta): Record<string, unknown> {
    const [catalog_name, schema_name, name] = fullName.split('.')
    return {
      name, catalog_name, schema_name, full_name: fullName, volume_id: meta.id, volume_type: meta.volume_type,
      storage_location: meta.storage_location, owner: meta.owner, ...(meta.comment ? {comment: meta.comment} : {}),
      metastore_id: this.catalog.metastoreId, created_at: meta.created_at, created_by: meta.created_by, updated_at: meta.updated_at, updated_by: meta.updated_by,
    }
  }
}
