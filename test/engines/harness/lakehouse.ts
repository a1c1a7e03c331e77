/**
 * A lakehouse on local Spark, laid out as on Databricks: the pipeline code "uploaded" to a workspace
 * folder, a Kafka secret scope, checkpoints on a volume, the Delta tables created from the DDL files,
 * and the runners started with the parameters of the job templates bootstrap would create.
 */
import {createHash} from 'node:crypto'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {renderJobTemplate, type JobTemplateName} from '../../../src/pipeline/jobs.js'
import {enginesCache, RESOURCES, setupStamps} from './env.js'
import type {Managed} from './processes.js'
import {sparkRun, sparkSubmit, type SparkSite} from './spark.js'

export const CATALOG = 'lakehouse'
export const WORKSPACE_FOLDER = '/Shared/lakectl'
export const TOPIC = 'customer-events'
export const SECRET_SCOPE = 'lakectl-kafka'
export const MODEL = `${CATALOG}.ml.sentiment`
/** The folders bootstrap uploads (src/lakehouse/desired.ts). */
const UPLOADED = ['pyspark', 'sql', 'pipeline']
const PYTHON = new URL('../python/', import.meta.url).pathname

export interface Lakehouse {
  site: SparkSite
  /** The uploaded runners (what python_file points at). */
  pysparkDir: string
}

/** Lays out the site under dir and uploads the pipeline code; kafka credentials go to the secret scope. */
export function createLakehouse(dir: string, options: {kafka?: {username: string; password: string}; mlflowUri?: string; servedAlias?: string} = {}): Lakehouse {
  const site: SparkSite = {
    dir,
    warehouse: path.join(dir, 'warehouse'),
    workspaceRoot: path.join(dir, 'workspace'),
    volumesRoot: path.join(dir, 'volumes'),
    secretsDir: path.join(dir, 'secrets'),
    mlflowUri: options.mlflowUri,
    servedAlias: options.servedAlias,
  }
  for (const folder of [site.warehouse, site.volumesRoot]) mkdirSync(folder, {recursive: true})
  const uploaded = path.join(site.workspaceRoot, WORKSPACE_FOLDER)
  for (const folder of UPLOADED) cpSync(path.join(RESOURCES, folder), path.join(uploaded, folder), {recursive: true})
  if (options.kafka) {
    const scope = path.join(site.secretsDir, SECRET_SCOPE)
    mkdirSync(scope, {recursive: true, mode: 0o700})
    writeFileSync(path.join(scope, 'kafka-username'), options.kafka.username, {mode: 0o600})
    writeFileSync(path.join(scope, 'kafka-password'), options.kafka.password, {mode: 0o600})
  }
  return {site, pysparkDir: path.join(uploaded, 'pyspark')}
}

/**
 * Creates the schemas and Delta tables from the DDL files and loads the reference data. The tables
 * bootstrap_tables.py makes depend only on its inputs, so the first run's warehouse is kept in the
 * engines cache, named by a hash of them, and later lakehouses get a copy: a Spark driver less (about
 * 24 s) for every test file after the first. A changed DDL file, runner, reference file or Spark set-up
 * gets a new copy made by Spark.
 */
export async function bootstrapTables(lakehouse: Lakehouse): Promise<void> {
  const template = bootstrappedWarehouse()
  if (!existsSync(template)) {
    const folder = path.dirname(template)
    mkdirSync(folder, {recursive: true})
    const scratch = mkdtempSync(path.join(folder, '.partial-'))
    try {
      const fresh = createLakehouse(scratch)
      await helper(fresh, 'bootstrap', 'bootstrap_tables.py', ['--resources', WORKSPACE_FOLDER, '--catalog', CATALOG, '--data', path.join(RESOURCES, 'data')])
      // Warehouses of other inputs are of no use any more.
      for (const old of readdirSync(folder).filter((f) => !f.startsWith('.'))) rmSync(path.join(folder, old), {recursive: true, force: true})
      renameSync(fresh.site.warehouse, template)
    } finally {
      rmSync(scratch, {recursive: true, force: true})
    }
  }
  cpSync(template, lakehouse.site.warehouse, {recursive: true})
}

/** Where the bootstrapped warehouse for the current inputs is kept (whether or not it exists yet). */
function bootstrappedWarehouse(): string {
  const cache = enginesCache()
  const hash = createHash('sha256')
  const inputs = [
    ...setupStamps(cache),
    path.join(PYTHON, 'bootstrap_tables.py'),
    path.join(RESOURCES, 'pyspark', 'lakectl_pipeline.py'),
    new URL('./spark.ts', import.meta.url).pathname,
    ...['sql/ddl', 'data'].flatMap((sub) => readdirSync(path.join(RESOURCES, sub)).sort().map((f) => path.join(RESOURCES, sub, f))),
  ]
  for (const file of inputs) hash.update(path.basename(file)).update('\0').update(readFileSync(file)).update('\0')
  return path.join(cache, 'bootstrap', hash.digest('hex').slice(0, 16))
}

/** Reads the tables back as JSON files (out/<schema.table>.json, see python/dump_tables.py). */
export async function dumpTables(lakehouse: Lakehouse, out: string, tables: string[]): Promise<void> {
  await helper(lakehouse, 'dump', 'dump_tables.py', ['--catalog', CATALOG, '--out', out, ...tables])
}

function helper(lakehouse: Lakehouse, name: string, script: string, args: string[]): Promise<string> {
  return sparkRun(lakehouse.site, name, path.join(PYTHON, script), args, {env: {LAKECTL_PYSPARK_DIR: lakehouse.pysparkDir}})
}

export interface JobValues {
  bootstrapServers?: string
  triggerSeconds?: number
  /** Values for the job's {{job.parameters.NAME}} references (run-now's job_parameters). */
  jobParameters?: Record<string, string>
}

/**
 * The spark_python_task of a job template as bootstrap renders it (file and parameters), with the
 * cluster's spark_conf; `extra` parameters are appended (argparse: the last value wins).
 */
export function jobTask(lakehouse: Lakehouse, role: JobTemplateName, values: JobValues = {}, extra: string[] = []): {script: string; args: string[]; conf: Record<string, string>} {
  const settings = renderJobTemplate(role, {
    catalog: CATALOG,
    project: 'lakectl',
    workspace_folder: WORKSPACE_FOLDER,
    model_name: 'sentiment',
    spark_version: '15.4.x-scala2.12',
    node_type_id: 'i3.xlarge',
    num_workers: 1,
    topic: TOPIC,
    bootstrap_servers: values.bootstrapServers ?? '127.0.0.1:9',
    secret_scope: SECRET_SCOPE,
    starting_offsets: 'earliest',
    trigger_seconds: values.triggerSeconds ?? 1,
  })
  const task = settings.tasks![0]
  const cluster = settings.job_clusters!.find((c) => c.job_cluster_key === task.job_cluster_key)!
  const file = task.spark_python_task!.python_file
  return {
    script: path.join(lakehouse.site.workspaceRoot, file),
    args: [...(task.spark_python_task!.parameters ?? []).map((arg) => jobParameter(arg, {...defaults(settings.parameters), ...values.jobParameters})), ...extra],
    conf: {...(cluster.new_cluster!.spark_conf ?? {})},
  }
}

/** The job's parameter defaults: what a run gets for the parameters run-now does not give. */
function defaults(parameters: Array<{name: string; default: string}> = []): Record<string, string> {
  return Object.fromEntries(parameters.map((p) => [p.name, p.default]))
}

/** As Databricks resolves a dynamic value reference at run time. */
function jobParameter(arg: string, parameters: Record<string, string>): string {
  return arg.replace(/\{\{job\.parameters\.([a-z_]+)\}\}/g, (reference, name: string) => {
    if (!(name in parameters)) throw new Error(`the job needs a value for ${reference}`)
    return parameters[name]
  })
}

/** Starts a job's runner as bootstrap's job would (see jobTask). */
export function startJob(lakehouse: Lakehouse, role: JobTemplateName, values: JobValues = {}, extra: string[] = [], name: string = role, env: Record<string, string> = {}): Managed {
  const {script, args, conf} = jobTask(lakehouse, role, values, extra)
  return sparkSubmit(lakehouse.site, name, script, args, {conf, env})
}

/** Runs a (batch) job to its end; throws with its log when it fails. */
export function runJob(lakehouse: Lakehouse, role: JobTemplateName, values: JobValues = {}, extra: string[] = [], name: string = role, env: Record<string, string> = {}): Promise<string> {
  const {script, args, conf} = jobTask(lakehouse, role, values, extra)
  return sparkRun(lakehouse.site, name, script, args, {conf, env})
}
