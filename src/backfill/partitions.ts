/**
 * Partition ranges and names, checked before any request: a partition is one event_date (UTC) of the
 * target layer, a range is inclusive at both ends, and each run of a partition carries an idempotency
 * token derived from (backfill id, layer, partition, attempt), so a retried run-now never starts a
 * second run.
 */
import {randomBytes} from 'node:crypto'

import {UsageError} from '../errors.js'

export const BACKFILL_LAYERS = ['silver', 'gold'] as const
export type BackfillLayer = (typeof BACKFILL_LAYERS)[number]
/** A layer's name as a sentence starts it: Silver, Gold. */
export function layerTitle(layer: string): string {
  return layer[0].toUpperCase() + layer.slice(1)
}

export const BACKFILL_MODES = ['missing', 'replace'] as const
export type BackfillMode = (typeof BACKFILL_MODES)[number]
export const PARTITION_ORDERS = ['oldest', 'newest'] as const
export type PartitionOrder = (typeof PARTITION_ORDERS)[number]

/** Ten years of days: a longer range is almost certainly a typo in a year. */
export const MAX_PARTITIONS = 3660

const DAY_MS = 86_400_000
const BACKFILL_ID = /^bf-\d{8}-\d{6}-[0-9a-f]{6}$/

/** A 'YYYY-MM-DD' that is a calendar date (2026-02-30 is not), or exit 2 naming the flag. */
export function parseDate(text: string, flag: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined
  if (!date || date.toISOString().slice(0, 10) !== text) {
    throw new UsageError(`${flag} '${text}' is not a date: use YYYY-MM-DD, a day that exists (UTC).`, {code: 'INVALID_DATE', hint: `${flag} 2026-11-26`})
  }
  return text
}

/** The inclusive range from..to in the given order; exit 2 when it is reversed or too long. */
export function partitionDates(from: string, to: string, order: PartitionOrder = 'oldest'): string[] {
  const first = Date.parse(`${parseDate(from, '--from')}T00:00:00Z`)
  const last = Date.parse(`${parseDate(to, '--to')}T00:00:00Z`)
  if (first > last) throw new UsageError(`--from ${from} is after --to ${to}.`, {code: 'INVALID_RANGE', hint: `--from ${to} --to ${from}`})
  const count = (last - first) / DAY_MS + 1
  if (count > MAX_PARTITIONS) {
    throw new UsageError(`The range ${from}..${to} holds ${count} partitions; a backfill takes at most ${MAX_PARTITIONS} (about ten years).`, {code: 'INVALID_RANGE', hint: 'split it into several backfills'})
  }
  const dates = Array.from({length: count}, (_, i) => new Date(first + i * DAY_MS).toISOString().slice(0, 10))
  return order === 'newest' ? dates.reverse() : dates
}

/** bf-<utc yyyymmdd-hhmmss>-<6 hex>: sorts by creation time and names itself in a runbook. */
export function newBackfillId(now = new Date(), random = randomBytes(3).toString('hex')): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')
  return `bf-${stamp}-${random}`
}

export function checkBackfillId(text: string): string {
  if (!BACKFILL_ID.test(text)) throw new UsageError(`'${text}' is not a backfill id (they look like bf-20261203-142455-a1b2c3).`, {code: 'INVALID_BACKFILL_ID', hint: 'lakectl backfill list'})
  return text
}

/** The run-now idempotency token of one attempt of one partition (at most 45 characters of the API's 64). */
export function idempotencyToken(backfillId: string, layer: BackfillLayer, date: string, attempt: number): string {
  return `${backfillId}/${layer}/${date}/${attempt}`
}
