/**
 * Guarded promotion of a model version to an alias (champion by default): the version must be READY,
 * its metric must beat the alias's current holder (both read from their MLflow runs) unless forced with
 * a reason, the previous holder is recorded for rollback, and the serving endpoint is rolled forward;
 * if that fails, the alias is put back. `confirm` is asked right before the first change, once the
 * checks have passed. Every move of a Unity Catalog alias is recorded in the model's history
 * (history.ts); a forced promotion records why, who and when on the version.
 *
 * A workspace-registry model (a name without dots) has stages instead of aliases: the alias names the
 * stage (champion: Production, challenger: Staging) and the same steps run on it.
 *
 * A rollback moves only the alias it rolls back (and `<alias>_previous`): other aliases, challenger
 * among them, are the training's and the user's to move. Those that still point at the rolled-back
 * version are reported (`still_pointing`), because promoting them would bring that version back.
 */
import {CheckFailedError, LakectlError, UsageError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {
  assertAliasName, deleteAlias, getVersion, isUnityCatalogName, legacyGetVersion, legacyLatest, legacySetTag, legacyTransition, type LegacyVersion,
  type ModelVersion, runMetrics, setAlias, setVersionTag, tagOf, versionByAlias,
} from './registry.js'
import {type AliasMove, currentUser, FORCED_TAGS, recordMove} from './history.js'
import {type InferenceTableConfig, serveVersion, servingUnavailable} from './serving.js'

/** A candidate's live metrics: those that breach a limit, and whether it has served enough to be judged. */
export interface LiveCheck {
  judged: boolean
  breaches: Array<{metric: string; observed: number | null; limit: number | null}>
}

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
  /** Where the endpoint logs its requests when lakectl creates it (report model reads them). */
  inferenceTable?: InferenceTableConfig
  /** The live metrics of a version that served before (a re-promotion): a breach refuses the promotion. */
  liveCheck?: (version: number) => Promise<LiveCheck>
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
  /** The workspace-registry stage the alias stands for (models without dots only). */
  stage?: string
  version: number
  previous_version: number | null
  /** promoted, forced (guardrail overridden), unchanged (already held the alias), rolled_back */
  outcome: 'promoted' | 'forced' | 'unchanged' | 'rolled_back'
  comparison: Comparison | null
  /** The candidate's live metrics that breach a limit (a forced re-promotion), when it served before. */
  live_breaches?: LiveCheck['breaches']
  served: boolean
  endpoint: string | null
  /** What was left out and why (the host has no Model Serving), or null. */
  skipped: string | null
  reason?: string
  /** After a rollback: other aliases that still point at the version rolled back from. */
  still_pointing?: string[]
}

export const previousAlias = (alias: string) => `${alias}_previous`
/** On a workspace-registry version: the version it replaced in its stage ('' when none), for rollback. */
export const PREVIOUS_VERSION_TAG = 'lakectl.promotion.previous_version'

interface Candidate {
  version: number
  status?: string
  run_id?: string
  /** Unity Catalog: the aliases that point at it. */
  aliases?: string[]
  /** Workspace registry: the stage it is in, and the version it replaced there (its tag). */
  stage?: string
  replaced?: number
}

/** Where a promoted version is held: a Unity Catalog alias, or the workspace-registry stage it stands for. */
interface Slot {
  readonly stage?: string
  /** How a confirmation names it: the alias, and the stage it stands for. */
  readonly label: string
  /** The version asked for: by number, or the holder of another alias. */
  candidate(version: number | undefined, fromAlias: string | undefined): Promise<Candidate>
  holder(): Promise<Candidate | undefined>
  /** The version that held the slot before `current` (as recorded by promote and rollback). */
  previous(current: Candidate | undefined): Promise<number | undefined>
  /** Puts `candidate` in the slot (the holder leaves it). */
  move(candidate: Candidate): Promise<void>
  /** Undoes move(candidate) (after a failed endpoint update): the slot goes back to `holder`. */
  restore(client: DatabricksClient, candidate: Candidate, holder: Candidate | undefined): Promise<void>
  /** Records which version `holder` replaced, for the next rollback. */
  recordPrevious(holder: Candidate, previous: number | null): Promise<void>
  tag(version: number, key: string, value: string): Promise<void>
  /** Records a move in the model's history (Unity Catalog: lakectl model history). */
  record(move: AliasMove): Promise<void>
}

function slotOf(client: DatabricksClient, model: string, alias: string): Slot {
  assertAliasName(alias)
  return isUnityCatalogName(model) ? aliasSlot(client, model, alias) : stageSlot(client, model, alias)
}

export async function promote(client: DatabricksClient, request: PromoteRequest): Promise<PromoteResult> {
  const slot = slotOf(client, request.model, request.alias)
  if (request.force && !request.reason?.trim()) throw new UsageError('--force needs --reason: it is recorded on the version.', {hint: '--force --reason "why this version must win"'})
  if ((request.version === undefined) === (request.fromAlias === undefined)) {
    throw new UsageError('Say which version to promote: --version N or --from-alias NAME (one of them).', {hint: `lakectl model promote ${request.model} --from-alias challenger`})
  }

  const candidate = await slot.candidate(request.version, request.fromAlias)
  const {version} = candidate
  if (candidate.status !== 'READY') {
    throw new CheckFailedError(`Version ${version} of ${request.model} is ${candidate.status ?? 'not READY'}: only READY versions can be served.`, {code: 'VERSION_NOT_READY'})
  }
  const holder = await slot.holder()
  const base = {model: request.model, alias: request.alias, ...(slot.stage ? {stage: slot.stage} : {}), version}
  if (holder?.version === version) {
    return {...base, previous_version: version, outcome: 'unchanged', comparison: null, served: false, endpoint: null, skipped: null}
  }
  const live = request.liveCheck ? await request.liveCheck(version) : undefined
  if (live?.judged && live.breaches.length && !request.force) {
    const list = live.breaches.map((b) => `${b.metric} ${b.observed ?? 'n/a'} (limit ${b.limit ?? 'n/a'})`).join('; ')
    throw new CheckFailedError(`Version ${version} served before and its live metrics breach the limits of monitoring.model: ${list}. Nothing was changed.`, {
      code: 'LIVE_METRICS_BREACHED',
      hint: `lakectl report model --since 168   (then, if it must: lakectl model promote ${request.model} --version ${version} --force --reason "...")`,
      details: {breaches: live.breaches},
    })
  }
  const comparison = await compare(client, candidate, holder, request.metric, request.minImprovement)
  const worse = comparison.candidate === null || (comparison.current !== null && comparison.delta! < request.minImprovement) || Boolean(live?.breaches.length)
  if (worse && !request.force) {
    throw new CheckFailedError(refusal(request, version, holder, comparison), {
      code: 'PROMOTION_REFUSED',
      hint: `lakectl model promote ${request.model} --version ${version}${request.alias === 'champion' ? '' : ` --alias ${request.alias}`} --force --reason "..."   (records the reason on the version)`,
      details: {comparison},
    })
  }

  const skipped = request.serve ? await servingUnavailable(client, request.endpoint) : undefined
  const serve = request.serve && skipped === undefined
  const previous = holder?.version ?? null
  await request.confirm?.(`Move ${slot.label} of ${request.model} from ${previous === null ? 'no version' : `version ${previous}`} to version ${version}${worse ? ' (forced)' : ''}${serve ? ` and serve it on ${request.endpoint}` : ''}`)
  const user = await currentUser(client)
  const at = new Date().toISOString()
  await slot.move(candidate)
  if (serve) {
    try {
      await serveVersion(client, request.endpoint, request.model, version, request.timeoutSeconds, request.onState, request.inferenceTable)
    } catch (error) {
      // The endpoint still serves the old version: put the alias back so both agree, then fail.
      await slot.restore(client.detached(), candidate, holder)
      throw wrap(error, `The ${slot.stage ? `stage ${slot.stage}` : `alias ${request.alias}`} was put back on ${previous === null ? 'no version' : `version ${previous}`}.`)
    }
  }
  await slot.recordPrevious(candidate, previous)
  // Recorded once the move holds (a failed serving update puts the alias back and records nothing).
  if (worse) {
    await slot.tag(version, FORCED_TAGS.reason, request.reason!.trim())
    await slot.tag(version, FORCED_TAGS.by, user ?? 'unknown')
    await slot.tag(version, FORCED_TAGS.at, at)
  }
  await slot.record({at, alias: request.alias, from: previous, to: version, action: worse ? 'force' : 'promote', reason: worse ? request.reason!.trim() : null, user})
  return {
    ...base,
    previous_version: previous,
    outcome: worse ? 'forced' : 'promoted',
    comparison,
    served: serve,
    endpoint: serve ? request.endpoint : null,
    skipped: skipped ?? null,
    ...(worse ? {reason: request.reason!.trim()} : {}),
    ...(live?.breaches.length ? {live_breaches: live.breaches} : {}),
  }
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
  const slot = slotOf(client, request.model, request.alias)
  const current = await slot.holder()
  const previous = await slot.previous(current)
  if (previous === undefined) {
    const where = slot.stage ? `version ${current?.version ?? '(none)'} in stage ${slot.stage} has no ${PREVIOUS_VERSION_TAG} tag` : `it has no '${previousAlias(request.alias)}' alias`
    throw new LakectlError(`Nothing to roll back to: ${request.model} has no previous ${request.alias} recorded (${where}; lakectl model promote records it).`, {
      code: 'NO_PREVIOUS_VERSION',
      hint: `lakectl model versions ${request.model}`,
    })
  }
  const target = await slot.candidate(previous, undefined)
  const skipped = request.serve ? await servingUnavailable(client, request.endpoint) : undefined
  const serve = request.serve && skipped === undefined
  await request.confirm?.(`Move ${slot.label} of ${request.model} back from ${current ? `version ${current.version}` : 'no version'} to version ${target.version}${serve ? ` and serve it on ${request.endpoint}` : ''}`)
  const user = await currentUser(client)
  const at = new Date().toISOString()
  await slot.move(target)
  if (serve) {
    try {
      await serveVersion(client, request.endpoint, request.model, target.version, request.timeoutSeconds, request.onState)
    } catch (error) {
      await slot.restore(client.detached(), target, current)
      throw wrap(error, `The ${slot.stage ? `stage ${slot.stage}` : `alias ${request.alias}`} was put back on version ${current?.version ?? 'none'}.`)
    }
  }
  await slot.recordPrevious(target, current?.version ?? null)
  await slot.record({at, alias: request.alias, from: current?.version ?? null, to: target.version, action: 'rollback', reason: null, user})
  const ownAliases = new Set([request.alias, previousAlias(request.alias)])
  return {
    model: request.model,
    alias: request.alias,
    ...(slot.stage ? {stage: slot.stage} : {}),
    version: target.version,
    previous_version: current?.version ?? null,
    outcome: 'rolled_back',
    comparison: null,
    served: serve,
    endpoint: serve ? request.endpoint : null,
    skipped: skipped ?? null,
    still_pointing: (current?.aliases ?? []).filter((a) => !ownAliases.has(a)).sort(),
  }
}

/** Unity Catalog: the alias itself; the previous holder is the alias `<alias>_previous`. */
function aliasSlot(client: DatabricksClient, model: string, alias: string): Slot {
  const fromUc = (v: ModelVersion): Candidate => ({version: Number(v.version), status: v.status, run_id: v.run_id, aliases: (v.aliases ?? []).map((a) => a.alias_name)})
  const holderOf = async (name: string) => {
    const version = await versionByAlias(client, model, name)
    return version && fromUc(version)
  }
  return {
    label: alias,
    async candidate(version, fromAlias) {
      if (version !== undefined) return fromUc(await getVersion(client, model, version))
      const held = await holderOf(assertAliasName(fromAlias!))
      if (!held) throw new LakectlError(`Alias '${fromAlias}' of ${model} points to no version.`, {code: 'ALIAS_NOT_FOUND', hint: `lakectl model versions ${model}`})
      return held
    },
    holder: () => holderOf(alias),
    previous: async () => (await holderOf(previousAlias(alias)))?.version,
    move: (candidate) => setAlias(client, model, alias, candidate.version),
    restore: (restoreClient, _candidate, holder) => (holder ? setAlias(restoreClient, model, alias, holder.version) : deleteAlias(restoreClient, model, alias)),
    recordPrevious: (_holder, previous) => (previous === null ? deleteAlias(client, model, previousAlias(alias)) : setAlias(client, model, previousAlias(alias), previous)),
    tag: (version, key, value) => setVersionTag(client, model, version, key, value),
    record: (move) => recordMove(client, model, move),
  }
}

const STAGE_OF_ALIAS: Record<string, string> = {champion: 'Production', challenger: 'Staging'}

/**
 * Workspace registry: the stage the alias stands for. A transition archives the stage's holder; the
 * version it replaced is recorded as a tag on the new holder (the registry has no aliases to keep it).
 * The transition passes a comment, which Databricks records with it.
 */
function stageSlot(client: DatabricksClient, model: string, alias: string): Slot {
  const stage = STAGE_OF_ALIAS[alias]
  if (!stage) throw new UsageError(`The workspace registry has stages, not aliases: use --alias champion (Production) or challenger (Staging).`, {code: 'INVALID_ALIAS'})
  const fromLegacy = (v: LegacyVersion): Candidate => {
    const replaced = tagOf(v, PREVIOUS_VERSION_TAG)
    return {version: Number(v.version), status: v.status, run_id: v.run_id, stage: v.current_stage, ...(replaced ? {replaced: Number(replaced)} : {})}
  }
  const transition = (on: DatabricksClient, version: number, to: string, archiveExisting: boolean) =>
    legacyTransition(on, model, version, to, `lakectl model promote (${alias})`, archiveExisting)
  return {
    stage,
    label: `${alias} (stage ${stage})`,
    async candidate(version, fromAlias) {
      if (version !== undefined) return fromLegacy(await legacyGetVersion(client, model, version))
      const fromStage = STAGE_OF_ALIAS[fromAlias!]
      if (!fromStage) throw new UsageError(`The workspace registry has stages, not aliases: use --from-alias challenger (Staging) or champion (Production).`, {code: 'INVALID_ALIAS'})
      const held = await legacyLatest(client, model, fromStage)
      if (!held) throw new LakectlError(`No version of ${model} is in stage ${fromStage}.`, {code: 'ALIAS_NOT_FOUND', hint: `lakectl model versions ${model}`})
      return fromLegacy(held)
    },
    holder: async () => {
      const held = await legacyLatest(client, model, stage)
      return held && fromLegacy(held)
    },
    previous: async (current) => current?.replaced,
    move: (candidate) => transition(client, candidate.version, stage, true),
    async restore(restoreClient, candidate, holder) {
      await transition(restoreClient, candidate.version, candidate.stage ?? 'None', false)
      if (holder) await transition(restoreClient, holder.version, stage, false)
    },
    recordPrevious: (holder, previous) => legacySetTag(client, model, holder.version, PREVIOUS_VERSION_TAG, previous === null ? '' : String(previous)),
    tag: (version, key, value) => legacySetTag(client, model, version, key, value),
    // The registry keeps the stage transitions itself; lakectl model history reads Unity Catalog models.
    record: async () => {},
  }
}

async function compare(client: DatabricksClient, candidate: Candidate, holder: Candidate | undefined, metric: string, minImprovement: number): Promise<Comparison> {
  const [mine, theirs] = await Promise.all([metricOf(client, candidate, metric), holder ? metricOf(client, holder, metric) : Promise.resolve(null)])
  return {metric, candidate: mine, current: theirs, min_improvement: minImprovement, delta: mine !== null && theirs !== null ? round(mine - theirs) : null}
}

async function metricOf(client: DatabricksClient, version: {run_id?: string}, metric: string): Promise<number | null> {
  if (!version.run_id) return null
  const value = (await runMetrics(client, version.run_id)).metrics[metric]
  return typeof value === 'number' ? value : null
}

function refusal(request: PromoteRequest, version: number, holder: Candidate | undefined, c: Comparison): string {
  if (c.candidate === null) return `Version ${version} has no '${c.metric}' metric in its MLflow run: cannot compare it with the ${request.alias}.`
  return `Version ${version} does not beat the ${request.alias} (version ${holder?.version}): ${c.metric} ${fmt(c.candidate)} vs ${fmt(c.current)} (delta ${fmt(c.delta)}, required at least ${fmt(request.minImprovement)}). Nothing was changed.`
}

function wrap(error: unknown, note: string): LakectlError {
  const failure = error instanceof LakectlError ? error : new LakectlError(String(error))
  return new LakectlError(`${failure.message} ${note}`, {code: failure.code, kind: failure.kind, hint: 'lakectl model versions, then retry the promotion'})
}

const round = (n: number) => Math.round(n * 1e6) / 1e6
const fmt = (n: number | null) => (n === null ? 'n/a' : n.toFixed(4))
