/**
 * Build step (after `oclif manifest`): writes the help model of every command, topic and the root into
 * dist/help-model.json, for the start-up fast path (fast-path.ts), and the manifest's command index
 * into dist/command-index.json, for dispatch (dispatch.ts). oclif's help command renders from the same
 * help model, loaded at run time (help-class.ts).
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {Config} from '@oclif/core'

import {COMMAND_INDEX, commandIndex, type Manifest} from './dispatch.js'
import {HELP_MODEL} from './fast-path.js'
import {modelOf} from './help-class.js'

const root = new URL('../../', import.meta.url)
const config = await Config.load({root: root.pathname})
writeFileSync(HELP_MODEL, JSON.stringify(modelOf(config)))
writeFileSync(COMMAND_INDEX, JSON.stringify(commandIndex(JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8')) as Manifest)))
