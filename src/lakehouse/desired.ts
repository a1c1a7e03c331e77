/**
 * The desired state of a target's lakehouse, from lakectl.yaml plus resources/: catalog, schemas,
 * tables (DDL in resources/sql/ddl), reference data, grants, pipeline files, jobs and SQL alerts.
 */
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {RESOURCES_DIR} from '../config/files.js'
import type {JobSettings} from '../databricks/jobs.js'
import {type LakectlConfig, LAYERS, SCHEMAS, type SchemaName} from '../config/schema.js'
import type {ResolvedTarget} from '../config/targets.js'
import {UsageError} from '../errors.js'
import {type DesiredAlert, desiredAlerts, jobMonitoring} from './alerts.js'
import {type DesiredDashboard, desiredDashboard} from './dashboard.js'
import {desiredGrants, type DesiredGrants, managedPrincipals} from './grants.js'
import {loadTableSpecs, renderJobTemplate, renderSql} from '../pipeline/index.js'
import {parseCsv} from '../pipeline/reference-data.js'

export interface DesiredColumn {
  name: string
  type_text: string
}

export interface DesiredTable {
  full_name: string
  schema: SchemaName
  name: string
  columns: DesiredColumn[]
  properties: Record<string, string>
  /** CREATE TABLE IF NOT EXISTS statement with the catalog filled in. */
  ddl: string
}

export interface DesiredFile {
  path: string
  content: Buffer
}

export interface DesiredJob {
  /** The lakectl_layer tag value: bronze, silver, gold, backfill or train. */
  role: string
  settings: JobSettings
}

export interface DesiredData {
  table: string
  key: string
  columns: DesiredColumn[]
  rows: Array<Record<string, string | null>>
}

/** A managed volume: the streaming jobs keep their checkpoints in ops.checkpoints on Databricks. */
export interface DesiredVolume {
  full_name: string
  schema: SchemaName
  name: string
}

/** The Unity Catalog registered model the training job registers versions of (bootstrap leaves it to the job). */
export interface DesiredModel {
  full_name: string
  schema: SchemaName
  name: string
}

/** An analyst view (resources/sql/views/<schema>.<name>.sql holds its query). */
export interface DesiredView {
  full_name: string
  schema: SchemaName
  name: string
  /** The query with the catalog filled in. */
  query: string
  /** Fingerprint of the query, kept in the view's lakectl.source_sha256 property. */
  source_sha256: string
}

/** A permission on the target's SQL warehouse (Permissions API). */
export interface DesiredWarehouseAccess {
  principal: string
  level: 'CAN_USE'
}

export interface DesiredState {
  project: string
  catalog: string
  schemas: SchemaName[]
  tables: DesiredTable[]
  volumes: DesiredVolume[]
  data: DesiredData[]
  grants: DesiredGrants[]
  directories: string[]
  files: DesiredFile[]
  jobs: DesiredJob[]
  /** SQL alerts over the ops tables (alerts.ts). */
  alerts: DesiredAlert[]
  registeredModel: DesiredModel
  views: DesiredView[]
  warehouseAccess: DesiredWarehouseAccess[]
  dashboard: DesiredDashboard
}

/** The comments lakectl gives what it creates (bootstrap and the bundle export alike). */
export const COMMENTS = {
  catalog: (project: string) => `Customer-behaviour lakehouse managed by lakectl (${project})`,
  schema: (name: string) => `${name} layer`,
  volume: 'Streaming checkpoints (lakectl)',
}

export const JOB_ROLES = [...LAYERS, 'backfill', 'train'] as const
/** The folders of resources/ that the jobs run from on Databricks. */
const UPLOADED = ['pyspark', 'sql', 'pipeline']
const REFERENCE_DATA = [
  {table: 'silver.customers', file: 'customers.csv', key: 'customer_id'},
  {table: 'silver.products', file: 'products.csv', key: 'product_id'},
]

export function desiredState(config: LakectlConfig, target: ResolvedTarget): DesiredState {
  const {catalog} = target
  const tables: DesiredTable[] = loadTableSpecs().map((spec) => ({
    full_name: `${catalog}.${spec.schema}.${spec.name}`,
    schema: spec.schema as SchemaName,
    name: spec.name,
    columns: spec.columns.map((c) => ({name: c.name, type_text: normalizeType(c.type)})),
    properties: spec.properties,
    ddl: renderSql(spec.file, {catalog}),
  }))
  const files = UPLOADED.flatMap((dir) => listFiles(path.join(RESOURCES_DIR, dir))).map((file) => ({
    path: `${target.workspaceFolder}/${path.relative(RESOURCES_DIR, file).split(path.sep).join('/')}`,
    content: readFileSync(file),
  }))
  const directories = [...new Set(files.map((f) => path.posix.dirname(f.path)))].sort()
  const values = {
    catalog,
    project: config.project,
    workspace_folder: target.workspaceFolder,
    model_name: config.model.name,
    spark_version: target.compute.spark_version,
    node_type_id: target.compute.node_type_id,
    num_workers: target.compute.num_workers,
    topic: config.source.topic,
    bootstrap_servers: config.source.bootstrap_servers,
    secret_scope: config.source.secret_scope,
    starting_offsets: config.source.starting_offsets,
  }
  const jobs = JOB_ROLES.map((role) => ({
    role,
    settings: {
      ...(renderJobTemplate(role, {
        ...values,
        trigger_seconds: role in config.streams ? config.streams[role as keyof typeof config.streams].trigger_seconds : 1,
      }) as unknown as JobSettings),
      ...jobMonitoring(config, role),
    },
  }))
  const data = REFERENCE_DATA.map(({table, file, key}) => {
    const spec = tables.find((t) => t.full_name === `${catalog}.${table}`)
    if (!spec) throw new Error(`resources/sql/ddl has no table ${table}`)
    return {table: spec.full_name, key, columns: spec.columns, rows: parseCsv(readFileSync(path.join(RESOURCES_DIR, 'data', file), 'utf8'))}
  })
  const views = loadViews(catalog)
  const analysts = config.access[config.serving.analysts]
  if (!analysts) throw new UsageError(`serving.analysts names '${config.serving.analysts}', which is not a role under access: in lakectl.yaml.`, {code: 'CONFIG_INVALID'})
  return {
    project: config.project,
    catalog,
    schemas: [...SCHEMAS],
    tables,
    volumes: [{full_name: `${catalog}.ops.checkpoints`, schema: 'ops', name: 'checkpoints'}],
    data,
    grants: [...desiredGrants(config, catalog, SCHEMAS), ...viewGrants(config, views, analysts.principal)],
    directories,
    files,
    jobs,
    alerts: desiredAlerts(config, target),
    registeredModel: {full_name: `${catalog}.ml.${config.model.name}`, schema: 'ml', name: config.model.name},
    views,
    warehouseAccess: [{principal: analysts.principal, level: 'CAN_USE'}],
    dashboard: desiredDashboard(config, target),
  }
}

/** The analyst views: resources/sql/views/<schema>.<name>.sql, in name order. */
function loadViews(catalog: string): DesiredView[] {
  return readdirSync(path.join(RESOURCES_DIR, 'sql', 'views'))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const [schema, name] = file.replace(/\.sql$/, '').split('.')
      if (!(SCHEMAS as readonly string[]).includes(schema) || !name) throw new Error(`resources/sql/views/${file} must be named <schema>.<view>.sql`)
      const query = renderSql(`views/${file}`, {catalog}).replace(/^(--[^\n]*\n)+/, '').trim()
      return {full_name: `${catalog}.${schema}.${name}`, schema: schema as SchemaName, name, query, source_sha256: sha256(query)}
    })
}

/** SELECT on every view for the analysts' principal; no other managed principal holds anything on them. */
function viewGrants(config: LakectlConfig, views: readonly DesiredView[], reader: string): DesiredGrants[] {
  return views.map((view) => ({
    securable: {type: 'table' as const, full_name: view.full_name},
    grants: new Map(managedPrincipals(config).map((p) => [p, new Set(p === reader ? ['SELECT'] : [])])),
  }))
}

export function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex')
}

/** Spark type text as Unity Catalog reports it: lower case, no spaces. */
export function normalizeType(type: string): string {
  return type.toLowerCase().replace(/\s+/g, '').replace(/^integer$/, 'int').replace(/^long$/, 'bigint')
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true})
    .flatMap((entry) => (entry.isDirectory() ? listFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .filter((file) => !file.endsWith('.pyc') && !file.includes('__pycache__'))
    .sort()
}
