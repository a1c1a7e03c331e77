/**
 * Waiting for a remote state (a run to be RUNNING, an endpoint update to finish): polls with backoff
 * (100 ms doubling to 2 s), reports each state change once, and gives up with exit 8 at the deadline.
 */
import {WaitTimeoutError} from '../errors.js'
import type {DatabricksClient} from './client.js'

export interface WaitSpec {
  timeoutSeconds: number
  /** An overall deadline shared with earlier waits (default: timeoutSeconds from now). */
  deadline?: number
  /** What is awaited, for the timeout message: "gold to run". */
  what: string
  hint?: string
  onState?: (state: string) => void
}

/** One look at the remote state: its name, and the result once the wait is over (throw to fail it). */
export type Check<T> = () => Promise<{state: string; done?: T}>

export async function waitUntil<T>(client: DatabricksClient, options: WaitSpec, check: Check<T>): Promise<T> {
  const deadline = options.deadline ?? Date.now() + options.timeoutSeconds * 1000
  let last: string | undefined
  for (let attempt = 0; ; attempt++) {
    const {state, done} = await check()
    if (state !== last) options.onState?.(state)
    last = state
    if (done !== undefined) return done
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(`Timed out after ${options.timeoutSeconds}s waiting for ${options.what} (last state ${state}).`, {hint: options.hint})
    }
    await client.sleep(Math.min(2000, 100 * 2 ** attempt, Math.max(0, deadline - Date.now())))
  }
}
