/**
 * Guarded promotion of a model version to an alias (champion by default): the version must be READY,
 * its metric must beat the alias's current holder (both read from their MLflow runs) unless forced with
 * a reason, the previous holder is recorded (alias `<alias>_previous`) for rollback, and the serving
 * endpoint is rolled forward; if that fails, the alias is put back. Every move is recorded in the model's
 * history (history.ts). `confirm` is asked right before the first change, once the checks have passed.
 *
 * A rollback moves only the alias it rolls back (and `<alias>_previous`): other aliases, challenger
 * among them, are the training's and the user's to move. Those that still point at the rolled-back
 * version are reported (`still_pointing`), because promoting them would bring that version back.
 */
import {CheckFailedError, LakectlError, UsageError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {
  assertAliasName, deleteAlias, getVersion, legacyGetVersion, legacyLatest, legacySetTag, legacyTransition, type ModelVersion,
  runMetrics, setAlias, setVersionTag, versionByAlias,
} from './registry.js'
import {currentUser, FORCED_TAGS, recordMove} from './history.js'
import {serveVersion} from './serving.js'

/** Asked before anything changes, with what will change; it throws to cancel. */
export type Confirm = (change: string) => Promise<void>

export interface PromoteRequest {
  model: string
  alias: string
  version?: number
  fromAlias?: string
  metric: string
  minImprovement: number
  force: boolean
  reason?: string
  serve: boolean
  endpoint: string
  timeoutSeconds: number
  onState?: (state: string) => void
  confirm?: Confirm
}

export interface Comparison {
  metric: string
  candidate: number | null
  current: number | null
  min_improvement: number
  /** candidate - current, when both are known. */
  delta: number | null
}

export interface PromoteResult {
  model: string
  alias: string
  version: number
  previous_version: number | null
  /** promoted, forced (guardrail overridden), unchanged (already held the alias), rolled_back */
  outcome: 'promoted' | 'forced' | 'unchanged' | 'rolled_back'
  comparison: Comparison | null
  served: boolean
  endpoint: string | null
  reason?: string
  /** After a rollback: other aliases that still point at the version rolled back from. */
  still_pointing?: string[]
}

export const previousAlias = (alias: string) => `${alias}_previous`

export async function promote(client: DatabricksClient, request: PromoteRequest): Promise<PromoteResult> {
  assertAliasName(request.alias)
  if (request.force && !request.reason?.trim()) throw new UsageError('--force needs --reason: it is recorded on the version.', {hint: '--force --reason "why this version must win"'})
  if ((request.version === undefined) === (request.fromAlias === undefined)) {
    throw new UsageError('Say which version to promote: --version N or --from-alias NAME (one of them).', {hint: 'lakectl model promote --from-alias challenger'})
  }
  if (!request.model.includes('.')) return promoteLegacy(client, request)

  const candidate = request.fromAlias !== undefined ? await versionByAlias(client, request.model, assertAliasName(request.fromAlias)) : await getVersion(client, request.model, request.version!)
  if (!candidate) throw new LakectlError(`Alias '${request.fromAlias}' of ${request.model} points to no version.`, {code: 'ALIAS_NOT_FOUND', hint: `lakectl model versions ${request.model}`})
  const version = Number(candidate.version)
  if (candidate.status !== 'READY') {
    throw new CheckFailedError(`Version ${version} of ${request.model} is ${candidate.status ?? 'not READY'}: only READY versions can be served.`, {code: 'VERSION_NOT_READY'})
  }
  const holder = await versionByAlias(client, request.model, request.alias)
  const base = {model: request.model, alias: request.alias, version, endpoint: request.serve ? request.endpoint : null}
  if (holder && Number(holder.version) === version) {
    return {...base, previous_version: version, outcome: 'unchanged', comparison: null, served: false}
  }
  const comparison = await compare(client, candidate, holder, request.metric, request.minImprovement)
  const worse = comparison.candidate === null || (comparison.current !== null && comparison.delta! < request.minImprovement)
  if (worse && !request.force) {
    throw new CheckFailedError(refusal(request, version, holder, comparison), {
      code: 'PROMOTION_REFUSED',
      hint: `lakectl model promote --version ${version} --force --reason "..."   (records the reason on the version)`,
      details: {comparison},
    })
  }

  const previous = holder ? Number(holder.version) : null
  const serving = request.serve ? ` and serve it on ${request.endpoint}` : ''
  await request.confirm?.(`Move ${request.alias} of ${request.model} from ${previous === null ? 'no version' : `version ${previous}`} to version ${version}${worse ? ' (forced)' : ''}${serving}`)
  const user = await currentUser(client)
  const at = new Date().toISOString()
  await setAlias(client, request.model, request.alias, version)
  if (request.serve) {
    try {
      await serveVersion(client, request.endpoint, request.model, version, request.timeoutSeconds, request.onState)
    } catch (error) {
      // The endpoint still serves the old version: put the alias back so both agree, then fail.
      const restore = client.detached()
      if (previous === null) await deleteAlias(restore, request.model, request.alias)
      else await setAlias(restore, request.model, request.alias, previous)
      throw wrap(error, `The alias ${request.alias} was put back on ${previous === null ? 'no version' : `version ${previous}`}.`)
    }
  }
  if (previous === null) await deleteAlias(client, request.model, previousAlias(request.alias))
  else await setAlias(client, request.model, previousAlias(request.alias), previous)
  // Recorded once the move holds (a failed serving update puts the alias back and records nothing).
  if (worse) {
    await setVersionTag(client, request.model, version, FORCED_TAGS.reason, request.reason!.trim())
    await setVersionTag(client, request.model, version, FORCED_TAGS.by, user ?? 'unknown')
    await setVersionTag(client, request.model, version, FORCED_TAGS.at, at)
  }
  await recordMove(client, request.model, {at, alias: request.alias, from: previous, to: version, action: worse ? 'force' : 'promote', reason: worse ? request.reason!.trim() : null, user})
  return {...base, previous_version: previous, outcome: worse ? 'forced' : 'promoted', comparison, served: request.serve, ...(worse ? {reason: request.reason!.trim()} : {})}
}

export interface RollbackRequest {
  model: string
  alias: string
  serve: boolean
  endpoint: string
  timeoutSeconds: number
  onState?: (state: string) => void
  confirm?: Confirm
}

/** Restores the previous holder of the alias (and the endpoint); the version it replaces becomes the new "previous". */
export async function rollback(client: DatabricksClient, request: RollbackRequest): Promise<PromoteResult> {
  assertAliasName(request.alias)
  if (!request.model.includes('.')) throw new UsageError('Rollback of a workspace-registry model: transition the version back with its stage.', {hint: 'lakectl model promote --version N'})
  const previous = await versionByAlias(client, request.model, previousAlias(request.alias))
  if (!previous) {
    throw new LakectlError(`Nothing to roll back to: ${request.model} has no '${previousAlias(request.alias)}' alias (set by lakectl model promote).`, {code: 'NO_PREVIOUS_VERSION'})
  }
  const current = await versionByAlias(client, request.model, request.alias)
  const target = Number(previous.version)
  await request.confirm?.(`Move ${request.alias} of ${request.model} back from ${current ? `version ${current.version}` : 'no version'} to version ${target}${request.serve ? ` and serve it on ${request.endpoint}` : ''}`)
  const user = await currentUser(client)
  const at = new Date().toISOString()
  await setAlias(client, request.model, request.alias, target)
  if (request.serve) {
    try {
      await serveVersion(client, request.endpoint, request.model, target, request.timeoutSeconds, request.onState)
    } catch (error) {
      const restore = client.detached()
      if (current) await setAlias(restore, request.model, request.alias, Number(current.version))
      throw wrap(error, `The alias ${request.alias} was put back on version ${current?.version ?? 'none'}.`)
    }
  }
  if (current) await setAlias(client, request.model, previousAlias(request.alias), Number(current.version))
  await recordMove(client, request.model, {at, alias: request.alias, from: current ? Number(current.version) : null, to: target, action: 'rollback', reason: null, user})
  const ownAliases = new Set([request.alias, previousAlias(request.alias)])
  const stillPointing = (current?.aliases ?? []).map((a) => a.alias_name).filter((a) => !ownAliases.has(a)).sort()
  return {
    model: request.model,
    alias: request.alias,
    version: target,
    previous_version: current ? Number(current.version) : null,
    outcome: 'rolled_back',
    comparison: null,
    served: request.serve,
    endpoint: request.serve ? request.endpoint : null,
    still_pointing: stillPointing,
  }
}

async function compare(client: DatabricksClient, candidate: ModelVersion, holder: ModelVersion | undefined, metric: string, minImprovement: number): Promise<Comparison> {
  const [mine, theirs] = await Promise.all([metricOf(client, candidate, metric), holder ? metricOf(client, holder, metric) : Promise.resolve(null)])
  return {metric, candidate: mine, current: theirs, min_improvement: minImprovement, delta: mine !== null && theirs !== null ? round(mine - theirs) : null}
}

async function metricOf(client: DatabricksClient, version: {run_id?: string}, metric: string): Promise<number | null> {
  if (!version.run_id) return null
  const value = (await runMetrics(client, version.run_id)).metrics[metric]
  return typeof value === 'number' ? value : null
}

function refusal(request: PromoteRequest, version: number, holder: ModelVersion | undefined, c: Comparison): string {
  if (c.candidate === null) return `Version ${version} has no '${c.metric}' metric in its MLflow run: cannot compare it with the ${request.alias}.`
  return `Version ${version} does not beat the ${request.alias} (version ${holder?.version}): ${c.metric} ${fmt(c.candidate)} vs ${fmt(c.current)} (delta ${fmt(c.delta)}, required at least ${fmt(request.minImprovement)}). Nothing was changed.`
}

function wrap(error: unknown, note: string): LakectlError {
  const failure = error instanceof LakectlError ? error : new LakectlError(String(error))
  return new LakectlError(`${failure.message} ${note}`, {code: failure.code, kind: failure.kind, hint: 'lakectl model versions, then retry the promotion'})
}

const round = (n: number) => Math.round(n * 1e6) / 1e6
const fmt = (n: number | null) => (n === null ? 'n/a' : n.toFixed(4))

/** Workspace registry without Unity Catalog: aliases map to stages (champion -> Production, challenger -> Staging). */
async function promoteLegacy(client: DatabricksClient, request: PromoteRequest): Promise<PromoteResult> {
  const stage = ({champion: 'Production', challenger: 'Staging'} as Record<string, string>)[request.alias]
  if (!stage) throw new UsageError(`The workspace registry has stages, not aliases: use --alias champion (Production) or challenger (Staging).`)
  if (request.version === undefined) throw new UsageError('With the workspace registry, give the version: --version N.')
  const candidate = await legacyGetVersion(client, request.model, request.version)
  if (candidate.status !== 'READY') throw new CheckFailedError(`Version ${request.version} of ${request.model} is ${candidate.status}: only READY versions can be promoted.`, {code: 'VERSION_NOT_READY'})
  const holder = await legacyLatest(client, request.model, stage)
  const base = {model: request.model, alias: request.alias, version: request.version, endpoint: null, served: false}
  if (holder && Number(holder.version) === request.version) return {...base, previous_version: request.version, outcome: 'unchanged', comparison: null}
  const comparison = await compare(client, {...candidate, version: request.version}, holder ? {...holder, version: Number(holder.version)} : undefined, request.metric, request.minImprovement)
  const worse = comparison.candidate === null || (comparison.current !== null && comparison.delta! < request.minImprovement)
  if (worse && !request.force) throw new CheckFailedError(refusal(request, request.version, holder ? {version: Number(holder.version)} : undefined, comparison), {code: 'PROMOTION_REFUSED', details: {comparison}})
  await request.confirm?.(`Move ${request.model} version ${request.version} to ${stage}${holder ? ` (archiving version ${holder.version})` : ''}${worse ? ' (forced)' : ''}`)
  if (worse) await legacySetTag(client, request.model, request.version, 'lakectl.promotion.forced_reason', request.reason!.trim())
  await legacyTransition(client, request.model, request.version, stage, `lakectl model promote (${request.alias})`)
  return {...base, previous_version: holder ? Number(holder.version) : null, outcome: worse ? 'forced' : 'promoted', comparison}
}
