/** What `stream start`, `stop` and `restart` share: layer arguments, waiting, and rendering. */
import {Args, Flags} from './flags.js'

import type {LayerChange, WaitOptions} from '../streams/control.js'
import type {Output, Progress} from './output.js'

export const layerArgs = {layers: Args.string({description: 'bronze, silver and/or gold (default: all).', required: false})}

export const waitFlags = {
  wait: Flags.boolean({description: 'Wait until each layer reached its state (--no-wait to return at once).', default: true, allowNo: true}),
  timeout: Flags.integer({description: 'Seconds to wait per layer before exiting 8.', default: 300, min: 1}),
}

export interface StreamChangeResult {
  layers: LayerChange[]
}

export function waitOptions(out: Output, progress: Progress, flags: {wait: boolean; timeout: number}): WaitOptions {
  return {
    wait: flags.wait,
    timeoutSeconds: flags.timeout,
    onState: (layer, state) => progress.update(`${layer}: ${state}`),
    onWarning: (message) => out.warn(message),
  }
}

const SENTENCES: Record<LayerChange['action'], string> = {
  started: 'started',
  stopped: 'stopped',
  already_running: 'already running (nothing to do)',
  already_stopped: 'already stopped (nothing to do)',
  requested: 'requested (not waiting)',
}

export function renderChanges(out: Output, result: StreamChangeResult, next: string): void {
  for (const c of result.layers) out.print(`${c.layer.padEnd(6)} ${SENTENCES[c.action]}${c.run_id ? `: job ${c.job_id}, run ${c.run_id}` : `: job ${c.job_id}`}`)
  out.print(`Next: ${next}`)
}
