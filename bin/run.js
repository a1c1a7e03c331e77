#!/usr/bin/env node
// Production entry point: runs the compiled commands in dist/ with the manifest generated at build.
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
// Open handles (keep-alive sockets, DuckDB) must not keep a finished command alive.
process.exit(process.exitCode ?? 0)
