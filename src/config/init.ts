/**
 * Writes a commented lakectl.yaml from the built-in defaults, with the user's answers filled in.
 * The yaml Document API keeps every comment of resources/lakectl.default.yaml.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseDocument} from 'yaml'

import {UsageError} from '../errors.js'
import {IDENTIFIER} from '../databricks/identifiers.js'
import {CONFIG_FILE, DEFAULT_CONFIG_PATH} from './files.js'
import {loadConfig} from './load.js'

export interface InitAnswers {
  catalog: string
  /** A ~/.databrickscfg profile for a 'dev' target, besides the local one. */
  profile?: string
  warehouse: string
}

export interface InitResult {
  path: string
  catalog: string
  targets: string[]
  default_target: string
}

/** Refuses to go on when the folder has a lakectl.yaml already (unless forced): checked before any question. */
export function assertNoConfig(dir: string, force: boolean): void {
  const file = path.join(dir, CONFIG_FILE)
  if (existsSync(file) && !force) {
    throw new UsageError(`${file} already exists.`, {code: 'CONFIG_EXISTS', hint: 'lakectl init --force   (overwrites it)'})
  }
}

export function writeConfig(dir: string, answers: InitAnswers, force: boolean): InitResult {
  const file = path.join(dir, CONFIG_FILE)
  assertNoConfig(dir, force)
  if (!IDENTIFIER.test(answers.catalog)) throw new UsageError(`Invalid catalog name '${answers.catalog}': use lower-case letters, digits and underscores.`)
  const doc = parseDocument(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'))
  doc.set('catalog', answers.catalog)
  doc.set('warehouse', answers.warehouse)
  if (answers.profile) doc.setIn(['targets', 'dev'], doc.createNode({profile: answers.profile}, {flow: true}))
  const text = doc.toString().replace(/^# lakectl\.yaml:.*\n/, `# lakectl.yaml, written by \`lakectl init\` on ${new Date().toISOString().slice(0, 10)}.\n`)
  writeFileSync(file, text)
  // Validate what was written with the same loader every command uses.
  const {config} = loadConfig({configPath: file, cwd: dir})
  return {path: file, catalog: config.catalog, targets: Object.keys(config.targets), default_target: config.default_target}
}
