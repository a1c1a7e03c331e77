/** Shared by the `lakectl model` commands: the model argument and its default from the config. */
import {Args} from './flags.js'

import type {Settings} from '../config/targets.js'
import type {PromoteResult} from '../models/promotion.js'
import {assertModelName} from '../models/registry.js'

export const modelArg = {
  model: Args.string({description: 'catalog.schema.model, or a workspace-registry name (default: <catalog>.ml.<model.name> from lakectl.yaml).'}),
}

export function modelName(settings: Settings, given: string | undefined): string {
  return assertModelName(given ?? `${settings.target.catalog}.ml.${settings.config.model.name}`)
}

/** The alias a promotion moved, and for a workspace-registry model the stage it stands for. */
export const slotName = (r: PromoteResult): string => (r.stage ? `${r.alias} (stage ${r.stage})` : r.alias)
