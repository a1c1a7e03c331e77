/**
 * Unity Catalog registered models, versions, aliases and version tags (reference 6.1). Models live in
 * schemas of the local Unity Catalog (the schema must exist); their metadata is in the model store and
 * each version's artifact in its storage location.
 */
import {randomUUID} from 'node:crypto'

import {PRINCIPAL} from '../../databricks/identifiers.js'
import {parseFullName, type UnityCatalog} from '../catalog/unity-catalog.js'
import {alreadyExists, type ApiError, invalidParameter, notFound} from '../http/errors.js'
import {paginate, type Page, type PageRequest} from '../http/input.js'
import {LOCAL_USER_NAME} from '../identity.js'
import type {Artifacts} from './artifacts.js'
import type {ModelStore, RegisteredModelRecord, VersionRecord, VersionStatus} from './state.js'
import type {Tracking} from './tracking.js'

type Json = Record<string, unknown>

/** MLflow client rules (reference 6.1): `[A-Za-z0-9_-]`, at most 255, `latest` and `v<digits>` reserved. */
export function validAlias(alias: string): string {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(alias) || alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw invalidParameter(`Invalid alias '${alias}': use letters, digits, '_' or '-' (at most 255), not 'latest' or 'v<number>'.`)
  }
  return alias
}

export function parseVersion(text: string | number): number {
  if (!/^[1-9]\d{0,9}$/.test(String(text))) throw invalidParameter(`Invalid model version '${text}': expected a positive integer.`)
  return Number(text)
}

export function validTag(key: string, value: string): void {
  if (key.length === 0 || key.length > 250) throw invalidParameter('Tag keys must be 1 to 250 characters long.')
  if (value.length > 5000) throw invalidParameter(`The value of tag '${key}' is longer than 5000 characters.`)
}

function modelMissing(fullName: string): ApiError {
  return notFound('RESOURCE_DOES_NOT_EXIST', `Registered model '${fullName}' does not exist.`)
}

function versionMissing(fullName: string, version: number): ApiError {
  return notFound('RESOURCE_DOES_NOT_EXIST', `Model version ${version} of '${fullName}' does not exist.`)
}

/** A version an endpoint can serve (of either registry), or why it cannot. */
export type Servable = {version: Pick<VersionRecord, 'storage_location'>} | {reason: string; missing: boolean}

const versionKey = (version: number) => String(version).padStart(10, '0')

export interface ModelChanges {
  new_name?: string
  comment?: string
  owner?: string
}

export class ModelRegistry {
  constructor(
    private readonly store: ModelStore,
    private readonly catalog: UnityCatalog,
    private readonly artifacts: Artifacts,
    private readonly tracking: Tracking,
  ) {}

  // ---------------------------------------------------------------------------------------------
  // Registered models

  async createModel(input: {catalog_name: string; schema_name: string; name: string; comment?: string}): Promise<Json> {
    const fullName = parseFullName(`${input.catalog_name}.${input.schema_name}.${input.name}`, 3, 'model').join('.')
    const [catalogName, schemaName, name] = fullName.split('.')
    await this.catalog.requireSchema(catalogName, schemaName)
    if (this.models[fullName]) throw duplicate(fullName)
    const id = randomUUID()
    const now = Date.now()
    const record: RegisteredModelRecord = {
      id,
      catalog_name: catalogName,
      schema_name: schemaName,
      name,
      owner: LOCAL_USER_NAME,
      ...(input.comment === undefined ? {} : {comment: input.comment}),
      storage_location: this.artifacts.modelLocation(id),
      aliases: {},
      versions: {},
      next_version: 1,
      ...audit(now),
    }
    this.store.update((state) => (state.registered_models[fullName] = record))
    return this.modelInfo(record, true)
  }

  getModel(fullName: string, includeAliases: boolean): Json {
    return this.modelInfo(this.requireModel(fullName), includeAliases)
  }

  hasModel(fullName: string): boolean {
    return this.models[fullName.toLowerCase()] !== undefined
  }

  /** All models, or those of one schema (both names or neither). */
  async listModels(catalogName: string | undefined, schemaName: string | undefined, page: PageRequest): Promise<Page<Json>> {
    if ((catalogName === undefined) !== (schemaName === undefined)) throw invalidParameter('Provide both catalog_name and schema_name, or neither.')
    let prefix = ''
    if (catalogName !== undefined) {
      const [c, s] = parseFullName(`${catalogName}.${schemaName}`, 2, 'schema')
      await this.catalog.requireSchema(c, s)
      prefix = `${c}.${s}.`
    }
    const keys = Object.keys(this.models).filter((key) => key.startsWith(prefix)).sort()
    const result = paginate(keys, () => true, page)
    return {items: result.items.map((key) => this.modelInfo(this.models[key], true)), nextPageToken: result.nextPageToken}
  }

  updateModel(fullName: string, changes: ModelChanges): Json {
    const record = this.requireModel(fullName)
    const key = this.keyOf(record)
    let newKey = key
    if (changes.new_name !== undefined) {
      const parts = changes.new_name.toLowerCase().split('.')
      newKey = parts.length === 1 ? `${record.catalog_name}.${record.schema_name}.${parts[0]}` : changes.new_name.toLowerCase()
      parseFullName(newKey, 3, 'model')
      if (!newKey.startsWith(`${record.catalog_name}.${record.schema_name}.`)) throw invalidParameter('A registered model can only be renamed within its schema.')
      if (newKey !== key && this.models[newKey]) throw duplicate(newKey)
    }
    if (changes.owner !== undefined && !PRINCIPAL.test(changes.owner)) throw invalidParameter(`Invalid owner '${changes.owner}'.`)
    this.store.update((state) => {
      if (newKey !== key) {
        delete state.registered_models[key]
        record.name = newKey.split('.')[2]
        state.registered_models[newKey] = record
      }
      if (changes.comment !== undefined) record.comment = changes.comment
      if (changes.owner !== undefined) record.owner = changes.owner
      touch(record)
    })
    return this.modelInfo(record, true)
  }

  /** Deletes the model with all its versions and their artifacts. */
  deleteModel(fullName: string): void {
    const record = this.requireModel(fullName)
    this.store.update((state) => delete state.registered_models[this.keyOf(record)])
    this.artifacts.remove(record.storage_location)
  }

  // ---------------------------------------------------------------------------------------------
  // Versions

  /**
   * Registers a version from a run's logged model: PENDING_REGISTRATION while the artifact is copied
   * to the version's storage location, then READY, or FAILED_REGISTRATION with the reason.
   */
  createVersion(input: {catalog_name: string; schema_name: string; model_name: string; source: string; run_id?: string; comment?: string}): Json {
    const record = this.requireModel(`${input.catalog_name}.${input.schema_name}.${input.model_name}`)
    const sourceFolder = this.artifacts.resolveSource(input.source, (runId) => this.tracking.getRun(runId).artifact_uri)
    const number = record.next_version
    const version: VersionRecord = {
      version: number,
      id: randomUUID(),
      source: input.source,
      ...(input.run_id ? {run_id: input.run_id} : {}),
      status: 'PENDING_REGISTRATION',
      storage_location: this.artifacts.versionLocation(record.id, number),
      ...(input.comment === undefined ? {} : {comment: input.comment}),
      tags: {},
      ...audit(Date.now()),
    }
    this.store.update(() => {
      record.versions[String(number)] = version
      record.next_version = number + 1
    })
    const failure = this.artifacts.register(sourceFolder, version.storage_location)
    this.setStatus(version, failure === undefined ? 'READY' : 'FAILED_REGISTRATION', failure)
    return this.versionInfo(record, version, true)
  }

  getVersion(fullName: string, version: number, includeAliases: boolean): Json {
    const record = this.requireModel(fullName)
    return this.versionInfo(record, this.requireVersion(record, version), includeAliases)
  }

  listVersions(fullName: string, page: PageRequest): Page<Json> {
    const record = this.requireModel(fullName)
    const byKey = new Map(Object.values(record.versions).map((v) => [versionKey(v.version), v]))
    const result = paginate([...byKey.keys()].sort(), () => true, page)
    return {items: result.items.map((key) => this.versionInfo(record, byKey.get(key)!, false)), nextPageToken: result.nextPageToken}
  }

  updateVersion(fullName: string, version: number, changes: {comment?: string}): Json {
    const record = this.requireModel(fullName)
    const entry = this.requireVersion(record, version)
    this.store.update(() => {
      if (changes.comment !== undefined) entry.comment = changes.comment
      touch(entry)
    })
    return this.versionInfo(record, entry, true)
  }

  /** Deletes a version, its artifact and the aliases that pointed to it. */
  deleteVersion(fullName: string, version: number): void {
    const record = this.requireModel(fullName)
    const entry = this.requireVersion(record, version)
    this.store.update(() => {
      delete record.versions[String(version)]
      for (const [alias, target] of Object.entries(record.aliases)) if (target === version) delete record.aliases[alias]
    })
    this.artifacts.remove(entry.storage_location)
  }

  /** The READY version an endpoint can serve, or why it cannot. */
  servable(fullName: string, version: number): Servable {
    const record = this.models[fullName.toLowerCase()]
    if (!record) return {reason: `Registered model '${fullName}' does not exist.`, missing: true}
    const entry = record.versions[String(version)]
    if (!entry) return {reason: `Model version ${version} of '${fullName}' does not exist.`, missing: true}
    if (entry.status !== 'READY') return {reason: `Model version ${version} of '${fullName}' is ${entry.status}: only READY versions can be served.`, missing: false}
    return {version: entry}
  }

  // ---------------------------------------------------------------------------------------------
  // Aliases and tags

  /** Points the alias at the version, moving it if it pointed elsewhere. */
  setAlias(fullName: string, alias: string, version: number): Json {
    const record = this.requireModel(fullName)
    validAlias(alias)
    this.requireVersion(record, version)
    this.store.update(() => {
      record.aliases[alias] = version
      touch(record)
    })
    return {alias_name: alias, version_num: version, catalog_name: record.catalog_name, schema_name: record.schema_name, model_name: record.name, id: record.id}
  }

  deleteAlias(fullName: string, alias: string): void {
    const record = this.requireModel(fullName)
    if (record.aliases[alias] === undefined) throw aliasMissing(this.keyOf(record), alias)
    this.store.update(() => {
      delete record.aliases[alias]
      touch(record)
    })
  }

  versionByAlias(fullName: string, alias: string, includeAliases: boolean): Json {
    const record = this.requireModel(fullName)
    const version = record.aliases[alias]
    if (version === undefined) throw aliasMissing(this.keyOf(record), alias)
    return this.versionInfo(record, this.requireVersion(record, version), includeAliases)
  }

  setVersionTag(fullName: string, version: number, key: string, value: string): void {
    const record = this.requireModel(fullName)
    const entry = this.requireVersion(record, version)
    validTag(key, value)
    this.store.update(() => {
      entry.tags[key] = value
      touch(entry)
    })
  }

  deleteVersionTag(fullName: string, version: number, key: string): void {
    const entry = this.requireVersion(this.requireModel(fullName), version)
    if (entry.tags[key] === undefined) throw notFound('RESOURCE_DOES_NOT_EXIST', `No tag with key '${key}' on version ${version} of '${fullName}'.`)
    this.store.update(() => delete entry.tags[key])
  }

  /** The MLflow (unity-catalog) ModelVersion shape: version as a string, tags as key/value pairs. */
  mlflowVersion(fullName: string, version: number): Json {
    const record = this.requireModel(fullName)
    const entry = this.requireVersion(record, version)
    return {
      name: this.keyOf(record),
      version: String(entry.version),
      creation_timestamp: entry.created_at,
      last_updated_timestamp: entry.updated_at,
      user_id: entry.created_by,
      ...(entry.comment === undefined ? {} : {description: entry.comment}),
      source: entry.source,
      ...(entry.run_id ? {run_id: entry.run_id} : {}),
      status: entry.status,
      ...(entry.status_message ? {status_message: entry.status_message} : {}),
      storage_location: entry.storage_location,
      tags: Object.entries(entry.tags).map(([key, value]) => ({key, value})),
      aliases: this.aliasesOf(record, entry.version).map(({alias_name}) => ({alias: alias_name, version: String(entry.version)})),
    }
  }

  // ---------------------------------------------------------------------------------------------

  private get models(): Record<string, RegisteredModelRecord> {
    return this.store.state.registered_models
  }

  private keyOf(record: RegisteredModelRecord): string {
    return `${record.catalog_name}.${record.schema_name}.${record.name}`
  }

  private requireModel(fullName: string): RegisteredModelRecord {
    const key = parseFullName(fullName, 3, 'model').join('.')
    const record = this.models[key]
    if (!record) throw modelMissing(key)
    return record
  }

  private requireVersion(record: RegisteredModelRecord, version: number): VersionRecord {
    const entry = record.versions[String(version)]
    if (!entry) throw versionMissing(this.keyOf(record), version)
    return entry
  }

  private setStatus(version: VersionRecord, status: VersionStatus, message?: string): void {
    this.store.update(() => {
      version.status = status
      if (message) version.status_message = message
      touch(version)
    })
  }

  private aliasesOf(record: RegisteredModelRecord, version?: number): Array<{alias_name: string; version_num: number}> {
    return Object.entries(record.aliases)
      .filter(([, target]) => version === undefined || target === version)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([alias_name, version_num]) => ({alias_name, version_num}))
  }

  private modelInfo(record: RegisteredModelRecord, includeAliases: boolean): Json {
    return {
      name: record.name,
      catalog_name: record.catalog_name,
      schema_name: record.schema_name,
      full_name: this.keyOf(record),
      owner: record.owner,
      ...(record.comment === undefined ? {} : {comment: record.comment}),
      storage_location: record.storage_location,
      metastore_id: this.catalog.metastoreId,
      ...(includeAliases ? {aliases: this.aliasesOf(record)} : {}),
      created_at: record.created_at,
      created_by: record.created_by,
      updated_at: record.updated_at,
      updated_by: record.updated_by,
    }
  }

  private versionInfo(record: RegisteredModelRecord, version: VersionRecord, includeAliases: boolean): Json {
    return {
      model_name: record.name,
      catalog_name: record.catalog_name,
      schema_name: record.schema_name,
      version: version.version,
      id: version.id,
      source: version.source,
      ...(version.run_id ? {run_id: version.run_id} : {}),
      status: version.status,
      ...(version.status_message ? {status_message: version.status_message} : {}),
      storage_location: version.storage_location,
      ...(version.comment === undefined ? {} : {comment: version.comment}),
      metastore_id: this.catalog.metastoreId,
      ...(includeAliases ? {aliases: this.aliasesOf(record, version.version)} : {}),
      created_at: version.created_at,
      created_by: version.created_by,
      updated_at: version.updated_at,
      updated_by: version.updated_by,
    }
  }
}

function audit(now: number) {
  return {created_at: now, created_by: LOCAL_USER_NAME, updated_at: now, updated_by: LOCAL_USER_NAME}
}

function touch(entry: {updated_at: number; updated_by: string}): void {
  entry.updated_at = Date.now()
  entry.updated_by = LOCAL_USER_NAME
}

function duplicate(fullName: string): ApiError {
  return alreadyExists('REGISTERED_MODEL_ALREADY_EXISTS', `Registered model '${fullName}' already exists.`, 'RegisteredModel', fullName)
}

function aliasMissing(fullName: string, alias: string): ApiError {
  return notFound('RESOURCE_DOES_NOT_EXIST', `Alias '${alias}' is not set on registered model '${fullName}'.`)
}
