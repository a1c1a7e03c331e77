/**
 * How the local workspace "runs the same job" as Databricks: a task's `spark_python_task.python_file`
 * names a PySpark runner under the workspace folder (`.../pyspark/silver.py`); here its basename picks a
 * built-in executor that does the same work on DuckDB. Other modules add executors with
 * registerExecutor (the streaming layers do; the model trainer registers `train.py`).
 */
import path from 'node:path'

import type {LocalServices} from '../services.js'
import type {JobSettings, TaskSettings} from './settings.js'

export interface TaskContext {
  /** The job as the run started (a snapshot: later settings changes apply to later runs). */
  job: {job_id: number | null; settings: JobSettings}
  run: {run_id: number; task_key: string; trigger: string}
  task: TaskSettings
  /**
   * `--name value` pairs of `spark_python_task.parameters`, keyed without the dashes
   * (`--trigger-seconds 1` -> `trigger-seconds: '1'`), with `{{job.parameters.x}}` references resolved.
   */
  parameters: Readonly<Record<string, string>>
  /** The run's job parameters: the job's defaults overridden by run-now's `job_parameters`. */
  jobParameters: Readonly<Record<string, string>>
  /** Aborted when the run is cancelled, paused, timed out or the workspace stops. */
  signal: AbortSignal
  services: LocalServices
  /** One line in the workspace log, prefixed with the run and task. */
  log(line: string): void
}

/**
 * Runs one task. Resolving means SUCCESS; throwing means FAILED with the error's message (the run's
 * state_message becomes "Task <key> failed with message: <message>."). A continuous task loops until
 * `ctx.signal` aborts and then returns (the run ends CANCELED). Executors must react to the signal
 * promptly: the run stays TERMINATING until they return.
 */
export interface TaskExecutor {
  run(ctx: TaskContext): Promise<void>
}

const registry = new Map<string, TaskExecutor>()

/** Registers (or replaces) the executor of a python file by its basename, e.g. `train.py`. */
export function registerExecutor(file: string, executor: TaskExecutor): void {
  if (file !== path.posix.basename(file) || !file.endsWith('.py')) throw new Error(`register executors by a .py basename, got '${file}'`)
  registry.set(file, executor)
}

/** The executor for a task's python file (any path; its basename decides), or undefined. */
export function executorFor(pythonFile: string): TaskExecutor | undefined {
  return registry.get(path.posix.basename(pythonFile))
}

export function registeredExecutors(): string[] {
  return [...registry.keys()].sort()
}
