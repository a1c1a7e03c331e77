#!/usr/bin/env node
// Production entry point. Global flags may come before the command words: they are moved behind them
// (dist/cli/argv.js). `--version` and help are answered from the build-time help model
// (dist/cli/fast-path.js); a lakectl command runs from its module without loading oclif
// (dist/cli/dispatch.js); anything else (the help and autocomplete commands, a typo) goes through oclif.
import {asksForHelp, normalizeArgv} from '../dist/cli/argv.js'
import {dispatch, loadManifest} from '../dist/cli/dispatch.js'

const manifest = loadManifest()
const argv = normalizeArgv(process.argv.slice(2), Object.keys(manifest?.commands ?? {}))
const answered = asksForHelp(argv) ? await import('../dist/cli/fast-path.js').then((m) => m.fastPath(argv, m.loadHelpModel())) : await dispatch(argv, manifest)
if (!answered) {
  // oclif checks its own Node range at import, loading semver for it; lakectl's own range (package.json)
  // is the stricter one.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true'
  const {runCommand} = await import('../dist/cli/entry.js')
  await runCommand(argv, import.meta.url)
}
// Through a pipe, output beyond the pipe's buffer is still being written: let it drain first (an
// exit now would cut a long plan short). Then open handles (keep-alive sockets, DuckDB) must not keep
// a finished command alive.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))))
process.exit(process.exitCode ?? 0)
