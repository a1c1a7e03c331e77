/**
 * The workspace file tree (reference 8.1): directories, notebooks and files with ids and times in the
 * state store, contents on disk under the state folder by object id.
 */
import {readFileSync, rmSync} from 'node:fs'
import path from 'node:path'

import {ApiError, invalidParameter, notFound} from '../http/errors.js'
import {LOCAL_USER_NAME} from '../identity.js'
import {writeFileAtomic} from '../state-dir.js'
import type {StateStore, WorkspaceObject} from '../store.js'

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024

type Language = 'PYTHON' | 'SQL' | 'SCALA' | 'R'

const NOTEBOOK_EXTENSIONS: Record<string, Language> = {'.py': 'PYTHON', '.sql': 'SQL', '.scala': 'SCALA', '.r': 'R'}
const LANGUAGE_EXTENSIONS: Record<Language, string> = {PYTHON: 'py', SQL: 'sql', SCALA: 'scala', R: 'r'}
/** First line of a notebook exported as source, per comment syntax. */
const NOTEBOOK_HEADERS: Array<[RegExp, Language]> = [
  [/^# Databricks notebook source\s*(\n|$)/, 'PYTHON'],
  [/^-- Databricks notebook source\s*(\n|$)/, 'SQL'],
  [/^\/\/ Databricks notebook source\s*(\n|$)/, 'SCALA'],
]

export interface ImportRequest {
  path: string
  content?: string
  format?: string
  language?: string
  overwrite?: boolean
}

export class Workspace {
  constructor(
    private readonly store: StateStore,
    private readonly filesDir: string,
  ) {
    const home = `/Users/${LOCAL_USER_NAME}`
    for (const dir of ['/Users', home, '/Shared']) if (!this.objects[dir]) this.mkdirs(dir)
  }

  private get objects(): Record<string, WorkspaceObject> {
    return this.store.state.workspace
  }

  private lookup(rawPath: string): {path: string; object: WorkspaceObject | undefined} {
    const normalized = normalizePath(rawPath)
    return {path: normalized, object: normalized === '/' ? ROOT : this.objects[normalized]}
  }

  private require(rawPath: string): {path: string; object: WorkspaceObject} {
    const {path: normalized, object} = this.lookup(rawPath)
    if (!object) throw notFound('RESOURCE_DOES_NOT_EXIST', `Path (${normalized}) doesn't exist.`)
    return {path: normalized, object}
  }

  private newObject(type: WorkspaceObject['object_type'], extra: Partial<WorkspaceObject> = {}): WorkspaceObject {
    const now = Date.now()
    const objectId = this.store.state.next_object_id++
    return {object_type: type, object_id: objectId, created_at: now, modified_at: now, ...extra}
  }

  mkdirs(rawPath: string): void {
    const target = normalizePath(rawPath)
    const missing: string[] = []
    for (let dir = target; dir !== '/'; dir = path.posix.dirname(dir)) {
      const existing = this.objects[dir]
      if (existing && existing.object_type !== 'DIRECTORY') {
        throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Cannot create directory ${target}: a ${existing.object_type.toLowerCase()} exists at ${dir}.`)
      }
      if (!existing) missing.push(dir)
    }
    if (missing.length === 0) return
    this.store.update((state) => {
      for (const dir of missing.reverse()) state.workspace[dir] = this.newObject('DIRECTORY')
    })
  }

  import(request: ImportRequest): void {
    const format = request.format ?? 'SOURCE'
    const content = decodeContent(request.content ?? '')
    if (content.length > MAX_IMPORT_BYTES) {
      throw new ApiError(400, 'MAX_NOTEBOOK_SIZE_EXCEEDED', `File size imported is (${content.length} bytes), exceeded max size (${MAX_IMPORT_BYTES} bytes).`)
    }
    const {path: target, type, language} = importTarget(normalizePath(request.path), format, request.language, content)
    const parent = this.objects[path.posix.dirname(target)] ?? (path.posix.dirname(target) === '/' ? ROOT : undefined)
    if (!parent || parent.object_type !== 'DIRECTORY') {
      throw notFound('RESOURCE_DOES_NOT_EXIST', `The parent folder (${path.posix.dirname(target)}) does not exist.`)
    }
    const existing = this.objects[target]
    if (existing && !request.overwrite) throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `Path (${target}) already exists.`)
    if (existing?.object_type === 'DIRECTORY') throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Path (${target}) is a directory and cannot be overwritten.`)
    const object = existing
      ? {...existing, object_type: type, language, modified_at: Date.now(), size: content.length}
      : this.newObject(type, {language, size: content.length})
    writeFileAtomic(this.contentFile(object.object_id), content)
    this.store.update((state) => {
      state.workspace[target] = object
    })
  }

  status(rawPath: string): Record<string, unknown> {
    const {path: found, object} = this.require(rawPath)
    return objectInfo(found, object)
  }

  list(rawPath: string): Record<string, unknown> {
    const {path: found, object} = this.require(rawPath)
    if (object.object_type !== 'DIRECTORY') return {objects: [objectInfo(found, object)]}
    const children = Object.keys(this.objects)
      .filter((candidate) => candidate !== found && path.posix.dirname(candidate) === found)
      .sort()
      .map((child) => objectInfo(child, this.objects[child]))
    return children.length > 0 ? {objects: children} : {}
  }

  export(rawPath: string, format = 'SOURCE'): Record<string, unknown> {
    const {path: found, object} = this.require(rawPath)
    if (object.object_type === 'DIRECTORY') throw invalidParameter(`Path (${found}) is a directory; export it with format DBC, which the local workspace does not support.`)
    if (!['SOURCE', 'AUTO', 'RAW'].includes(format)) throw invalidParameter(`Export format ${format} is not supported by the local workspace (use SOURCE, AUTO or RAW).`)
    const content = readFileSync(this.contentFile(object.object_id))
    const fileType = object.language ? LANGUAGE_EXTENSIONS[object.language as Language] : path.posix.extname(found).slice(1)
    return {content: content.toString('base64'), ...(fileType ? {file_type: fileType} : {})}
  }

  delete(rawPath: string, recursive: boolean): void {
    const {path: found, object} = this.require(rawPath)
    if (found === '/') throw invalidParameter('The root folder cannot be deleted.')
    const subtree = Object.keys(this.objects).filter((candidate) => candidate === found || candidate.startsWith(`${found}/`))
    if (object.object_type === 'DIRECTORY' && subtree.length > 1 && !recursive) {
      throw new ApiError(400, 'DIRECTORY_NOT_EMPTY', `Folder (${found}) is not empty.`)
    }
    this.store.update((state) => {
      for (const candidate of subtree) {
        const removed = state.workspace[candidate]
        delete state.workspace[candidate]
        if (removed.object_type !== 'DIRECTORY') rmSync(this.contentFile(removed.object_id), {force: true})
      }
    })
  }

  private contentFile(objectId: number): string {
    return path.join(this.filesDir, String(objectId))
  }
}

const ROOT: WorkspaceObject = {object_type: 'DIRECTORY', object_id: 0, created_at: 0, modified_at: 0}

function normalizePath(raw: string): string {
  if (!raw.startsWith('/')) throw invalidParameter(`Path (${raw}) is not absolute: workspace paths start with '/'.`)
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.')
  if (parts.includes('..')) throw invalidParameter(`Path (${raw}) must not contain '..'.`)
  return `/${parts.join('/')}`
}

function decodeContent(content: string): Buffer {
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(content)) throw invalidParameter('content must be base64-encoded.')
  return Buffer.from(content, 'base64')
}

/** Where an import lands and as what: notebooks lose their source extension (reference 8.1). */
function importTarget(target: string, format: string, language: string | undefined, content: Buffer): {path: string; type: WorkspaceObject['object_type']; language?: string} {
  if (format === 'RAW') return {path: target, type: 'FILE'}
  if (format !== 'SOURCE' && format !== 'AUTO') {
    throw invalidParameter(`Import format ${format} is not supported by the local workspace (use SOURCE, AUTO or RAW).`)
  }
  const extension = path.posix.extname(target).toLowerCase()
  const text = content.subarray(0, 64).toString('utf8')
  const header = NOTEBOOK_HEADERS.find(([pattern]) => pattern.test(text))?.[1]
  const notebook = format === 'SOURCE' || header !== undefined
  if (!notebook) return {path: target, type: 'FILE'}
  const fromExtension = NOTEBOOK_EXTENSIONS[extension]
  const resolved = language?.toUpperCase() ?? (header === 'PYTHON' && fromExtension === 'R' ? 'R' : (header ?? fromExtension))
  if (!resolved || !Object.hasOwn(LANGUAGE_EXTENSIONS, resolved)) {
    throw invalidParameter(`The language of notebook ${target} is unknown: pass language (PYTHON, SQL, SCALA or R).`)
  }
  return {path: fromExtension ? target.slice(0, -extension.length) : target, type: 'NOTEBOOK', language: resolved}
}

function objectInfo(objectPath: string, object: WorkspaceObject): Record<string, unknown> {
  return {
    path: objectPath,
    object_type: object.object_type,
    object_id: object.object_id,
    resource_id: String(object.object_id),
    ...(object.language ? {language: object.language} : {}),
    created_at: object.created_at,
    modified_at: object.modified_at,
    ...(object.size === undefined ? {} : {size: object.size}),
  }
}
