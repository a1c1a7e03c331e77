#!/usr/bin/env node
// Production entry point: `--version` and `<command> --help` are answered from build-time files
// (dist/cli/fast-path.js); everything else runs the compiled commands through oclif.
import {fastPath} from '../dist/cli/fast-path.js'

if (!fastPath(process.argv.slice(2))) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
// Open handles (keep-alive sockets, DuckDB) must not keep a finished command alive.
process.exit(process.exitCode ?? 0)
