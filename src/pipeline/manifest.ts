/**
 * resources/pipeline/manifest.yaml: the ordered steps of each layer's micro-batch, shared by the
 * PySpark runners on Databricks and the DuckDB executor here (the manifest's header explains the format).
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'
import {z} from 'zod'

import {assertIdentifier, IDENTIFIER} from '../databricks/identifiers.js'
import {loadTableSpecs} from './ddl.js'
import {readResource, SQL_DIR} from './resources.js'

const identifier = z.string().regex(IDENTIFIER)
const sqlFile = z.string().regex(/^[a-z_]+\/[a-z_.]+\.sql$/)
const tableId = z.string().regex(/^[a-z_]+\.[a-z_]+$/)

const stepSchema = z.union([
  z.strictObject({view: identifier, sql: sqlFile}),
  z.strictObject({write: tableId, sql: sqlFile}),
  z.strictObject({append: tableId, sql: sqlFile}),
])

const layerSchema = z.strictObject({
  description: z.string(),
  input: z.strictObject({view: identifier, shape: tableId, description: z.string()}),
  figures: identifier,
  steps: z.array(stepSchema).min(1),
})

const manifestSchema = z.strictObject({
  version: z.literal(1),
  parameters: z.record(identifier, z.strictObject({type: z.enum(['bigint', 'string', 'timestamp']), description: z.string()})),
  layers: z.strictObject({silver: layerSchema, gold: layerSchema}),
})

export type PipelineManifest = z.infer<typeof manifestSchema>
export type PipelineLayer = keyof PipelineManifest['layers']
export type LayerManifest = z.infer<typeof layerSchema>
export type ManifestStep = z.infer<typeof stepSchema>

/** Named values the SQL binds as statement parameters (see `parameters` in the manifest). */
export interface StepParameters {
  batch_id: number
  stream: string
  /** UTC wall time 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
  recorded_at: string
}

const PLACEHOLDER = /\{\{([a-z_]+)\}\}/g
let cached: PipelineManifest | undefined

export function loadManifest(): PipelineManifest {
  cached ??= validateManifest(manifestSchema.parse(parse(readResource('pipeline', 'manifest.yaml'))))
  return cached
}

/** Reads resources/sql/<file> with {{catalog}} filled in; statement parameters stay as {{name}}. */
export function renderSql(file: string, {catalog}: {catalog: string}): string {
  assertIdentifier(catalog, 'catalog name')
  return readResource('sql', file).replaceAll('{{catalog}}', catalog)
}

/**
 * Turns the {{name}} parameters of rendered SQL into the engine's named markers (DuckDB `$name`,
 * Spark `:name`) and lists the names, so only those values are bound.
 */
export function bindParameters(sql: string, marker: '$' | ':'): {sql: string; names: Array<keyof StepParameters>} {
  const names = new Set<keyof StepParameters>()
  const bound = sql.replace(PLACEHOLDER, (_, name: string) => {
    if (!isStepParameter(name)) throw new Error(`SQL uses {{${name}}}, which is not a pipeline parameter`)
    names.add(name)
    return `${marker}${name}`
  })
  return {sql: bound, names: [...names]}
}

function isStepParameter(name: string): name is keyof StepParameters {
  return Object.hasOwn(loadManifest().parameters, name)
}

/** Cross-checks what zod cannot: files exist, tables exist, views are defined before use, placeholders are known. */
function validateManifest(manifest: PipelineManifest): PipelineManifest {
  const specs = new Map(loadTableSpecs().map((spec) => [spec.id, spec]))
  const tables = new Set(specs.keys())
  const known = new Set(['catalog', ...Object.keys(manifest.parameters)])
  for (const [layer, spec] of Object.entries(manifest.layers)) {
    const where = `manifest.yaml layers.${layer}`
    if (!tables.has(spec.input.shape)) throw new Error(`${where}: input.shape ${spec.input.shape} is not a table of resources/sql/ddl`)
    const views = new Set<string>()
    for (const step of spec.steps) {
      if (!existsSync(path.join(SQL_DIR, step.sql))) throw new Error(`${where}: resources/sql/${step.sql} does not exist`)
      for (const [, name] of readResource('sql', step.sql).matchAll(PLACEHOLDER)) {
        if (!known.has(name)) throw new Error(`${where}: ${step.sql} uses {{${name}}}, which is not a manifest parameter`)
      }
      if ('view' in step) {
        views.add(step.view)
        continue
      }
      const table = 'write' in step ? step.write : step.append
      if (!tables.has(table)) throw new Error(`${where}: ${table} is not a table of resources/sql/ddl`)
      // Appends are kept once per (stream, batch_id): the table needs both columns.
      const columns = new Set(specs.get(table)!.columns.map((c) => c.name))
      if ('append' in step && !(columns.has('stream') && columns.has('batch_id'))) throw new Error(`${where}: ${table} has no stream and batch_id columns to append once per batch`)
    }
    if (!views.has(spec.figures)) throw new Error(`${where}: figures names ${spec.figures}, which no step creates`)
  }
  return manifest
}
