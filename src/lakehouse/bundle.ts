/**
 * `lakectl bundle export`: the desired state of a target written as a Databricks Asset Bundle, for
 * teams that deploy with bundles to take over what bootstrap set up. Everything comes from the same
 * desired state bootstrap reconciles (desired.ts); nothing here restates a resource definition.
 * The output is deterministic (no time, no host state) and holds no credential: the workspace is named
 * by its profile or host, never by a token.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {stringify} from 'yaml'

import type {ResolvedTarget} from '../config/targets.js'
import {UsageError} from '../errors.js'
import {COMMENTS, type DesiredState, sha256} from './desired.js'
import type {GrantMap} from './grants.js'

export interface BundleFile {
  /** Relative to the bundle root, with forward slashes. */
  path: string
  content: Buffer
}

/**
 * What the resource files declare, by bundle resource type: the keys. A key is unique across all
 * types of a bundle, so each carries its type (bronze_schema, bronze_job).
 */
export type BundleResources = Record<'catalogs' | 'schemas' | 'volumes' | 'registered_models' | 'jobs' | 'dashboards' | 'alerts', string[]>

export interface BundleExport {
  target: string
  dir: string
  files: Array<{path: string; bytes: number; sha256: string}>
  resources: BundleResources
  /** What bootstrap manages that a bundle cannot declare (left to lakectl bootstrap), one line each. */
  not_in_bundle: string[]
  /** Files already in the folder that this export did not write (left alone). */
  foreign: string[]
}

const MARKER = '# Written by lakectl bundle export'
/** The dashboard's definition, next to the resource file that points at it (paths are relative to it). */
const DASHBOARD_FILE = 'resources/lakehouse.lvdash.json'
/** The bundle variable the dashboard and the alerts run on. */
const WAREHOUSE = '${var.warehouse_id}'

/** The files of the bundle, in a fixed order. Pure: the same desired state gives the same bytes. */
export function bundleFiles(desired: DesiredState, target: ResolvedTarget): {files: BundleFile[]; resources: BundleResources; notInBundle: string[]} {
  const prefix = `${target.workspaceFolder}/`
  const pipelineFiles = desired.files.map((file) => {
    if (!file.path.startsWith(prefix)) throw new Error(`pipeline file ${file.path} is outside ${target.workspaceFolder}`)
    return {path: file.path.slice(prefix.length), content: file.content}
  })
  const grantsOf = (full_name: string) => bundleGrants(desired.grants.find((g) => g.securable.type !== 'table' && g.securable.full_name === full_name)?.grants)

  const catalogs = {[`${desired.catalog}_catalog`]: withGrants({name: desired.catalog, comment: COMMENTS.catalog(desired.project)}, grantsOf(desired.catalog))}
  const schemas = Object.fromEntries(
    desired.schemas.map((name) => [
      `${name}_schema`,
      withGrants({catalog_name: desired.catalog, name, comment: COMMENTS.schema(name)}, grantsOf(`${desired.catalog}.${name}`)),
    ]),
  )
  const volumes = Object.fromEntries(
    desired.volumes.map((v) => [`${v.name}_volume`, {catalog_name: desired.catalog, schema_name: v.schema, name: v.name, volume_type: 'MANAGED', comment: COMMENTS.volume}]),
  )
  const model = desired.registeredModel
  const registeredModels = {[`${model.name}_model`]: {catalog_name: desired.catalog, schema_name: model.schema, name: model.name}}
  const jobs = Object.fromEntries(desired.jobs.map((job) => [`${job.role}_job`, job.settings]))
  const {dashboard} = desired
  // Published with embedded credentials on deploy, as bootstrap publishes it.
  const dashboards = {
    lakehouse_dashboard: {display_name: dashboard.display_name, parent_path: dashboard.parent_path, file_path: `./${path.posix.basename(DASHBOARD_FILE)}`, warehouse_id: WAREHOUSE, embed_credentials: true},
  }
  const alerts = Object.fromEntries(desired.alerts.map((alert) => [`${alert.key}_alert`, {...alert.spec, warehouse_id: WAREHOUSE}]))
  // bootstrap resolves "auto" to a running warehouse of the workspace; a bundle is written without asking it.
  const warehouse = {description: 'The SQL warehouse the dashboard and the alerts run on.', ...(target.warehouse === 'auto' ? {} : {default: target.warehouse})}

  const notInBundle = [
    `${desired.tables.length} tables (${desired.tables.map((t) => t.full_name.split('.').slice(1).join('.')).join(', ')}): bundles do not declare tables; their DDL is in sql/ddl`,
    `reference data of ${desired.data.map((d) => d.table.split('.').slice(1).join('.')).join(', ')}: rows are not bundle resources`,
    `${desired.views.length} analyst views (${desired.views.map((v) => v.full_name.split('.').slice(1).join('.')).join(', ')}) and SELECT on them: bundles do not declare views; their queries are in sql/views`,
    `${desired.warehouseAccess.map((a) => `${a.level} for ${a.principal}`).join(', ')} on the SQL warehouse: a bundle sets permissions only on warehouses it creates`,
  ]

  const databricksYml = [
    `${MARKER} from lakectl.yaml, target ${target.name}. Re-export rather than edit by hand.`,
    '# What lakectl bootstrap manages that a bundle cannot declare is listed in README.md.',
    yaml({
      bundle: {name: desired.project},
      include: ['resources/*.yml'],
      variables: {warehouse_id: warehouse},
      // Only the pipeline files are uploaded, to the folder the jobs read them from (workspace_folder).
      sync: {exclude: ['databricks.yml', 'README.md', 'resources']},
      workspace: {file_path: target.workspaceFolder},
      targets: {[target.name]: {default: true, ...workspaceOf(target)}},
    }),
  ].join('\n')

  const resourceFile = (kind: keyof BundleResources, what: string, body: Record<string, unknown>) => ({
    path: `resources/${kind}.yml`,
    content: Buffer.from(`${MARKER}: ${what}.\n${yaml({resources: {[kind]: body}})}`),
  })
  const files: BundleFile[] = [
    {path: 'databricks.yml', content: Buffer.from(databricksYml)},
    {path: 'README.md', content: Buffer.from(readme(desired, target, notInBundle))},
    resourceFile('catalogs', 'the catalog and its grants, as lakectl bootstrap manages them', catalogs),
    resourceFile('schemas', 'the layer schemas and their grants per role, as lakectl bootstrap manages them', schemas),
    resourceFile('volumes', 'the streaming checkpoint volume lakectl bootstrap creates', volumes),
    resourceFile('registered_models', 'the model the training job registers its versions in', registeredModels),
    resourceFile('jobs', 'the streaming, backfill and training jobs lakectl bootstrap manages', jobs),
    resourceFile('dashboards', `the Lakeview dashboard over the analyst views (its definition: ${path.posix.basename(DASHBOARD_FILE)})`, dashboards),
    {path: DASHBOARD_FILE, content: Buffer.from(dashboard.serialized)},
    resourceFile('alerts', 'the SQL alerts on streaming lag, quarantine ratio and stale tables', alerts),
    ...pipelineFiles,
  ]
  const resources: BundleResources = {
    catalogs: Object.keys(catalogs),
    jobs: Object.keys(jobs),
    schemas: Object.keys(schemas),
    volumes: Object.keys(volumes),
    registered_models: Object.keys(registeredModels),
    dashboards: Object.keys(dashboards),
    alerts: Object.keys(alerts),
  }
  return {files, resources, notInBundle}
}

/**
 * Writes the bundle into dir. A folder that holds files but no earlier export is refused (unless
 * force); files this export does not write are left where they are and reported.
 */
export function writeBundle(dir: string, target: string, files: BundleFile[], resources: BundleResources, notInBundle: string[], force = false): BundleExport {
  const root = path.resolve(dir)
  const existing = existsSync(root) ? listRelative(root) : []
  const previous = existsSync(path.join(root, 'databricks.yml')) && readFileSync(path.join(root, 'databricks.yml'), 'utf8').startsWith(MARKER)
  if (existing.length && !previous && !force) {
    throw new UsageError(`${dir} is not empty and holds no earlier lakectl bundle export.`, {code: 'BUNDLE_DIR_NOT_EMPTY', hint: `lakectl bundle export ${dir} --force   (or an empty folder)`})
  }
  for (const file of files) {
    const to = path.join(root, ...file.path.split('/'))
    mkdirSync(path.dirname(to), {recursive: true})
    writeFileSync(to, file.content)
  }
  const written = new Set(files.map((f) => f.path))
  return {
    target,
    dir: root,
    files: files.map((f) => ({path: f.path, bytes: f.content.length, sha256: sha256(f.content)})),
    resources,
    not_in_bundle: notInBundle,
    foreign: existing.filter((f) => !written.has(f)),
  }
}

/**
 * The workspace of the target: its host and profile when set, never a credential. The local target
 * names neither (its address changes with every start): the CLI then reads DATABRICKS_HOST.
 */
function workspaceOf(target: ResolvedTarget): {workspace?: Record<string, string>} {
  const workspace: Record<string, string> = {}
  if (target.host) workspace.host = target.host
  if (target.profile) workspace.profile = target.profile
  return Object.keys(workspace).length ? {workspace} : {}
}

/** Bundle grants: one entry per principal that holds something, privileges sorted. */
function bundleGrants(grants: GrantMap | undefined): Array<{principal: string; privileges: string[]}> {
  if (!grants) return []
  return [...grants]
    .filter(([, privileges]) => privileges.size > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([principal, privileges]) => ({principal, privileges: [...privileges].sort()}))
}

function withGrants<T extends object>(resource: T, grants: Array<{principal: string; privileges: string[]}>): T & {grants?: typeof grants} {
  return grants.length ? {...resource, grants} : resource
}

function yaml(value: unknown): string {
  return stringify(value, {lineWidth: 0, aliasDuplicateObjects: false})
}

function readme(desired: DesiredState, target: ResolvedTarget, notInBundle: string[]): string {
  return [
    `# ${desired.project}: the lakehouse as a Databricks Asset Bundle`,
    '',
    `Written by \`lakectl bundle export\` from lakectl.yaml for target \`${target.name}\` (catalog \`${desired.catalog}\`).`,
    'The catalog, schemas, volume, jobs and grants are the ones `lakectl bootstrap` manages, with the',
    'registered model the training job registers its versions in, the Lakeview dashboard and the SQL alerts; the',
    `pipeline files (pyspark/, sql/, pipeline/) are uploaded to \`${target.workspaceFolder}\`, where the jobs read them.`,
    'The jobs keep their `lakectl_project` and `lakectl_layer` tags, so `lakectl stream`, `backfill` and',
    '`model` keep working on what the bundle deploys.',
    '',
    ...(target.warehouse === 'auto'
      ? ['lakectl.yaml names no warehouse (`auto`): give the bundle the one the dashboard and the alerts run on.', '']
      : []),
    '```sh',
    ...(target.warehouse === 'auto' ? ['export BUNDLE_VAR_warehouse_id=<the SQL warehouse id>'] : []),
    `databricks bundle validate -t ${target.name}`,
    `databricks bundle deploy -t ${target.name}`,
    '```',
    '',
    'Objects that already exist (created by `lakectl bootstrap`) are taken over with',
    '`databricks bundle deployment bind <key> <id>` before the first deploy (a job by its id, the catalog,',
    'a schema, the volume or the model by its name).',
    '',
    'Not in the bundle (still `lakectl bootstrap`):',
    '',
    ...notInBundle.map((line) => `- ${line}`),
    '',
  ].join('\n')
}

function listRelative(root: string, at = ''): string[] {
  return readdirSync(path.join(root, at), {withFileTypes: true})
    .flatMap((entry) => {
      const relative = at ? `${at}/${entry.name}` : entry.name
      return entry.isDirectory() ? listRelative(root, relative) : [relative]
    })
    .sort()
}
