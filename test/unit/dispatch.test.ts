// Which command a command line names, as the start-up dispatch reads it from oclif's manifest.
import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {commandIndex, findCommand, type Manifest} from '../../src/cli/dispatch.js'

const manifest: Manifest = {
  version: '0.1.0',
  commands: {
    backfill: {relativePath: ['dist', 'commands', 'backfill', 'index.js']},
    'backfill:list': {relativePath: ['dist', 'commands', 'backfill', 'list.js']},
    'stream:status': {relativePath: ['dist', 'commands', 'stream', 'status.js']},
    sql: {relativePath: ['dist', 'commands', 'sql.js']},
  },
}

describe('findCommand', () => {
  it('takes the longest run of words that names a command', () => {
    expect(findCommand(['backfill', 'list', '--json'], manifest)).toMatchObject({id: 'backfill:list', words: 2})
    expect(findCommand(['backfill', 'silver', '--from', '2026-11-01'], manifest)).toMatchObject({id: 'backfill', words: 1})
    expect(findCommand(['stream', 'status', 'silver'], manifest)).toMatchObject({id: 'stream:status', words: 2})
  })

  it('stops at the first flag: a flag value is never a command word', () => {
    expect(findCommand(['sql', '--param', 'x=1', 'stream', 'status'], manifest)).toMatchObject({id: 'sql', words: 1})
  })

  it('points at the module oclif would load', () => {
    expect(findCommand(['sql', 'SELECT 1'], manifest)?.file.pathname).toMatch(/\/dist\/commands\/sql\.js$/)
  })

  it('leaves topics, plugin commands and typos to oclif', () => {
    for (const argv of [['stream'], ['help', 'sql'], ['stream', 'stauts'], ['--json', 'sql'], []]) expect(findCommand(argv, manifest), argv.join(' ')).toBeUndefined()
  })
})

describe('the command index of the build', () => {
  it("is the manifest's version, ids and module paths, and nothing else", () => {
    const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'))
    const oclif = read('oclif.manifest.json')
    const index = read('dist/command-index.json')
    expect(index).toEqual(commandIndex(oclif))
    expect(Object.keys(index.commands).sort()).toEqual(Object.keys(oclif.commands).sort())
    expect(index.commands['stream:status']).toEqual({relativePath: ['dist', 'commands', 'stream', 'status.js']})
    expect(JSON.stringify(index).length).toBeLessThan(JSON.stringify(oclif).length / 10)
  })
})
