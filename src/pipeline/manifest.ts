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
  z.strictObject({replace: tableId, from: identifier, where: identifier}),
  z.strictObject({bind: identifier, sql: sqlFile}),
])

const layerSchema = z.strictObject({
  description: z.string(),
  input: z.strictObject({view: identifier, shape: tableId, description: z.string()}),
  figures: identifier,
  steps: z.array(stepSchema).min(1),
})

const backfillSchema = z.strictObject({
  description: z.string(),
  input: sqlFile,
  figures: identifier,
  modes: z.strictObject({missing: z.array(stepSchema).min(1), replace: z.array(stepSchema).min(1)}),
})

const manifestSchema = z.strictObject({
  version: z.literal(1),
  parameters: z.record(identifier, z.strictObject({type: z.enum(['bigint', 'string', 'timestamp', 'date']), description: z.string()})),
  layers: z.strictObject({silver: layerSchema, gold: layerSchema}),
  backfills: z.strictObject({silver: backfillSchema, gold: backfillSchema}),
})

export type PipelineManifest = z.infer<typeof manifestSchema>
export type PipelineLayer = keyof PipelineManifest['layers']
export type LayerManifest = z.infer<typeof layerSchema>
export type BackfillManifest = z.infer<typeof backfillSchema>
export type BackfillMode = keyof BackfillManifest['modes']
export type ManifestStep = z.infer<typeof stepSchema>

/** Named values the SQL binds as statement parameters (see `parameters` in the manifest). */
export interface StepParameters {
  batch_id: number
  stream: string
  /** UTC wall time 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
  recorded_at: string
  /** 'YYYY-MM-DD': the partition a backfill recomputes (backfills only). */
  partition_date?: string
  /**
   * Partition bounds of the batch's writes, 'YYYY-MM-DD' or null (nothing to write): set by the `bind`
   * steps (silver/bounds.sql, gold/bounds.sql) for the steps after them.
   */
  first_event_date?: string | null
  last_event_date?: string | null
  first_ingest_date?: string | null
  last_ingest_date?: string | null
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
  const tables = new Map(loadTableSpecs().map((spec) => [spec.id, spec]))
  const known = new Set(['catalog', ...Object.keys(manifest.parameters)])
  const checkSql = (where: string, file: string) => {
    if (!existsSync(path.join(SQL_DIR, file))) throw new Error(`${where}: resources/sql/${file} does not exist`)
    for (const [, name] of readResource('sql', file).matchAll(PLACEHOLDER)) {
      if (!known.has(name)) throw new Error(`${where}: ${file} uses {{${name}}}, which is not a manifest parameter`)
    }
  }
  const checkSteps = (where: string, steps: ManifestStep[], figures: string) => {
    const views = new Set<string>()
    for (const step of steps) {
      if ('sql' in step) checkSql(where, step.sql)
      if ('view' in step) views.add(step.view)
      else if ('bind' in step) continue
      else if ('write' in step) {
        if (!tables.has(step.write)) throw new Error(`${where}: ${step.write} is not a table of resources/sql/ddl`)
      } else if ('append' in step) {
        const table = tables.get(step.append)
        if (!table) throw new Error(`${where}: ${step.append} is not a table of resources/sql/ddl`)
        // Appends are kept once per (stream, batch_id): the table needs both columns.
        const columns = new Set(table.columns.map((c) => c.name))
        if (!(columns.has('stream') && columns.has('batch_id'))) throw new Error(`${where}: ${step.append} has no stream and batch_id columns to append once per batch`)
      } else {
        const table = tables.get(step.replace)
        if (!table) throw new Error(`${where}: ${step.replace} is not a table of resources/sql/ddl`)
        if (!views.has(step.from)) throw new Error(`${where}: replace ${step.replace} reads ${step.from}, which no earlier step creates`)
        if (!table.columns.some((column) => column.name === step.where)) throw new Error(`${where}: ${step.replace} has no column ${step.where}`)
      }
    }
    if (!views.has(figures)) throw new Error(`${where}: figures names ${figures}, which no step creates`)
  }
  for (const [layer, spec] of Object.entries(manifest.layers)) {
    if (!tables.has(spec.input.shape)) throw new Error(`manifest.yaml layers.${layer}: input.shape ${spec.input.shape} is not a table of resources/sql/ddl`)
    checkSteps(`manifest.yaml layers.${layer}`, spec.steps, spec.figures)
  }
  for (const [layer, spec] of Object.entries(manifest.backfills)) {
    checkSql(`manifest.yaml backfills.${layer}`, spec.input)
    for (const [mode, steps] of Object.entries(spec.modes)) checkSteps(`manifest.yaml backfills.${layer}.modes.${mode}`, steps, spec.figures)
  }
  return manifest
}
