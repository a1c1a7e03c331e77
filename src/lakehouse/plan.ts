/**
 * The plan: one action per managed object (create / update with the fields that differ / unchanged /
 * blocked), each with the dependency phase it belongs to and, for changes, the function that applies it.
 */
import type {DatabricksClient} from '../databricks/client.js'

export type ObjectType = 'catalog' | 'schema' | 'table' | 'volume' | 'view' | 'data' | 'grants' | 'permissions' | 'directory' | 'file' | 'dashboard' | 'job' | 'alert'
export type ActionKind = 'create' | 'update' | 'unchanged' | 'blocked'
export type Outcome = 'applied' | 'failed' | 'skipped' | 'unchanged' | 'blocked'

/** Dependency order of apply: everything in a phase runs concurrently once the phase before it is done. */
export const PHASES = {catalog: 0, schema: 1, directory: 1, permissions: 1, table: 2, volume: 2, file: 2, view: 3, grants: 4, data: 4, dashboard: 4, job: 5, alert: 5} as const satisfies Record<ObjectType, number>

export interface Action {
  object_type: ObjectType
  full_name: string
  action: ActionKind
  /** Human-readable differences: `+ SELECT on schema x to y`, `+ column channel string`, `max_concurrent_runs: 1 -> 2`. */
  diff: string[]
  outcome?: Outcome
  error?: string
}

export interface PlannedAction extends Action {
  apply?: (client: DatabricksClient) => Promise<void>
}

export interface PlanSummary {
  create: number
  update: number
  unchanged: number
  blocked: number
}

export function summarize(actions: readonly Action[]): PlanSummary {
  const count = (kind: ActionKind) => actions.filter((a) => a.action === kind).length
  return {create: count('create'), update: count('update'), unchanged: count('unchanged'), blocked: count('blocked')}
}

export function pendingChanges(actions: readonly Action[]): number {
  return actions.filter((a) => a.action === 'create' || a.action === 'update').length
}

export function unchanged(object_type: ObjectType, full_name: string): PlannedAction {
  return {object_type, full_name, action: 'unchanged', diff: []}
}

/** Serialisable form of an action (the apply function stays behind). */
export function toJson({apply: _apply, ...action}: PlannedAction): Action {
  return action
}
