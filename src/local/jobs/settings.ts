/**
 * JobSettings as the Jobs API accepts them (reference section 3.2): validated on write, with the
 * defaults the server fills in, and the update semantics (top-level fields replace, tasks and
 * job_clusters merge by key, fields_to_remove).
 */
import {z} from 'zod'

import {invalidParameter} from '../http/errors.js'
import {parseBody} from '../http/input.js'

/** Which API path created or reset the job: 2.2 turns queueing on by default, 2.1 does not. */
export type JobsApiVersion = '2.1' | '2.2'

const TASK_TYPES = [
  'notebook_task', 'spark_python_task', 'pipeline_task', 'python_wheel_task', 'spark_jar_task', 'spark_submit_task', 'sql_task',
  'dbt_task', 'run_job_task', 'condition_task', 'for_each_task', 'clean_rooms_notebook_task', 'dashboard_task', 'power_bi_task',
  'gen_ai_compute_task',
] as const

const PAUSE_STATUS = z.enum(['PAUSED', 'UNPAUSED'])

const taskSchema = z.looseObject({
  task_key: z.string().regex(/^[\w-]{1,100}$/, 'task_key must be 1-100 letters, digits, _ or -'),
  depends_on: z.array(z.looseObject({task_key: z.string(), outcome: z.string().optional()})).optional(),
  spark_python_task: z
    .looseObject({python_file: z.string().min(1), parameters: z.array(z.string()).optional(), source: z.enum(['WORKSPACE', 'GIT']).optional()})
    .optional(),
  timeout_seconds: z.number().int().min(0).optional(),
  max_retries: z.number().int().min(-1).optional(),
  disabled: z.boolean().optional(),
})

const settingsSchema = z.looseObject({
  name: z.string().refine((name) => Buffer.byteLength(name) <= 4096, 'name is longer than 4096 bytes').optional(),
  description: z.string().optional(),
  tasks: z.array(taskSchema).max(1000).optional(),
  job_clusters: z.array(z.looseObject({job_cluster_key: z.string().min(1)})).optional(),
  parameters: z.array(z.strictObject({name: z.string().regex(/^[\w.-]+$/, 'parameter names are letters, digits, _ - .'), default: z.string()})).optional(),
  max_concurrent_runs: z.number().int().min(0).max(1000).optional(),
  timeout_seconds: z.number().int().min(0).optional(),
  schedule: z.looseObject({quartz_cron_expression: z.string(), timezone_id: z.string(), pause_status: PAUSE_STATUS.optional()}).optional(),
  continuous: z.looseObject({pause_status: PAUSE_STATUS.optional(), task_retry_mode: z.string().optional()}).optional(),
  trigger: z.looseObject({pause_status: PAUSE_STATUS.optional()}).optional(),
  queue: z.strictObject({enabled: z.boolean()}).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  health: z
    .strictObject({
      rules: z.array(
        z.strictObject({
          metric: z.enum(['RUN_DURATION_SECONDS', 'STREAMING_BACKLOG_BYTES', 'STREAMING_BACKLOG_RECORDS', 'STREAMING_BACKLOG_SECONDS', 'STREAMING_BACKLOG_FILES']),
          op: z.literal('GREATER_THAN'),
          value: z.number().int().min(0),
        }),
      ),
    })
    .optional(),
})

export type TaskSettings = z.infer<typeof taskSchema>
export type JobSettings = z.infer<typeof settingsSchema>

/** Validates settings given on create / reset (or the result of an update) and fills the server's defaults. */
export function validateSettings(input: unknown, version: JobsApiVersion, field = 'settings'): JobSettings {
  const settings = parseBody(settingsSchema, input)
  const tasks = settings.tasks ?? []
  const keys = new Set<string>()
  for (const task of tasks) {
    if (keys.has(task.task_key)) throw invalidParameter(`Task key '${task.task_key}' is used by more than one task in ${field}.`)
    keys.add(task.task_key)
    const types = TASK_TYPES.filter((type) => task[type] !== undefined)
    if (types.length !== 1) throw invalidParameter(`Task '${task.task_key}' must have exactly one task type (${types.length ? types.join(', ') : 'none given'}).`)
  }
  for (const task of tasks) {
    for (const dependency of task.depends_on ?? []) {
      if (!keys.has(dependency.task_key)) throw invalidParameter(`Task '${task.task_key}' depends on '${dependency.task_key}', which is not a task of the job.`)
    }
  }
  if (tasks.length > 0) taskOrder(tasks)
  const clusters = (settings.job_clusters ?? []).map((cluster) => cluster.job_cluster_key)
  if (new Set(clusters).size !== clusters.length) throw invalidParameter('Each job_cluster_key must be unique.')
  const triggers = (['schedule', 'continuous', 'trigger'] as const).filter((key) => settings[key] !== undefined)
  if (triggers.length > 1) throw invalidParameter(`A job can have at most one of schedule, continuous and trigger (got ${triggers.join(', ')}).`)
  if (Object.keys(settings.tags ?? {}).length > 25) throw invalidParameter('A job can have at most 25 tags.')
  const names = (settings.parameters ?? []).map((parameter) => parameter.name)
  if (new Set(names).size !== names.length) throw invalidParameter('Job parameter names must be unique.')
  return withDefaults(settings, version)
}

function withDefaults(settings: JobSettings, version: JobsApiVersion): JobSettings {
  return {
    name: 'Untitled',
    email_notifications: {},
    webhook_notifications: {},
    timeout_seconds: 0,
    max_concurrent_runs: 1,
    format: 'MULTI_TASK',
    ...settings,
    // Jobs written through 2.2 queue by default; 2.1 only when asked.
    queue: settings.queue ?? {enabled: version === '2.2'},
    ...(settings.continuous ? {continuous: {...settings.continuous, pause_status: settings.continuous.pause_status ?? 'UNPAUSED'}} : {}),
  }
}

/**
 * jobs/update: top-level fields of newSettings replace the job's, except `tasks` and `job_clusters`,
 * which merge by key; `fields_to_remove` drops top-level fields or `tasks/<key>` / `job_clusters/<key>`.
 */
export function mergeSettings(current: JobSettings, newSettings: Record<string, unknown>, fieldsToRemove: string[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {...current}
  for (const [key, value] of Object.entries(newSettings)) {
    if (key === 'tasks') merged.tasks = mergeByKey(current.tasks ?? [], value, 'task_key')
    else if (key === 'job_clusters') merged.job_clusters = mergeByKey(current.job_clusters ?? [], value, 'job_cluster_key')
    else merged[key] = value
  }
  for (const field of fieldsToRemove) {
    const [array, key, ...rest] = field.split('/')
    if (key === undefined) {
      delete merged[field]
    } else if ((array === 'tasks' || array === 'job_clusters') && rest.length === 0) {
      const keyField = array === 'tasks' ? 'task_key' : 'job_cluster_key'
      const items = (merged[array] ?? []) as Array<Record<string, unknown>>
      merged[array] = items.filter((item) => item[keyField] !== key)
    } else {
      throw invalidParameter(`Invalid field in fields_to_remove: '${field}' (use a top-level field, tasks/<task_key> or job_clusters/<job_cluster_key>).`)
    }
  }
  return merged
}

function mergeByKey(current: Array<Record<string, unknown>>, given: unknown, keyField: string): unknown {
  // A malformed array is left for validation to reject with its own message.
  if (!Array.isArray(given)) return given
  const merged = [...current]
  for (const item of given as Array<Record<string, unknown>>) {
    const at = merged.findIndex((existing) => existing[keyField] === item?.[keyField])
    if (at >= 0) merged[at] = item
    else merged.push(item)
  }
  return merged
}

/** Tasks in an order that runs every dependency first (rejects cycles). */
export function taskOrder(tasks: TaskSettings[]): TaskSettings[] {
  const byKey = new Map(tasks.map((task) => [task.task_key, task]))
  const ordered: TaskSettings[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (task: TaskSettings) => {
    if (state.get(task.task_key) === 'done') return
    if (state.get(task.task_key) === 'visiting') throw invalidParameter(`The tasks' depends_on form a cycle through '${task.task_key}'.`)
    state.set(task.task_key, 'visiting')
    for (const dependency of task.depends_on ?? []) visit(byKey.get(dependency.task_key)!)
    state.set(task.task_key, 'done')
    ordered.push(task)
  }
  for (const task of tasks) visit(task)
  return ordered
}

export function isContinuous(settings: JobSettings): boolean {
  return settings.continuous !== undefined
}

export function isUnpausedContinuous(settings: JobSettings): boolean {
  return settings.continuous?.pause_status === 'UNPAUSED'
}
