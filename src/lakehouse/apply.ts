/**
 * Applies a plan in dependency order: catalog, schemas (and folders), tables and files, grants and
 * reference data, jobs. Independent actions of a phase run concurrently (bounded). A failure stops
 * before the next phase; whatever was applied stays, and the next run converges from there.
 */
import pLimit from 'p-limit'

import {asLakectlError, InterruptedError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {type PlannedAction, PHASES} from './plan.js'

export interface ApplyProgress {
  (done: number, total: number, action: PlannedAction): void
}

export async function applyPlan(client: DatabricksClient, actions: PlannedAction[], concurrency: number, progress?: ApplyProgress): Promise<PlannedAction[]> {
  const limit = pLimit(concurrency)
  const changes = actions.filter((a) => a.apply)
  const phases = [...new Set(changes.map((a) => PHASES[a.object_type]))].sort((a, b) => a - b)
  let done = 0
  let failed = false
  for (const action of actions) action.outcome = action.action === 'blocked' ? 'blocked' : action.apply ? 'skipped' : 'unchanged'
  for (const phase of phases) {
    if (failed) break
    await Promise.all(
      changes
        .filter((a) => PHASES[a.object_type] === phase)
        .map((action) =>
          limit(async () => {
            try {
              await action.apply!(client)
              action.outcome = 'applied'
            } catch (error) {
              if (error instanceof InterruptedError) throw error
              action.outcome = 'failed'
              action.error = asLakectlError(error).message
              failed = true
            }
            progress?.(++done, changes.length, action)
          }),
        ),
    )
  }
  return actions
}
