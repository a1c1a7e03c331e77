/**
 * Job templates (resources/jobs/<name>.json, Jobs API 2.2 JobSettings with {{placeholders}}) rendered
 * into JobSettings: every placeholder filled, numeric ones as numbers, the result validated against the
 * subset of JobSettings lakectl uses (and, at compile time, against the SDK's JobSettings type).
 */
import type {jobs} from '@databricks/sdk-experimental'
import {z} from 'zod'

import {UsageError} from '../errors.js'
import {assertIdentifier} from '../databricks/identifiers.js'
import {readResource} from './resources.js'

export const JOB_TEMPLATES = ['bronze', 'silver', 'gold', 'backfill', 'train'] as const
export type JobTemplateName = (typeof JOB_TEMPLATES)[number]

export const JOB_PLACEHOLDERS = [
  'catalog', 'workspace_folder', 'model_name', 'spark_version', 'node_type_id', 'num_workers', 'project', 'topic',
  'bootstrap_servers', 'secret_scope', 'starting_offsets', 'trigger_seconds',
] as const
export type JobPlaceholder = (typeof JOB_PLACEHOLDERS)[number]
export type JobTemplateValues = Partial<Record<JobPlaceholder, string | number>>

/**
 * Placeholders computed from the values: the ML flavour of the configured runtime, which ships the
 * libraries train.py needs (MLflow, scikit-learn, pandas), e.g. 15.4.x-scala2.12 -> 15.4.x-cpu-ml-scala2.12.
 */
const DERIVED = {
  ml_spark_version: (values: Map<string, string | number>) => {
    const version = values.get('spark_version')
    if (typeof version !== 'string') return undefined
    return /-ml-/.test(version) ? version : version.replace(/-(scala[0-9.]+)$/, '-cpu-ml-$1')
  },
}

/** Placeholders that become JSON numbers where a template's property value is exactly the placeholder. */
const NUMERIC: Partial<Record<JobPlaceholder, number>> = {num_workers: 0, trigger_seconds: 1}
// {{name}} is lakectl's; dotted references such as {{job.parameters.layer}} are Databricks' own and stay.
const PLACEHOLDER = /\{\{([a-z_]+)\}\}/g

const clusterSpec = z.strictObject({
  spark_version: z.string().min(1),
  node_type_id: z.string().min(1),
  num_workers: z.number().int().min(0),
  data_security_mode: z.enum(['SINGLE_USER', 'USER_ISOLATION']),
  spark_conf: z.record(z.string(), z.string()).optional(),
  custom_tags: z.record(z.string(), z.string()).optional(),
})

const task = z.strictObject({
  task_key: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
  job_cluster_key: z.string().min(1),
  max_retries: z.number().int().min(-1).optional(),
  min_retry_interval_millis: z.number().int().min(0).optional(),
  spark_python_task: z.strictObject({
    python_file: z.string().startsWith('/'),
    source: z.enum(['WORKSPACE', 'GIT']),
    parameters: z.array(z.string()),
  }),
})

const jobSettingsSchema = z.strictObject({
  name: z.string().min(1).max(4096),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()),
  continuous: z.strictObject({pause_status: z.enum(['PAUSED', 'UNPAUSED'])}).optional(),
  max_concurrent_runs: z.number().int().min(0).max(1000),
  queue: z.strictObject({enabled: z.boolean()}),
  timeout_seconds: z.number().int().min(0).optional(),
  parameters: z.array(z.strictObject({name: z.string().regex(/^[A-Za-z0-9_.-]+$/), default: z.string()})).optional(),
  job_clusters: z.array(z.strictObject({job_cluster_key: z.string().min(1), new_cluster: clusterSpec})).min(1),
  tasks: z.array(task).min(1),
})

export function renderJobTemplate(name: JobTemplateName, values: JobTemplateValues): jobs.JobSettings {
  if (!(JOB_TEMPLATES as readonly string[]).includes(name)) throw new UsageError(`No job template '${name}': use one of ${JOB_TEMPLATES.join(', ')}.`)
  const checked = checkValues(values)
  for (const [key, derive] of Object.entries(DERIVED)) {
    const value = derive(checked)
    if (value !== undefined) checked.set(key, value)
  }
  const missing = new Set<string>()
  const rendered = fill(JSON.parse(readResource('jobs', `${name}.json`)), checked, missing, false)
  if (missing.size > 0) {
    throw new UsageError(`Job template ${name} needs values for ${[...missing].sort().join(', ')}.`, {code: 'JOB_TEMPLATE_VALUES'})
  }
  const result = jobSettingsSchema.safeParse(rendered)
  if (!result.success) throw new Error(`resources/jobs/${name}.json renders an invalid JobSettings: ${z.prettifyError(result.error)}`)
  // The assignment is the compile-time check that the validated subset is an SDK JobSettings.
  const settings: jobs.JobSettings = result.data
  assertConsistent(name, result.data, checked)
  return settings
}

function checkValues(values: JobTemplateValues): Map<string, string | number> {
  const checked = new Map<string, string | number>()
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || !(JOB_PLACEHOLDERS as readonly string[]).includes(key)) continue
    const minimum = NUMERIC[key as JobPlaceholder]
    if (minimum !== undefined) {
      const number = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN
      if (!Number.isSafeInteger(number) || number < minimum) throw new UsageError(`${key} must be an integer >= ${minimum}, got '${value}'.`)
      checked.set(key, number)
      continue
    }
    const text = String(value)
    if (text === '' || text.includes('{{')) throw new UsageError(`${key} must be a non-empty value without '{{', got '${text}'.`)
    if (key === 'catalog' || key === 'model_name') assertIdentifier(text, key.replace('_', ' '))
    if (key === 'workspace_folder' && !/^\/[^\s]*[^/\s]$/.test(text)) throw new UsageError(`workspace_folder must be an absolute workspace path such as /Shared/lakectl, got '${text}'.`)
    checked.set(key, text)
  }
  return checked
}

/** Fills placeholders in every string; a property that is exactly a numeric placeholder becomes a number. */
function fill(node: unknown, values: Map<string, string | number>, missing: Set<string>, isProperty: boolean): unknown {
  if (typeof node === 'string') {
    const whole = /^\{\{([a-z_]+)\}\}$/.exec(node)?.[1]
    if (whole && isProperty && NUMERIC[whole as JobPlaceholder] !== undefined) {
      if (!values.has(whole)) missing.add(whole)
      return values.get(whole) ?? node
    }
    return node.replace(PLACEHOLDER, (placeholder, key: string) => {
      if (!(JOB_PLACEHOLDERS as readonly string[]).includes(key) && !(key in DERIVED)) throw new Error(`a job template uses the unknown placeholder ${placeholder}`)
      if (!values.has(key)) missing.add(key)
      return String(values.get(key) ?? placeholder)
    })
  }
  if (Array.isArray(node)) return node.map((item) => fill(item, values, missing, false))
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value, values, missing, true)]))
  }
  return node
}

/** What the schema cannot say: the tags lakectl finds its jobs by, and task -> cluster references. */
function assertConsistent(name: JobTemplateName, settings: z.infer<typeof jobSettingsSchema>, values: Map<string, string | number>): void {
  if (settings.tags.lakectl_project !== values.get('project') || settings.tags.lakectl_layer !== name) {
    throw new Error(`resources/jobs/${name}.json must tag lakectl_project: {{project}} and lakectl_layer: ${name}`)
  }
  const clusters = new Set(settings.job_clusters.map((cluster) => cluster.job_cluster_key))
  for (const {task_key, job_cluster_key} of settings.tasks) {
    if (!clusters.has(job_cluster_key)) throw new Error(`resources/jobs/${name}.json: task ${task_key} uses the undefined job cluster ${job_cluster_key}`)
  }
  if (settings.continuous && settings.max_concurrent_runs !== 1) throw new Error(`resources/jobs/${name}.json: a continuous job runs one run at a time`)
}
