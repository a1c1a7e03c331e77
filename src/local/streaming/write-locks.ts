/**
 * One writing transaction at a time per catalog and layer. A layer's stream and its backfills write the
 * same tables: on Delta their concurrent commits conflict and the later one retries; DuckDB instead
 * commits both (snapshot isolation without a unique key), so two transactions that each find an event
 * absent from Silver would both insert it. Taking the layer's lock around the transaction makes the
 * later writer see what the earlier one committed, as a Delta retry would.
 */
import type {Engine} from '../engine/engine.js'

const tails = new WeakMap<Engine, Map<string, Promise<void>>>()

export async function withWriteLock<T>(engine: Engine, catalog: string, layer: string, work: () => Promise<T>): Promise<T> {
  let byKey = tails.get(engine)
  if (!byKey) tails.set(engine, (byKey = new Map()))
  const key = `${catalog}.${layer}`
  const previous = byKey.get(key) ?? Promise.resolve()
  let release!: () => void
  const mine = new Promise<void>((resolve) => (release = resolve))
  const tail = previous.then(() => mine)
  byKey.set(key, tail)
  await previous
  try {
    return await work()
  } finally {
    release()
    if (byKey.get(key) === tail) byKey.delete(key)
  }
}
