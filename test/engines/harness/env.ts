/**
 * Where the engines tier finds what test/engines/setup/setup.sh installed: $LAKECTL_ENGINES_CACHE, or
 * .cache/engines at the repository root.
 */
import {existsSync, readdirSync, rmSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const RESOURCES = path.join(REPO_ROOT, 'resources')

export function enginesCache(): string {
  const cache = path.resolve(process.env.LAKECTL_ENGINES_CACHE ?? path.join(REPO_ROOT, '.cache', 'engines'))
  if (!existsSync(path.join(cache, 'venv', '.stamp'))) {
    throw new Error(`the engines cache ${cache} is not set up: run bash test/engines/setup/setup.sh (npm run test:engines does)`)
  }
  return cache
}

/** The set-up's stamps of the venv and the Spark jars: what a product of the cache is made from. */
export function setupStamps(cache: string): string[] {
  return ['venv', 'jars/spark'].map((part) => path.join(cache, part, '.stamp'))
}

/** A program of the tier's Python environment (python, spark-submit, mlflow). */
export function venvBin(name: string): string {
  return path.join(enginesCache(), 'venv', 'bin', name)
}

/** The jars spark-submit gets with --jars: Delta and the Kafka source. */
export function sparkJars(): string[] {
  const dir = path.join(enginesCache(), 'jars', 'spark')
  return readdirSync(dir).filter((f) => f.endsWith('.jar')).sort().map((f) => path.join(dir, f))
}

export function kafkaClasspath(): string {
  return path.join(enginesCache(), 'jars', 'kafka', '*')
}

/** PATH with the venv first: spark-submit starts `python` from PATH. */
export function venvEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${path.join(enginesCache(), 'venv', 'bin')}:${process.env.PATH ?? ''}`,
    PYSPARK_PYTHON: venvBin('python'),
    PYSPARK_DRIVER_PYTHON: venvBin('python'),
    // No __pycache__ beside the runners (bootstrap uploads resources/pyspark as it is).
    PYTHONDONTWRITEBYTECODE: '1',
    // Databricks clusters run in UTC; PySpark turns timestamps into datetimes in the process's zone.
    TZ: 'UTC',
    ...extra,
  }
}

/** Removes a test's scratch folder, unless LAKECTL_ENGINES_KEEP is set (to look at logs and tables). */
export function removeScratch(dir: string): void {
  if (process.env.LAKECTL_ENGINES_KEEP) console.error(`kept ${dir}`)
  else rmSync(dir, {recursive: true, force: true})
}
