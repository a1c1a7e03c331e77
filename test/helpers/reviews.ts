/** Labelled synthetic reviews for the model tests: seeded, so every run builds the same ones. */
import type {TrainingExample} from '../../src/models/trainer.js'
import type {TestWorkspace} from './workspace.js'

const POSITIVE = ['love this product', 'great quality', 'works perfectly', 'highly recommend', 'excellent value',
  'fast delivery', 'very happy with it', 'five stars', 'exactly as described', 'would buy again']
const NEGATIVE = ['terrible', 'broke after a day', 'waste of money', 'very disappointed', 'poor quality',
  'stopped working', 'would not recommend', 'returned it', 'cheap plastic', 'not worth it']
const FILLER = ['bought it for my son', 'arrived on tuesday', 'the box was blue', 'used it in the kitchen',
  'second one i own', 'ordered the large size', 'gift for a friend', 'came with batteries']

export const HAPPY = 'Love this product, great quality, would buy again!'
export const UNHAPPY = 'Terrible, broke after a day, waste of money.'

/** A seeded PRNG (mulberry32). */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/**
 * Reviews made of two sentiment phrases and one or two neutral ones; `mislabelled` is the share whose
 * rating contradicts the text; `neutral` the share rated 3 (which training must ignore).
 */
export function syntheticReviews(count: number, seed: number, {mislabelled = 0.05, neutral = 0} = {}): TrainingExample[] {
  const next = random(seed)
  const pick = (phrases: string[]) => phrases[Math.floor(next() * phrases.length)]
  return Array.from({length: count}, () => {
    const positive = next() < 0.6
    const phrases = positive ? POSITIVE : NEGATIVE
    const parts = [pick(phrases), pick(phrases), pick(FILLER), ...(next() < 0.5 ? [pick(FILLER)] : [])]
    parts.sort(() => next() - 0.5)
    const text = parts.join(next() < 0.5 ? ', ' : '. ')
    if (neutral > 0 && next() < neutral) return {text, rating: 3}
    const ratedPositive = next() < mislabelled ? !positive : positive
    return {text, rating: ratedPositive ? 4 + Math.floor(next() * 2) : 1 + Math.floor(next() * 2)}
  })
}

/** Replaces Silver's reviews through `lakectl sql`, every value a statement parameter. */
export async function loadReviews(ws: TestWorkspace, reviews: Array<{text: string; rating: number}>, prefix: string): Promise<void> {
  const deleted = await ws.run(['sql', `DELETE FROM lakehouse.silver.customer_events_cleaned WHERE event_type = 'review'`])
  if (deleted.code !== 0) throw new Error(deleted.stderr)
  for (let start = 0; start < reviews.length; start += 400) {
    const batch = reviews.slice(start, start + 400)
    const rows = batch.map((_, i) => `(:id${i}, 'C000001', 'review', 'P0001', TIMESTAMP '2026-11-26 08:00:00', DATE '2026-11-26', :r${i}, :t${i}, TIMESTAMP '2026-11-26 08:00:01')`)
    const params = batch.flatMap((r, i) => ['--param', `id${i}=${prefix}-${start + i}`, '--param', `r${i}:INT=${r.rating}`, '--param', `t${i}=${r.text}`])
    const insert = await ws.run([
      'sql',
      `INSERT INTO lakehouse.silver.customer_events_cleaned (event_id, customer_id, event_type, product_id, event_ts, event_date, rating, review_text, ingest_ts) VALUES ${rows.join(', ')}`,
      ...params,
    ])
    if (insert.code !== 0) throw new Error(insert.stderr)
  }
}

