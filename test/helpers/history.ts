/**
 * Synthetic hourly metric histories for the anomaly tests: a daily cycle, noise, and anomalies injected
 * at chosen hours. Seeded, so every run sees the same numbers.
 */
import {HOUR_MS} from '../../src/reports/baseline.js'
import {type QualityHistory, REASONS} from '../../src/reports/quality.js'

/** A small seeded generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Standard normal noise (Box-Muller), clipped at +-clip standard deviations (Infinity: not clipped). */
export function gaussian(random: () => number, clip = Infinity): () => number {
  return () => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    return Math.max(-clip, Math.min(clip, z))
  }
}

/** The daily cycle: 1 + amplitude x a sine peaking at 12:00 UTC. */
export function dailyCycle(hour: number, amplitude = 0.6): number {
  return 1 + amplitude * Math.sin((2 * Math.PI * (new Date(hour).getUTCHours() - 6)) / 24)
}

export interface SteadyOptions {
  start: number
  hours: number
  seed: number
  /** Noise clipped at this many standard deviations (default 3). */
  clip?: number
}

export interface SteadyHour {
  hour: number
  /** Silver rows received that hour. */
  rows: number
  quarantined: Record<string, number>
  duplicates: number
  nulls: Record<string, number>
}

export const STEADY_REASONS = {MALFORMED_JSON: 0.004, MISSING_FIELD: 0.006, INVALID_AMOUNT: 0.003, INVALID_RATING: 0}
export const STEADY_NULLS = {session_id: 0.02, customer_segment: 0.05, country: 0.05, product_category: 0.01}

/**
 * A steady Silver history: about 20,000 rows an hour with a daily cycle and 4% noise, quarantine reasons
 * and null columns at steady shares with 10% noise of their own, 3% duplicates. Each hour can be changed
 * by `inject` (an anomaly).
 */
export function steadyHistory(options: SteadyOptions, inject: (hour: SteadyHour, index: number) => void = () => undefined): SteadyHour[] {
  const noise = gaussian(seeded(options.seed), options.clip ?? 3)
  const hours: SteadyHour[] = []
  for (let i = 0; i < options.hours; i++) {
    const hour = options.start + i * HOUR_MS
    const rows = Math.round(20_000 * dailyCycle(hour) * (1 + 0.04 * noise()))
    const share = (base: number) => Math.max(0, Math.round(rows * base * (1 + 0.1 * noise())))
    const entry: SteadyHour = {
      hour,
      rows,
      quarantined: Object.fromEntries(Object.entries(STEADY_REASONS).map(([reason, base]) => [reason, share(base)])),
      duplicates: share(0.03),
      nulls: Object.fromEntries(Object.entries(STEADY_NULLS).map(([column, base]) => [column, share(base)])),
    }
    inject(entry, i)
    hours.push(entry)
  }
  return hours
}

/**
 * The hourly rollups report quality reads (QualityHistory) for a steady history: Silver's figures, and
 * Bronze's and Silver's progress with a batch every second or so (the hour under way too, unless
 * running is false: then the streams stopped at the end of the last hour).
 */
export function qualityHistory(hours: SteadyHour[], options: {now: number; bronzeFactor?: (i: number) => number; running?: boolean}): QualityHistory {
  const noise = seeded(99)
  const current = hours.at(-1)!.hour + HOUR_MS
  return {
    tables: hours.map((h) => {
      const quarantined = Object.values(h.quarantined).reduce((a, b) => a + b, 0)
      return {
        table: 'silver.customer_events_cleaned',
        hour: h.hour,
        rows_in: h.rows,
        rows_quarantined: quarantined,
        duplicates_dropped: h.duplicates,
        rows_written: h.rows - h.duplicates - quarantined,
        reasons: Object.fromEntries(REASONS.map((r) => [r, h.quarantined[r] ?? 0])),
        nulls: h.nulls,
      }
    }),
    streams: ['bronze', 'silver'].flatMap((stream) => [
      ...hours.map((h, i) => ({
        stream,
        hour: h.hour,
        rows_in: stream === 'bronze' ? Math.round(h.rows * (options.bronzeFactor?.(i) ?? 1)) : h.rows,
        last_data_at: h.hour + HOUR_MS - Math.round(1000 + 4000 * noise()),
      })),
      ...(options.running === false ? [] : [{stream, hour: current, rows_in: 5000, last_data_at: options.now - 2000}]),
    ]),
  }
}
