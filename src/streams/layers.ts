/** The layer graph: bronze feeds silver feeds gold. Start in that order, stop in reverse. */
import {UsageError} from '../errors.js'
import {type Layer, LAYERS} from '../config/names.js'

export const UPSTREAM: Record<Layer, Layer | undefined> = {bronze: undefined, silver: 'bronze', gold: 'silver'}

/** Validated layers in start order (all of them when none is given). */
export function parseLayers(given: readonly string[]): Layer[] {
  const unknown = given.filter((l) => !(LAYERS as readonly string[]).includes(l.toLowerCase()))
  if (unknown.length) {
    throw new UsageError(`Unknown layer${unknown.length > 1 ? 's' : ''} ${unknown.map((l) => `'${l}'`).join(', ')}: choose from ${LAYERS.join(', ')}.`, {
      code: 'UNKNOWN_LAYER',
      hint: `lakectl stream start ${LAYERS.join(' ')}`,
    })
  }
  const wanted = new Set(given.map((l) => l.toLowerCase()))
  return LAYERS.filter((l) => wanted.size === 0 || wanted.has(l))
}
