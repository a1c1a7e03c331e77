#!/usr/bin/env -S node --import tsx
// Development entry point: runs src/ through tsx without a build (no fast path, no manifest).
import {readdirSync} from 'node:fs'

import {normalizeArgv} from '../src/cli/argv.ts'
import {runCommand} from '../src/cli/entry.ts'

const commands = new URL('../src/commands/', import.meta.url)
const ids = readdirSync(commands, {recursive: true})
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, '').split('/').join(':'))
await runCommand(normalizeArgv(process.argv.slice(2), ids), import.meta.url, {development: true})
process.exit(process.exitCode ?? 0)
