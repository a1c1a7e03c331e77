/**
 * Job parameters and task arguments: run-now's job_parameters over the job's defaults, Databricks'
 * dynamic value references (`{{job.parameters.x}}`, `{{job.id}}`, `{{job.run_id}}`, `{{task.name}}`)
 * in a task's arguments, and `--name value` arguments read as named parameters.
 */
import {invalidParameter} from '../http/errors.js'
import type {JobSettings} from './settings.js'

/** The job's parameter defaults with the given overrides; a name the job does not define is refused. */
export function resolveJobParameters(settings: JobSettings, overrides: Record<string, string> = {}): Record<string, string> {
  const defaults = Object.fromEntries((settings.parameters ?? []).map((parameter) => [parameter.name, parameter.default]))
  for (const name of Object.keys(overrides)) {
    if (!(name in defaults)) throw invalidParameter(`Job parameter '${name}' is not defined by the job (its parameters: ${Object.keys(defaults).join(', ') || 'none'}).`)
  }
  return {...defaults, ...overrides}
}

export interface ReferenceValues {
  jobId: number | null
  runId: number
  taskKey: string
  jobParameters: Record<string, string>
}

/** Replaces the dynamic value references Databricks resolves in task arguments; others stay as written. */
export function resolveReferences(text: string, values: ReferenceValues): string {
  return text.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (reference, name: string) => {
    if (name.startsWith('job.parameters.')) return values.jobParameters[name.slice('job.parameters.'.length)] ?? reference
    if (name === 'job.id') return values.jobId === null ? reference : String(values.jobId)
    if (name === 'job.run_id' || name === 'task.run_id') return String(values.runId)
    if (name === 'task.name') return values.taskKey
    return reference
  })
}

/** `--catalog x --trigger-seconds 1 --flag` -> {catalog: 'x', 'trigger-seconds': '1', flag: ''}. */
export function namedArguments(args: readonly string[]): Record<string, string> {
  const named: Record<string, string> = {}
  for (let i = 0; i < args.length; i++) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(args[i])
    if (!match) continue
    if (match[2] !== undefined) named[match[1]] = match[2]
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) named[match[1]] = args[++i]
    else named[match[1]] = ''
  }
  return named
}
