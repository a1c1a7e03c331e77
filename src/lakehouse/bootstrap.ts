/**
 * `lakectl bootstrap`: brings a workspace to exactly what lakectl.yaml describes.
 */
import type {Settings} from '../config/targets.js'
import type {DatabricksClient} from '../databricks/client.js'
import {resolveWarehouse} from '../databricks/warehouses.js'
import {type ApplyProgress, applyPlan} from './apply.js'
import {desiredState} from './desired.js'
import {type Action, pendingChanges, type PlannedAction, type PlanSummary, summarize, toJson} from './plan.js'
import {reconcile} from './reconcile.js'

export interface BootstrapResult {
  target: string
  catalog: string
  /** plan = nothing was changed (--plan, or declined); apply = the changes were applied. */
  mode: 'plan' | 'apply'
  pending: number
  summary: PlanSummary
  failed: number
  actions: Action[]
}

/** Requests in flight at once: bounded, well under the workspace rate limits (reference 8.3). */
export const DEFAULT_CONCURRENCY = 16

export async function planBootstrap(client: DatabricksClient, settings: Settings, concurrency = DEFAULT_CONCURRENCY): Promise<PlannedAction[]> {
  const desired = desiredState(settings.config, settings.target)
  const warehouseId = resolveWarehouse(client, settings.target.warehouse).then((w) => w.id)
  // Not awaited by every path: keep a failure from surfacing as an unhandled rejection.
  warehouseId.catch(() => undefined)
  return reconcile({client, config: settings.config, desired, warehouseId, concurrency})
}

export async function applyBootstrap(
  client: DatabricksClient,
  actions: PlannedAction[],
  concurrency = DEFAULT_CONCURRENCY,
  progress?: ApplyProgress,
): Promise<PlannedAction[]> {
  return applyPlan(client, actions, concurrency, progress)
}

export function bootstrapResult(settings: Settings, actions: PlannedAction[], mode: BootstrapResult['mode']): BootstrapResult {
  return {
    target: settings.target.name,
    catalog: settings.target.catalog,
    mode,
    pending: mode === 'plan' ? pendingChanges(actions) : actions.filter((a) => a.outcome === 'failed' || a.outcome === 'skipped').length,
    summary: summarize(actions),
    failed: actions.filter((a) => a.outcome === 'failed').length,
    actions: actions.map(toJson),
  }
}
