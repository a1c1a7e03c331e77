/**
 * The audit trail of alias moves lakectl makes. Each move is recorded where the model lives, as a tag on
 * the version the alias moved to (`lakectl.move.<epoch ms>`, a small JSON value), so `lakectl model
 * history` and anyone looking at the version in the workspace see the same record, with no other store.
 * Unity Catalog models only: the workspace registry records its own stage transitions.
 */
import pLimit from 'p-limit'

import type {DatabricksClient} from '../databricks/client.js'
import {ApiError} from '../databricks/errors.js'
import {LakectlError} from '../errors.js'
import {listVersions, setVersionTag, versionTags} from './registry.js'

export const MOVE_TAG_PREFIX = 'lakectl.move.'
/** Tags of a forced promotion, on the promoted version. */
export const FORCED_TAGS = {reason: 'lakectl.promotion.forced_reason', by: 'lakectl.promotion.forced_by', at: 'lakectl.promotion.forced_at'} as const
const MAX_REASON = 1000

export interface AliasMove {
  /** RFC 3339. */
  at: string
  alias: string
  from: number | null
  to: number
  action: 'promote' | 'force' | 'rollback'
  reason: string | null
  user: string | null
}

export interface ForcedPromotion {
  reason: string
  by: string | null
  at: string | null
}

/** The identity lakectl acts as (SCIM Me), for the record; null on a host without SCIM (an MLflow server). */
export async function currentUser(client: DatabricksClient): Promise<string | null> {
  try {
    const me = await client.get<{userName?: string}>('/api/2.0/preview/scim/v2/Me')
    return me.userName ?? null
  } catch (error) {
    if (error instanceof ApiError && error.missingApi) return null
    throw error
  }
}

export async function recordMove(client: DatabricksClient, model: string, move: AliasMove): Promise<void> {
  const value = JSON.stringify({...move, reason: move.reason?.slice(0, MAX_REASON) ?? null})
  const key = `${MOVE_TAG_PREFIX}${Date.parse(move.at)}`
  try {
    await setVersionTag(client, model, move.to, key, value)
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error)
    throw new LakectlError(`${move.alias} of ${model} now points to version ${move.to}, but the move could not be recorded in its history: ${cause}`, {
      code: 'HISTORY_NOT_RECORDED',
      hint: `lakectl model history ${model}`,
    })
  }
}

/** Every version's tags (one request per version, eight at a time). */
export async function tagsByVersion(client: DatabricksClient, model: string): Promise<Map<number, Record<string, string>>> {
  const versions = (await listVersions(client, model)).map((v) => Number(v.version))
  const limit = pLimit(8)
  const entries = await Promise.all(
    versions.map((version) =>
      limit(async (): Promise<[number, Record<string, string>]> => {
        const tags = await versionTags(client, model, version)
        return [version, Object.fromEntries(tags.map((t) => [t.key, t.value]))]
      }),
    ),
  )
  return new Map(entries)
}

/** Every recorded move, newest first. */
export function movesOf(tags: Map<number, Record<string, string>>): AliasMove[] {
  const moves: AliasMove[] = []
  for (const versionTags of tags.values()) {
    for (const [key, value] of Object.entries(versionTags)) {
      if (!key.startsWith(MOVE_TAG_PREFIX)) continue
      try {
        moves.push(JSON.parse(value) as AliasMove)
      } catch {
        // A tag someone else wrote under our prefix is not a record of ours.
      }
    }
  }
  return moves.sort((a, b) => b.at.localeCompare(a.at) || b.to - a.to)
}

export function forcedOf(tags: Record<string, string> | undefined): ForcedPromotion | null {
  const reason = tags?.[FORCED_TAGS.reason]
  return reason ? {reason, by: tags[FORCED_TAGS.by] ?? null, at: tags[FORCED_TAGS.at] ?? null} : null
}
