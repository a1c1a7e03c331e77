/**
 * Databricks SQL alerts of the local workspace (the wire shape is in api/alerts.ts's header): stored in
 * alerts.json, evaluated on their Quartz schedules by running the alert's query on the warehouse and
 * comparing the source column with the threshold, which sets `evaluation.state` (OK, TRIGGERED, ERROR,
 * or the empty-result state) and `evaluation.last_evaluated_at`. The workspace cannot reach Slack or a
 * mail server: a state change that would notify is written to the server log with its subscribers.
 */
import {randomUUID} from 'node:crypto'

import {z} from 'zod'

import {ApiError, invalidParameter, notFound} from '../http/errors.js'
import {parseBody} from '../http/input.js'
import {LOCAL_USER_NAME} from '../identity.js'
import type {LineageEntity} from '../lineage/store.js'
import {WAREHOUSE_ID} from '../sql/warehouse.js'
import {JsonStore} from '../store.js'
import {isTimeZone, parseQuartz, QuartzError, type QuartzSchedule} from './quartz.js'

export const AGGREGATIONS = ['AVG', 'COUNT', 'COUNT_DISTINCT', 'MAX', 'MEDIAN', 'MIN', 'STDDEV', 'SUM'] as const
export const OPERATORS = ['EQUAL', 'GREATER_THAN', 'GREATER_THAN_OR_EQUAL', 'IS_NOT_NULL', 'IS_NULL', 'LESS_THAN', 'LESS_THAN_OR_EQUAL', 'NOT_EQUAL'] as const
export const STATES = ['ERROR', 'OK', 'TRIGGERED', 'UNKNOWN'] as const
export type EvaluationState = (typeof STATES)[number]

const column = z.object({name: z.string().min(1), aggregation: z.enum(AGGREGATIONS).optional(), display: z.string().optional()})
const operandValue = z.object({double_value: z.number().optional(), string_value: z.string().optional(), bool_value: z.boolean().optional()})
const evaluation = z.object({
  source: column,
  comparison_operator: z.enum(OPERATORS),
  threshold: z.object({column: column.optional(), value: operandValue.optional()}).optional(),
  empty_result_state: z.enum(STATES).optional(),
  notification: z
    .object({
      notify_on_ok: z.boolean().optional(),
      retrigger_seconds: z.number().int().min(0).optional(),
      subscriptions: z.array(z.object({destination_id: z.string().optional(), user_email: z.string().optional()})).optional(),
    })
    .optional(),
})
const schedule = z.object({quartz_cron_schedule: z.string().min(1), timezone_id: z.string().min(1), pause_status: z.enum(['PAUSED', 'UNPAUSED']).optional()})
const alertBody = z.object({
  display_name: z.string().min(1),
  query_text: z.string().min(1),
  warehouse_id: z.string().min(1),
  evaluation,
  schedule,
  custom_summary: z.string().optional(),
  custom_description: z.string().optional(),
  parent_path: z.string().optional(),
})
/** Fields an update mask may name (top level, or a path below evaluation / schedule). */
const UPDATABLE = ['display_name', 'query_text', 'warehouse_id', 'evaluation', 'schedule', 'custom_summary', 'custom_description'] as const

export type AlertInput = z.infer<typeof alertBody>

export interface Alert extends AlertInput {
  id: string
  parent_path: string
  lifecycle_state: 'ACTIVE' | 'DELETED'
  owner_user_name: string
  create_time: string
  update_time: string
  evaluation: AlertInput['evaluation'] & {state: EvaluationState; last_evaluated_at?: string}
  schedule: AlertInput['schedule'] & {pause_status: 'PAUSED' | 'UNPAUSED'}
}

interface AlertsState {
  version: 1
  alerts: Record<string, Alert>
}

/** What evaluation needs from the rest of the workspace. */
export interface AlertRuntime {
  /** Runs a query on the warehouse: the column names and the rows (values as the API renders them). */
  query(statement: string): Promise<{columns: string[]; rows: Array<Array<string | null>>}>
  /** Whether a workspace path is an existing folder. */
  isFolder(path: string): boolean
  afterRead?(entity: LineageEntity, query: string): Promise<void>
  log(line: string): void
}

/** Catch-up limit after a pause of the process: seconds of schedule checked at once. */
const MAX_CATCH_UP_SECONDS = 60

export class LocalAlerts {
  private readonly store: JsonStore<AlertsState>
  private readonly schedules = new Map<string, {expression: string; timezone: string; schedule: QuartzSchedule}>()
  private readonly running = new Set<string>()
  private timer?: NodeJS.Timeout
  private checkedUntil = Math.floor(Date.now() / 1000)
  private closed = false
  private evaluations = new Set<Promise<void>>()

  constructor(file: string, private readonly runtime: AlertRuntime) {
    this.store = JsonStore.open(file, () => ({version: 1 as const, alerts: {}}))
  }

  /** Checks the schedules every second (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer || this.closed) return
    this.checkedUntil = Math.floor(Date.now() / 1000)
    this.timer = setInterval(() => this.tick(), 1000)
    this.timer.unref()
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await Promise.all(this.evaluations)
  }

  create(body: unknown): Alert {
    const input = this.validate(parseBody(alertBody, body))
    const parent = input.parent_path ?? `/Users/${LOCAL_USER_NAME}`
    this.requireFolder(parent)
    this.requireUniqueName(input.display_name, parent)
    const now = new Date().toISOString()
    const alert: Alert = {
      ...input,
      id: randomUUID(),
      parent_path: parent,
      lifecycle_state: 'ACTIVE',
      owner_user_name: LOCAL_USER_NAME,
      create_time: now,
      update_time: now,
      evaluation: {...input.evaluation, state: 'UNKNOWN'},
      schedule: {...input.schedule, pause_status: input.schedule.pause_status ?? 'UNPAUSED'},
    }
    this.store.update((state) => (state.alerts[alert.id] = alert))
    return alert
  }

  get(id: string): Alert {
    const alert = this.store.state.alerts[id]
    if (!alert || alert.lifecycle_state !== 'ACTIVE') throw notFound('RESOURCE_DOES_NOT_EXIST', `Alert ${id} does not exist.`)
    return alert
  }

  /** Active alerts, oldest first (the API lists them by creation time). */
  list(): Alert[] {
    return Object.values(this.store.state.alerts)
      .filter((a) => a.lifecycle_state === 'ACTIVE')
      .sort((a, b) => a.create_time.localeCompare(b.create_time) || a.id.localeCompare(b.id))
  }

  /** PATCH with an update mask: `*` or a comma-separated list of field paths (`evaluation.threshold`). */
  update(id: string, mask: string | null, body: unknown): Alert {
    const current = this.get(id)
    if (!mask) throw invalidParameter('Missing required field: update_mask')
    const paths = mask.split(',').map((p) => p.trim()).filter(Boolean)
    const merged: Record<string, unknown> = structuredClone({...current, evaluation: stripOutput(current.evaluation)})
    const given = (body ?? {}) as Record<string, unknown>
    for (const path of paths.includes('*') ? [...UPDATABLE] : paths) {
      const [top] = path.split('.')
      if (top === 'parent_path') throw invalidParameter('parent_path can only be set when the alert is created.')
      if (!(UPDATABLE as readonly string[]).includes(top)) throw invalidParameter(`Invalid update_mask: '${path}' is not a field that can be updated.`)
      setPath(merged, path, getPath(given, path))
    }
    const input = this.validate(parseBody(alertBody, merged))
    if (input.display_name !== current.display_name) this.requireUniqueName(input.display_name, current.parent_path, id)
    const updated: Alert = {
      ...current,
      ...input,
      parent_path: current.parent_path,
      update_time: new Date().toISOString(),
      evaluation: {...input.evaluation, state: current.evaluation.state, ...(current.evaluation.last_evaluated_at ? {last_evaluated_at: current.evaluation.last_evaluated_at} : {})},
      schedule: {...input.schedule, pause_status: input.schedule.pause_status ?? 'UNPAUSED'},
    }
    this.store.update((state) => (state.alerts[id] = updated))
    return updated
  }

  /** DELETE moves the alert to the trash: it leaves the listing and is evaluated no more. */
  trash(id: string): void {
    const alert = this.get(id)
    this.store.update((state) => (state.alerts[id] = {...alert, lifecycle_state: 'DELETED', update_time: new Date().toISOString()}))
  }

  /** Evaluates one alert now (what the schedule does when it fires). */
  async evaluate(id: string): Promise<void> {
    if (this.running.has(id)) return
    this.running.add(id)
    try {
      const alert = this.get(id)
      let state: EvaluationState
      try {
        const result = await this.runtime.query(alert.query_text)
        state = evaluateResult(alert.evaluation, result.columns, result.rows)
        await this.runtime.afterRead?.({type: 'ALERT', id}, alert.query_text).catch(() => undefined)
      } catch (error) {
        this.runtime.log(`Alert ${id} (${alert.display_name}) failed to evaluate: ${error instanceof Error ? error.message : String(error)}`)
        state = 'ERROR'
      }
      const now = this.store.state.alerts[id]
      // Trashed or changed meanwhile: the result of an old definition is not recorded.
      if (!now || now.lifecycle_state !== 'ACTIVE' || now.query_text !== alert.query_text) return
      const previous = now.evaluation.state
      this.store.update((s) => (s.alerts[id] = {...now, evaluation: {...now.evaluation, state, last_evaluated_at: new Date().toISOString()}}))
      const notification = now.evaluation.notification
      if (state !== previous && (state === 'TRIGGERED' || (state === 'OK' && previous === 'TRIGGERED' && notification?.notify_on_ok))) {
        const to = (notification?.subscriptions ?? []).map((s) => s.destination_id ?? s.user_email).filter(Boolean)
        this.runtime.log(`Alert ${id} (${now.display_name}) is ${state}: notifying ${to.length ? to.join(', ') : 'no subscriber'}`)
      }
    } finally {
      this.running.delete(id)
    }
  }

  private tick(): void {
    if (this.closed) return
    const now = Math.floor(Date.now() / 1000)
    const from = Math.max(this.checkedUntil + 1, now - MAX_CATCH_UP_SECONDS)
    this.checkedUntil = now
    for (const alert of this.list()) {
      if (alert.schedule.pause_status === 'PAUSED') continue
      const schedule = this.scheduleOf(alert)
      let due = false
      for (let second = from; second <= now && !due; second++) due = schedule.matches(new Date(second * 1000))
      if (!due) continue
      const evaluation = this.evaluate(alert.id).catch((error: unknown) => this.runtime.log(`Alert ${alert.id}: ${String(error)}`))
      this.evaluations.add(evaluation)
      void evaluation.finally(() => this.evaluations.delete(evaluation))
    }
  }

  private scheduleOf(alert: Alert): QuartzSchedule {
    const {quartz_cron_schedule: expression, timezone_id: timezone} = alert.schedule
    const cached = this.schedules.get(alert.id)
    if (cached && cached.expression === expression && cached.timezone === timezone) return cached.schedule
    const schedule = parseQuartz(expression, timezone)
    this.schedules.set(alert.id, {expression, timezone, schedule})
    return schedule
  }

  private validate(input: AlertInput): AlertInput {
    if (input.warehouse_id !== WAREHOUSE_ID) throw notFound('RESOURCE_DOES_NOT_EXIST', `Warehouse ${input.warehouse_id} does not exist.`)
    if (!isTimeZone(input.schedule.timezone_id)) throw invalidParameter(`Invalid timezone_id: '${input.schedule.timezone_id}'.`)
    try {
      parseQuartz(input.schedule.quartz_cron_schedule, input.schedule.timezone_id)
    } catch (error) {
      if (error instanceof QuartzError) throw invalidParameter(`Invalid quartz_cron_schedule: ${error.message}`)
      throw error
    }
    const {comparison_operator: op, threshold} = input.evaluation
    const unary = op === 'IS_NULL' || op === 'IS_NOT_NULL'
    if (!unary && !threshold?.column && !threshold?.value) throw invalidParameter(`evaluation.threshold is required with comparison_operator ${op}.`)
    if (threshold?.value && Object.keys(threshold.value).length !== 1) throw invalidParameter('evaluation.threshold.value must set exactly one of double_value, string_value and bool_value.')
    return input
  }

  private requireFolder(path: string): void {
    if (!this.runtime.isFolder(path)) throw notFound('RESOURCE_DOES_NOT_EXIST', `Path (${path}) doesn't exist.`)
  }

  private requireUniqueName(name: string, parent: string, except?: string): void {
    if (this.list().some((a) => a.id !== except && a.parent_path === parent && a.display_name === name)) {
      throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `An alert named '${name}' already exists in ${parent}.`)
    }
  }
}

/**
 * The state an evaluation gives: the source column's value (first row, or aggregated over every row)
 * against the threshold (a value, or another column of the result); an empty result gives the
 * empty-result state, UNKNOWN unless set; a missing column or a non-numeric value against a number is
 * an ERROR; a NULL compared with a threshold is not a breach.
 */
export function evaluateResult(evaluation: AlertInput['evaluation'], columns: string[], rows: Array<Array<string | null>>): EvaluationState {
  if (rows.length === 0) return evaluation.empty_result_state ?? 'UNKNOWN'
  const valueOf = (operand: z.infer<typeof column>): string | number | null => {
    const index = columns.indexOf(operand.name)
    if (index < 0) throw new Error(`the query result has no column ${operand.name}`)
    const values = rows.map((r) => r[index])
    return operand.aggregation ? aggregate(operand.aggregation, values) : values[0]
  }
  let observed: string | number | null
  let threshold: string | number | boolean | null = null
  try {
    observed = valueOf(evaluation.source)
    const t = evaluation.threshold
    if (t?.column) threshold = valueOf(t.column)
    else if (t?.value) threshold = t.value.double_value ?? t.value.string_value ?? t.value.bool_value ?? null
  } catch {
    return 'ERROR'
  }
  const op = evaluation.comparison_operator
  if (op === 'IS_NULL') return observed === null ? 'TRIGGERED' : 'OK'
  if (op === 'IS_NOT_NULL') return observed !== null ? 'TRIGGERED' : 'OK'
  if (observed === null || threshold === null) return 'OK'
  let a: string | number = observed
  let b: string | number = typeof threshold === 'boolean' ? String(threshold) : threshold
  if (typeof b === 'number' || typeof a === 'number') {
    a = Number(a)
    b = Number(b)
    if (Number.isNaN(a) || Number.isNaN(b)) return 'ERROR'
  }
  const met = {
    EQUAL: a === b,
    NOT_EQUAL: a !== b,
    GREATER_THAN: a > b,
    GREATER_THAN_OR_EQUAL: a >= b,
    LESS_THAN: a < b,
    LESS_THAN_OR_EQUAL: a <= b,
  }[op]
  return met ? 'TRIGGERED' : 'OK'
}

function aggregate(kind: (typeof AGGREGATIONS)[number], values: Array<string | null>): number | null {
  const present = values.filter((v): v is string => v !== null)
  if (kind === 'COUNT') return present.length
  if (kind === 'COUNT_DISTINCT') return new Set(present).size
  const numbers = present.map(Number)
  if (numbers.some(Number.isNaN)) throw new Error('a non-numeric value cannot be aggregated')
  if (!numbers.length) return null
  const sum = numbers.reduce((s, v) => s + v, 0)
  const sorted = [...numbers].sort((x, y) => x - y)
  const mean = sum / numbers.length
  switch (kind) {
    case 'SUM':
      return sum
    case 'AVG':
      return mean
    case 'MIN':
      return sorted[0]
    case 'MAX':
      return sorted.at(-1)!
    case 'MEDIAN': {
      const mid = Math.floor(sorted.length / 2)
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
    case 'STDDEV':
      return numbers.length < 2 ? null : Math.sqrt(numbers.reduce((s, v) => s + (v - mean) ** 2, 0) / (numbers.length - 1))
  }
}

function stripOutput(evaluation: Alert['evaluation']): AlertInput['evaluation'] {
  const {state: _state, last_evaluated_at: _at, ...rest} = evaluation
  return rest
}

function getPath(object: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), object)
}

function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = object
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  if (value === undefined) delete node[keys.at(-1)!]
  else node[keys.at(-1)!] = value
}
