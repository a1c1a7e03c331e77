/** Test executors (registered in this process, where the in-process server runs) and job builders. */
import {registerExecutor} from '../../src/local/jobs/executors.js'
import type {TestServer} from '../local/harness.js'

export const JOBS = '/api/2.2/jobs'
/** Fast life cycles: a short PENDING, continuous restarts after 100 ms doubling to 800 ms. */
export const JOB_LIMITS = {runSetupMs: 30, continuousRestartBaseMs: 100, continuousRestartMaxMs: 800}

const failures = new Map<string, number>()

registerExecutor('test_ok.py', {
  async run(ctx) {
    ctx.log(`ok with ${JSON.stringify(ctx.parameters)}`)
  },
})
registerExecutor('test_fail.py', {
  async run() {
    throw new Error('boom')
  },
})
/** Loops until cancelled, as a streaming task does. */
registerExecutor('test_loop.py', {
  async run(ctx) {
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), {once: true}))
  },
})
/** Fails its first --fail-times runs (counted per --key), then loops. */
registerExecutor('test_flaky.py', {
  async run(ctx) {
    const key = ctx.parameters.key
    const failed = failures.get(key) ?? 0
    if (failed < Number(ctx.parameters['fail-times'])) {
      failures.set(key, failed + 1)
      throw new Error(`flaky failure ${failed + 1}`)
    }
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), {once: true}))
  },
})

export function task(file: string, parameters: string[] = [], key = 'main'): Record<string, unknown> {
  return {task_key: key, spark_python_task: {python_file: `/Shared/lakectl/pyspark/${file}`, parameters}}
}

export function jobSettings(name: string, file: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {name, tasks: [task(file)], ...extra}
}

export async function createJob(server: TestServer, settings: Record<string, unknown>, prefix = JOBS): Promise<number> {
  return (await server.ok('POST', `${prefix}/create`, settings)).job_id
}

export async function getRun(server: TestServer, runId: number): Promise<any> {
  return server.ok('GET', `${JOBS}/runs/get?run_id=${runId}`)
}

export async function runs(server: TestServer, jobId: number, query = ''): Promise<any[]> {
  return (await server.ok('GET', `${JOBS}/runs/list?job_id=${jobId}&limit=25${query}`)).runs ?? []
}

/** Polls a run until predicate holds. */
export async function runUntil(server: TestServer, runId: number, predicate: (run: any) => boolean, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const run = await getRun(server, runId)
    if (predicate(run)) return run
    if (Date.now() > deadline) throw new Error(`run ${runId} did not reach the expected state: ${JSON.stringify(run.state)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export const terminal = (run: any) => ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(run.state.life_cycle_state)
export const running = (run: any) => run.state.life_cycle_state === 'RUNNING'

/** Polls the job's runs until predicate holds for the list. */
export async function runsUntil(server: TestServer, jobId: number, predicate: (runs: any[]) => boolean, timeoutMs = 10_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const list = await runs(server, jobId)
    if (predicate(list)) return list
    if (Date.now() > deadline) throw new Error(`job ${jobId}'s runs did not reach the expected state: ${JSON.stringify(list.map((r) => [r.run_id, r.trigger, r.state]))}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
