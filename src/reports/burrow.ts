/**
 * Stream lag judged the way LinkedIn's Burrow judges Kafka consumers: not one reading against a
 * threshold, but the shape of a window of recent commits (here: a stream's last progress rows).
 *   REWIND  the committed offsets went backwards (a checkpoint rewound or reset by hand)
 *   STOP    nothing committed for longer than the window spans (a stopped or hung job)
 *   OK      the stream caught up at some point in the window (an idle stream with nothing to read too)
 *   STALL   batches keep coming but the committed offsets do not move while a backlog waits
 *   WARN    the offsets move but the backlog never shrinks (the stream falls behind)
 * Checked in that order. Offsets are the progress rows' end offsets: Kafka's {"topic": {"partition": n}},
 * Delta's {"reservoirVersion": v, "index": i} or Gold's {"silver_batch_id": n}.
 */

export type LagStatus = 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND' | 'UNKNOWN'

export interface CommitRow {
  /** When the row was recorded (epoch ms). */
  at: number
  /** The end offset after the batch, as the progress row holds it (JSON text or already parsed). */
  end_offset: unknown
  /** Records (or rows) between the end offset and the latest offset; null when unknown. */
  offsets_behind: number | null
}

export interface LagVerdict {
  status: LagStatus
  /** ISO time the status began (the rewind, the last commit, the first unmoved commit...). */
  since: string | null
  cause: string | null
  /** Progress rows judged. */
  window: number
}

/** No row for this long is a stop even when the window spans less (a burst of fast batches). */
export const MIN_STOP_MS = 60_000

/**
 * rows: the stream's last progress rows, oldest first. jobStopped: the job is known not to run (stream
 * status knows it from the Jobs API; report lag judges from the rows alone).
 */
export function judgeLag(rows: readonly CommitRow[], now: number, options: {jobStopped?: boolean} = {}): LagVerdict {
  const window = rows.length
  const at = (ms: number) => new Date(ms).toISOString()
  if (window === 0) {
    return {status: options.jobStopped ? 'STOP' : 'UNKNOWN', since: null, cause: options.jobStopped ? 'the job is not running' : 'no progress recorded yet', window}
  }
  const positions = rows.map((r) => positionOf(r.end_offset))
  for (let i = 1; i < window; i++) {
    const back = wentBack(positions[i - 1], positions[i])
    if (back) return {status: 'REWIND', since: at(rows[i].at), cause: `committed offsets went backwards (${back}): a checkpoint rewound or reset`, window}
  }
  const last = rows[window - 1]
  const span = last.at - rows[0].at
  const quiet = now - last.at
  if (options.jobStopped) return {status: 'STOP', since: at(last.at), cause: 'the job is not running', window}
  if (quiet > Math.max(span, MIN_STOP_MS)) {
    return {status: 'STOP', since: at(last.at), cause: `no batch committed for ${Math.round(quiet / 1000)}s (the window spans ${Math.round(span / 1000)}s)`, window}
  }
  const lags = rows.map((r) => r.offsets_behind)
  if (lags.some((lag) => lag === 0)) return {status: 'OK', since: null, cause: null, window}
  if (window < 2 || lags.some((lag) => lag === null)) return {status: 'OK', since: null, cause: null, window}
  const moved = positions.some((p, i) => i > 0 && movedForward(positions[i - 1], p))
  if (!moved) {
    return {status: 'STALL', since: at(rows[0].at), cause: `${window} batches committed no progress while ${last.offsets_behind} records wait`, window}
  }
  const growing = lags.every((lag, i) => i === 0 || (lag as number) >= (lags[i - 1] as number))
  if (growing) {
    return {status: 'WARN', since: at(rows[0].at), cause: `the backlog never shrank over ${window} batches (${lags[0]} -> ${last.offsets_behind})`, window}
  }
  return {status: 'OK', since: null, cause: null, window}
}

type Position = Map<string, number>

/** Comparable positions: one entry per Kafka partition, the Delta version/index as one number, or any numeric leaf. */
export function positionOf(offset: unknown): Position {
  let value = offset
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      return new Map()
    }
  }
  const position: Position = new Map()
  if (isRecord(value) && typeof value.reservoirVersion === 'number') {
    // Delta: the index restarts with every version, so version and index make one number.
    position.set('delta', value.reservoirVersion * 1e9 + (typeof value.index === 'number' ? value.index + 1 : 0))
    return position
  }
  const walk = (node: unknown, path: string) => {
    if (typeof node === 'number') position.set(path, node)
    else if (isRecord(node)) for (const [key, child] of Object.entries(node)) walk(child, path ? `${path}/${key}` : key)
  }
  walk(value, '')
  return position
}

function wentBack(before: Position, after: Position): string | undefined {
  for (const [key, offset] of after) {
    const previous = before.get(key)
    if (previous !== undefined && offset < previous) return `${key || 'offset'} ${previous} -> ${offset}`
  }
  return undefined
}

function movedForward(before: Position, after: Position): boolean {
  for (const [key, offset] of after) if (offset > (before.get(key) ?? -Infinity)) return true
  return false
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Progress rows as the commits judgeLag reads. */
export function commitsOf(rows: ReadonlyArray<{end_offset: unknown; offsets_behind_latest: number | null; recorded_at: string}>): CommitRow[] {
  return rows.map((r) => ({at: parseRowTime(r.recorded_at), end_offset: r.end_offset, offsets_behind: r.offsets_behind_latest ?? null}))
}

/** A statement result's timestamp: ISO with an offset, or a UTC wall time without one. */
function parseRowTime(text: string): number {
  const iso = text.includes('T') ? text : text.replace(' ', 'T')
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`)
}
