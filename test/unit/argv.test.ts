import {describe, expect, it} from 'vitest'

import {GLOBAL_FLAGS, normalizeArgv} from '../../src/cli/argv.js'
import {LakectlCommand} from '../../src/cli/base-command.js'
import {unknownCommand} from '../../src/cli/not-found.js'

const IDS = ['doctor', 'sql', 'stream:status', 'stream:start', 'local:up', 'report:lag']

describe('global flags anywhere', () => {
  it('lists exactly the base command flags, with the same value-taking', () => {
    const base = LakectlCommand.baseFlags as Record<string, {type: string; char?: string}>
    expect(Object.keys(GLOBAL_FLAGS).sort()).toEqual(Object.keys(base).sort())
    for (const [name, flag] of Object.entries(GLOBAL_FLAGS)) {
      expect(flag.value, name).toBe(base[name].type === 'option')
      expect(flag.char, name).toBe(base[name].char)
    }
  })

  it.each([
    [['--json', 'stream', 'status'], ['stream', 'status', '--json']],
    [['--target', 'prod', 'doctor'], ['doctor', '--target', 'prod']],
    [['--target=prod', 'doctor', '--json'], ['doctor', '--target=prod', '--json']],
    [['stream', '--json', 'status', 'silver'], ['stream', 'status', '--json', 'silver']],
    [['--debug', 'sql', 'SELECT 1', '--param', 'x=1'], ['sql', '--debug', 'SELECT 1', '--param', 'x=1']],
    [['-y', '--no-input', 'local', 'up'], ['local', 'up', '-y', '--no-input']],
    [['sql', 'SELECT 1', '--json'], ['sql', 'SELECT 1', '--json']],
    // A typo keeps its words first, so that oclif's not-found hook sees them.
    [['--json', 'stream', 'statsu'], ['stream', 'statsu', '--json']],
    [['--json', 'frobnicate', '--', 'x'], ['frobnicate', '--json', '--', 'x']],
    // A flag of the command itself ends the command words; a value that looks like a word is taken.
    [['--profile', 'sql', 'doctor'], ['doctor', '--profile', 'sql']],
    [['--', '--json'], ['--', '--json']],
  ])('%j -> %j', (argv, expected) => {
    expect(normalizeArgv(argv, IDS)).toEqual(expected)
  })
})

describe('unknown commands', () => {
  const commands = IDS.map((id) => id.replace(':', ' '))
  it('suggests the closest commands of the topic', () => {
    expect(unknownCommand(['stream', 'statsu'], commands)).toMatchObject({code: 'UNKNOWN_COMMAND', hint: 'lakectl help stream', details: {suggestions: ['stream status']}})
  })
  it('lists the commands when nothing is close', () => {
    expect(unknownCommand(['frobnicate'], commands).message).toBe("'frobnicate' is not a lakectl command. Commands: doctor, local, report, sql, stream.")
  })
  it('calls extra words after a command unexpected arguments', () => {
    expect(unknownCommand(['doctor', 'extra'], commands)).toMatchObject({code: 'UNEXPECTED_ARGUMENT', hint: 'lakectl doctor --help'})
  })
})
