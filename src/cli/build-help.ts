/**
 * Build step (after `oclif manifest`): writes the help model of every command, topic and the root into
 * dist/help-model.json, for the start-up fast path (fast-path.ts). oclif's help command renders from
 * the same model, loaded at run time (help-class.ts).
 */
import {writeFileSync} from 'node:fs'
import {Config} from '@oclif/core'

import {HELP_MODEL} from './fast-path.js'
import {modelOf} from './help-class.js'

const config = await Config.load({root: new URL('../../', import.meta.url).pathname})
writeFileSync(HELP_MODEL, JSON.stringify(modelOf(config)))
