/**
 * The legacy workspace model registry (reference 6.2): models by plain name, versions with stages
 * (None, Staging, Production, Archived) instead of aliases. Versions register their artifact like
 * Unity Catalog versions do.
 */
import {randomUUID} from 'node:crypto'

import {ApiError, invalidParameter, notFound} from '../http/errors.js'
import {LOCAL_USER_NAME} from '../identity.js'
import type {Artifacts} from './artifacts.js'
import {validTag, type Servable} from './registry.js'
import {STAGES, type ModelStore, type Stage, type WorkspaceModelRecord, type WorkspaceVersionRecord} from './state.js'
import type {KeyValue, Tracking} from './tracking.js'

type Json = Record<string, unknown>

function parseStage(stage: string): Stage {
  if (!(STAGES as readonly string[]).includes(stage)) throw invalidParameter(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`)
  return stage as Stage
}

function validName(name: string): string {
  if (name.trim() === '' || name.length > 256 || /[/\u0000-\u001f]/.test(name)) throw invalidParameter(`Invalid registered model name '${name}'.`)
  return name
}

const MAX_SEARCH_RESULTS = 10_000

/** The one condition model-versions/search accepts here: `name = '...'` or `run_id = '...'` (or none). */
function searchFilter(filter: string | undefined): (record: WorkspaceModelRecord, version: WorkspaceVersionRecord) => boolean {
  if (filter === undefined || filter.trim() === '') return () => true
  const condition = /^\s*(name|run_id)\s*=\s*'((?:[^']|'')*)'\s*$/.exec(filter)
  if (!condition) throw invalidParameter(`Invalid filter '${filter}': use one condition, name='<model name>' or run_id='<run id>'.`)
  const value = condition[2].replaceAll("''", "'")
  return condition[1] === 'name' ? (record) => record.name === value : (_record, version) => version.run_id === value
}

function decodeOffset(token: string): number {
  try {
    const {offset} = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {offset?: unknown}
    if (Number.isInteger(offset) && (offset as number) >= 0) return offset as number
  } catch {
    // not a token of ours
  }
  throw invalidParameter(`Invalid page token '${token}'.`)
}

export class WorkspaceRegistry {
  constructor(
    private readonly store: ModelStore,
    private readonly artifacts: Artifacts,
    private readonly tracking: Tracking,
  ) {}

  createModel(input: {name: string; description?: string; tags?: KeyValue[]}): Json {
    const name = validName(input.name)
    if (this.models[name]) throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`)
    for (const tag of input.tags ?? []) validTag(tag.key, tag.value)
    const now = Date.now()
    const record: WorkspaceModelRecord = {
      id: randomUUID(),
      name,
      ...(input.description === undefined ? {} : {description: input.description}),
      tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])),
      versions: {},
      next_version: 1,
      user_id: LOCAL_USER_NAME,
      creation_timestamp: now,
      last_updated_timestamp: now,
    }
    this.store.update((state) => (state.workspace_models[name] = record))
    return this.modelJson(record)
  }

  getModel(name: string): Json {
    return this.modelJson(this.requireModel(name))
  }

  createVersion(input: {name: string; source: string; run_id?: string; description?: string; tags?: KeyValue[]}): Json {
    const record = this.requireModel(input.name)
    const sourceFolder = this.artifacts.resolveSource(input.source, (runId) => this.tracking.getRun(runId).artifact_uri)
    for (const tag of input.tags ?? []) validTag(tag.key, tag.value)
    const number = record.next_version
    const now = Date.now()
    const version: WorkspaceVersionRecord = {
      version: number,
      current_stage: 'None',
      status: 'PENDING_REGISTRATION',
      ...(input.run_id ? {run_id: input.run_id} : {}),
      source: input.source,
      storage_location: this.artifacts.versionLocation(record.id, number),
      ...(input.description === undefined ? {} : {description: input.description}),
      tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])),
      user_id: LOCAL_USER_NAME,
      creation_timestamp: now,
      last_updated_timestamp: now,
    }
    this.store.update(() => {
      record.versions[String(number)] = version
      record.next_version = number + 1
      record.last_updated_timestamp = now
    })
    const failure = this.artifacts.register(sourceFolder, version.storage_location)
    this.store.update(() => {
      version.status = failure === undefined ? 'READY' : 'FAILED_REGISTRATION'
      if (failure) version.status_message = failure
      version.last_updated_timestamp = Date.now()
    })
    return this.versionJson(record, version)
  }

  getVersion(name: string, version: number): Json {
    const record = this.requireModel(name)
    return this.versionJson(record, this.requireVersion(record, version))
  }

  /** The latest READY version in each requested stage (every stage when none is given). */
  latestVersions(name: string, stages: string[] | undefined): Json[] {
    const record = this.requireModel(name)
    const wanted = stages?.length ? stages.map(parseStage) : [...STAGES]
    return wanted.flatMap((stage) => {
      const latest = Object.values(record.versions)
        .filter((v) => v.current_stage === stage && v.status === 'READY')
        .sort((a, b) => b.version - a.version)[0]
      return latest ? [this.versionJson(record, latest)] : []
    })
  }

  /** Moves a version to a stage; with archive_existing_versions the others in that stage are archived. */
  transitionStage(input: {name: string; version: number; stage: string; archive_existing_versions: boolean}): Json {
    const record = this.requireModel(input.name)
    const version = this.requireVersion(record, input.version)
    const stage = parseStage(input.stage)
    const now = Date.now()
    this.store.update(() => {
      if (input.archive_existing_versions && (stage === 'Staging' || stage === 'Production')) {
        for (const other of Object.values(record.versions)) {
          if (other !== version && other.current_stage === stage) {
            other.current_stage = 'Archived'
            other.last_updated_timestamp = now
          }
        }
      }
      version.current_stage = stage
      version.last_updated_timestamp = now
      record.last_updated_timestamp = now
    })
    return this.versionJson(record, version)
  }

  /**
   * model-versions/search: the filter is one condition, `name = '...'` or `run_id = '...'` (as Databricks
   * documents it). Newest change first (then name, then version descending), `max_results` (<= 10000,
   * the default) per page, the page token an opaque offset.
   */
  searchVersions(input: {filter?: string; max_results?: number; page_token?: string}): {model_versions?: Json[]; next_page_token?: string} {
    const match = searchFilter(input.filter)
    const size = input.max_results ?? MAX_SEARCH_RESULTS
    if (size < 1 || size > MAX_SEARCH_RESULTS) throw invalidParameter(`Invalid value ${size} for parameter 'max_results' supplied: it must be between 1 and ${MAX_SEARCH_RESULTS}.`)
    const offset = input.page_token ? decodeOffset(input.page_token) : 0
    const matching = Object.values(this.models)
      .flatMap((record) => Object.values(record.versions).filter((v) => match(record, v)).map((v) => ({record, v})))
      .sort((a, b) => b.v.last_updated_timestamp - a.v.last_updated_timestamp || a.record.name.localeCompare(b.record.name) || b.v.version - a.v.version)
    const page = matching.slice(offset, offset + size)
    const next = offset + size < matching.length ? Buffer.from(JSON.stringify({offset: offset + size})).toString('base64') : undefined
    // Empty lists are left out, as the registry answers (`{}` for no match).
    return {...(page.length ? {model_versions: page.map(({record, v}) => this.versionJson(record, v))} : {}), ...(next ? {next_page_token: next} : {})}
  }

  /** What Model Serving needs of a workspace-registry version (entity_name is the model's name). */
  servable(name: string, version: number): Servable {
    const record = this.models[name]
    if (!record) return {reason: `Registered model '${name}' does not exist.`, missing: true}
    const entry = record.versions[String(version)]
    if (!entry) return {reason: `Model version ${version} of '${name}' does not exist.`, missing: true}
    if (entry.status !== 'READY') return {reason: `Model version ${version} of '${name}' is ${entry.status}: only READY versions can be served.`, missing: false}
    return {version: entry}
  }

  setVersionTag(name: string, version: number, key: string, value: string): void {
    const entry = this.requireVersion(this.requireModel(name), version)
    validTag(key, value)
    this.store.update(() => {
      entry.tags[key] = value
      entry.last_updated_timestamp = Date.now()
    })
  }

  private get models(): Record<string, WorkspaceModelRecord> {
    return this.store.state.workspace_models
  }

  private requireModel(name: string): WorkspaceModelRecord {
    const record = this.models[name]
    if (!record) throw notFound('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`)
    return record
  }

  private requireVersion(record: WorkspaceModelRecord, version: number): WorkspaceVersionRecord {
    const entry = record.versions[String(version)]
    if (!entry) throw notFound('RESOURCE_DOES_NOT_EXIST', `Model Version (name=${record.name}, version=${version}) not found`)
    return entry
  }

  private modelJson(record: WorkspaceModelRecord): Json {
    return {
      name: record.name,
      creation_timestamp: record.creation_timestamp,
      last_updated_timestamp: record.last_updated_timestamp,
      user_id: record.user_id,
      ...(record.description === undefined ? {} : {description: record.description}),
      latest_versions: this.latestVersions(record.name, undefined),
      tags: Object.entries(record.tags).map(([key, value]) => ({key, value})),
    }
  }

  private versionJson(record: WorkspaceModelRecord, version: WorkspaceVersionRecord): Json {
    return {
      name: record.name,
      version: String(version.version),
      creation_timestamp: version.creation_timestamp,
      last_updated_timestamp: version.last_updated_timestamp,
      user_id: version.user_id,
      current_stage: version.current_stage,
      ...(version.description === undefined ? {} : {description: version.description}),
      source: version.source,
      ...(version.run_id ? {run_id: version.run_id} : {}),
      status: version.status,
      ...(version.status_message ? {status_message: version.status_message} : {}),
      tags: Object.entries(version.tags).map(([key, value]) => ({key, value})),
    }
  }
}
