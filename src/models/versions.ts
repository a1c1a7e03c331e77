/**
 * The versions of a model with what a promotion decides on: status, aliases (or the workspace
 * registry's stage), the key metrics of each version's MLflow run, creation time, forced promotions.
 */
import pLimit from 'p-limit'

import type {DatabricksClient} from '../databricks/client.js'
import {forcedOf, type ForcedPromotion, tagsByVersion} from './history.js'
import {getModel, isUnityCatalogName, legacyModelVersions, listVersions, runMetrics} from './registry.js'

export interface VersionRow {
  version: number
  status: string | null
  /** Workspace-registry models only (None, Staging, Production, Archived); null in Unity Catalog. */
  stage: string | null
  aliases: string[]
  metrics: Record<string, number>
  run_id: string | null
  created_at: number | null
  /** Promoted past the guardrail: why, by whom, when. */
  forced: ForcedPromotion | null
}

export interface VersionsResult {
  model: string
  versions: VersionRow[]
}

type Listed = Omit<VersionRow, 'metrics'>

export async function modelVersions(client: DatabricksClient, model: string): Promise<VersionsResult> {
  const listed = isUnityCatalogName(model) ? await unityCatalogVersions(client, model) : await workspaceRegistryVersions(client, model)
  const limit = pLimit(8)
  const rows = await Promise.all(listed.map((v) => limit(async (): Promise<VersionRow> => ({...v, metrics: v.run_id ? (await runMetrics(client, v.run_id)).metrics : {}}))))
  return {model, versions: rows.sort((a, b) => b.version - a.version)}
}

async function unityCatalogVersions(client: DatabricksClient, model: string): Promise<Listed[]> {
  const [info, versions, tags] = await Promise.all([getModel(client, model), listVersions(client, model), tagsByVersion(client, model)])
  const aliases = info.aliases ?? []
  return versions.map((v) => ({
    version: Number(v.version),
    status: v.status ?? null,
    stage: null,
    aliases: aliases.filter((a) => a.version_num === Number(v.version)).map((a) => a.alias_name).sort(),
    run_id: v.run_id ?? null,
    created_at: v.created_at ?? null,
    forced: forcedOf(tags.get(Number(v.version))),
  }))
}

/** Databricks' workspace registry has no aliases; an MLflow tracking server's registry has, and they are shown. */
async function workspaceRegistryVersions(client: DatabricksClient, model: string): Promise<Listed[]> {
  const {model: info, versions} = await legacyModelVersions(client, model)
  const aliases = info.aliases ?? []
  return versions.map((v) => ({
    version: Number(v.version),
    status: v.status ?? null,
    stage: v.current_stage ?? null,
    aliases: aliases.filter((a) => a.version === v.version).map((a) => a.alias).sort(),
    run_id: v.run_id ?? null,
    created_at: v.creation_timestamp ?? null,
    // The search answers with each version's tags.
    forced: forcedOf(Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value]))),
  }))
}
