/**
 * Start-up dispatch: a command line whose words name a lakectl command runs that command's module
 * directly, found through oclif's own manifest (oclif.manifest.json, written at build time), without
 * loading oclif (its import graph alone costs about twice node's start-up). oclif's `run` would do the
 * same through Config: LakectlCommand.run is its entry point either way. Words that name no lakectl
 * command (`help`, `autocomplete`, a topic, a typo) are left to oclif.
 */
import {readFileSync} from 'node:fs'

import type {CommandConfig} from './base-command.js'

/**
 * The commands' ids and module paths with the version, taken from oclif's manifest at build time
 * (build-help.ts): the manifest itself is about 120 KB of flag descriptions, parsed for nothing on
 * every command line.
 */
export const COMMAND_INDEX = new URL('../command-index.json', import.meta.url)

export interface Manifest {
  version: string
  commands: Record<string, {relativePath?: string[]}>
}

export function loadManifest(): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(COMMAND_INDEX, 'utf8')) as Manifest
  } catch {
    return undefined
  }
}

/** The index of an oclif manifest: what dispatch reads of it. */
export function commandIndex(manifest: Manifest): Manifest {
  return {version: manifest.version, commands: Object.fromEntries(Object.entries(manifest.commands).map(([id, command]) => [id, {relativePath: command.relativePath}]))}
}

/** The command the leading words of argv name (the longest match) and how many words that took. */
export function findCommand(argv: readonly string[], manifest: Manifest): {id: string; words: number; file: URL} | undefined {
  let found: {id: string; words: number; file: URL} | undefined
  for (let words = 1; words <= argv.length && !argv[words - 1].startsWith('-'); words++) {
    const id = argv.slice(0, words).join(':')
    const path = manifest.commands[id]?.relativePath
    if (path) found = {id, words, file: new URL(`../../${path.join('/')}`, import.meta.url)}
  }
  return found
}

interface CommandClass {
  id: string
  run(argv: string[], config: CommandConfig): Promise<void>
}

/** Runs argv's command when its words name one; false to leave the line to oclif. */
export async function dispatch(argv: readonly string[], manifest: Manifest | undefined): Promise<boolean> {
  const found = manifest && findCommand(argv, manifest)
  if (!found) return false
  const command = ((await import(found.file.href)) as {default: CommandClass}).default
  command.id = found.id
  await command.run(argv.slice(found.words), {version: manifest.version})
  return true
}
