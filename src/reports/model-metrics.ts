/**
 * The statistics of the model report: latency percentiles, the population stability index of live
 * scores against the training distribution, and the score bins that training stores with each version.
 */

/** Nearest-rank percentile of ascending values (p in 0..1); null for no values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil(p * sorted.length))
  return sorted[Math.min(sorted.length, rank) - 1]
}

/**
 * The score distribution a version was trained with: bin edges (quantiles of the training scores, so each
 * bin holds about the same share) and the share of training scores in each bin. Stored on the version as
 * the tag SCORE_BINS_TAG by the trainer (local and train.py alike).
 */
export interface ScoreBins {
  /** n + 1 ascending edges from 0 to 1 on a 1/1000 grid; bin i is [edges[i], edges[i+1]) (the last one includes 1). */
  edges: number[]
  /** n shares summing to 1. */
  expected: number[]
}

export const SCORE_BINS_TAG = 'lakectl.score_bins'
export const SCORE_BIN_COUNT = 10

/** Quantile bins of training scores (duplicate edges merged, so heavily tied scores give fewer bins). */
export function scoreBins(scores: readonly number[], bins = SCORE_BIN_COUNT): ScoreBins {
  const sorted = scores.filter((s) => Number.isFinite(s)).sort((a, b) => a - b)
  if (sorted.length === 0) throw new Error('no scores to bin')
  const inner: number[] = []
  for (let i = 1; i < bins; i++) {
    // Edges on a 1/1000 grid: the report counts live scores at that resolution, so bins are exact.
    const edge = Math.round(sorted[Math.floor((i * sorted.length) / bins)] * 1000) / 1000
    if (edge > 0 && edge < 1 && edge > (inner.at(-1) ?? 0)) inner.push(edge)
  }
  const edges = [0, ...inner, 1]
  const counts = binCounts(sorted, edges)
  return {edges, expected: counts.map((c) => round4(c / sorted.length))}
}

/** How many scores fall in each bin of `edges`. */
export function binCounts(scores: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0)
  for (const score of scores) counts[binOf(score, edges)]++
  return counts
}

export function binOf(score: number, edges: readonly number[]): number {
  for (let i = 1; i < edges.length - 1; i++) if (score < edges[i]) return i - 1
  return edges.length - 2
}

/** Shares below this count as this (an empty bin would make the index infinite). */
const PSI_FLOOR = 1e-4

/**
 * Population stability index: sum over bins of (actual - expected) x ln(actual / expected). Conventionally
 * < 0.1 stable, 0.1-0.25 a moderate shift, > 0.25 a major one.
 */
export function psi(expected: readonly number[], actualCounts: readonly number[]): number | null {
  const total = actualCounts.reduce((a, b) => a + b, 0)
  if (total === 0 || expected.length !== actualCounts.length) return null
  let index = 0
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(PSI_FLOOR, expected[i])
    const a = Math.max(PSI_FLOOR, actualCounts[i] / total)
    index += (a - e) * Math.log(a / e)
  }
  return round4(index)
}

/** Parses the tag value; undefined when absent or malformed (a version trained before bins were stored). */
export function parseScoreBins(text: string | undefined): ScoreBins | undefined {
  if (!text) return undefined
  try {
    const bins = JSON.parse(text) as ScoreBins
    const ok =
      Array.isArray(bins.edges) && Array.isArray(bins.expected) && bins.edges.length === bins.expected.length + 1 && bins.edges.every((e) => typeof e === 'number') && bins.expected.every((e) => typeof e === 'number')
    return ok ? bins : undefined
  } catch {
    return undefined
  }
}

function round4(value: number): number {
  return Math.round(value * 1e4) / 1e4
}
