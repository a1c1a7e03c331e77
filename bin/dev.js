#!/usr/bin/env -S node --import tsx
// Development entry point: runs src/ through tsx without a build.
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
process.exit(process.exitCode ?? 0)
