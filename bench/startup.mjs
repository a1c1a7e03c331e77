#!/usr/bin/env node
// Start-up budgets (DESIGN section 6): `lakectl --version` and `lakectl sql --help` within 2x of
// `node -e 0`; the workspace commands `stream status`, `sql "SELECT 1"` and `doctor` against a running,
// bootstrapped local workspace within 3x. Medians of interleaved runs measured in this one run; prints a
// table, one summary line per budget and a JSON line.
//
//   npm run build && node bench/startup.mjs        (BENCH_RUNS=11 by default: the first round warms up)
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const runs = Number(process.env.BENCH_RUNS ?? 11)
const root = fileURLToPath(new URL('..', import.meta.url))
const bin = path.join(root, 'bin/run.js')
const state = mkdtempSync(path.join(tmpdir(), 'lakectl-bench-startup-'))
const env = {PATH: process.env.PATH, HOME: state, NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', LAKECTL_STATE_DIR: state, LAKECTL_CONFIG: path.join(root, 'resources/lakectl.default.yaml')}
const lakectl = (...args) => {
  const result = spawnSync(process.execPath, [bin, ...args], {env, cwd: state, stdio: ['ignore', 'pipe', 'pipe']})
  if (result.status !== 0) throw new Error(`lakectl ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
}

const budgets = {'node -e 0': 1, 'lakectl --version': 2, 'lakectl sql --help': 2, 'lakectl stream status': 3, 'lakectl sql "SELECT 1"': 3, 'lakectl doctor': 3}
const cases = {
  'node -e 0': ['-e', '0'],
  'lakectl --version': [bin, '--version'],
  'lakectl sql --help': [bin, 'sql', '--help'],
  'lakectl stream status': [bin, 'stream', 'status'],
  'lakectl sql "SELECT 1"': [bin, 'sql', 'SELECT 1'],
  'lakectl doctor': [bin, 'doctor'],
}

const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]))
const loadBefore = loadavg()[0]
try {
  lakectl('local', 'up')
  lakectl('bootstrap', '--yes')
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(cases)) {
      const started = process.hrtime.bigint()
      const result = spawnSync(process.execPath, args, {env, cwd: state, stdio: ['ignore', 'pipe', 'pipe']})
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`)
      if (i > 0) samples[name].push(ms) // the first round warms the file cache
    }
  }
} finally {
  spawnSync(process.execPath, [bin, 'local', 'down'], {env, cwd: state, stdio: 'ignore'})
  rmSync(state, {recursive: true, force: true})
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const baseline = median(samples['node -e 0'])
const report = Object.entries(samples).map(([name, xs]) => ({name, median_ms: +median(xs).toFixed(1), ratio: +(median(xs) / baseline).toFixed(2), budget: budgets[name]}))
console.log(`startup (${runs - 1} interleaved runs each, medians; load average ${loadBefore.toFixed(2)} -> ${loadavg()[0].toFixed(2)})`)
for (const r of report) console.log(`  ${r.name.padEnd(24)} ${String(r.median_ms).padStart(7)} ms   ${r.ratio.toFixed(2)}x   budget ${r.budget}x ${r.ratio <= r.budget ? 'met' : 'MISSED'}`)
const worst = (names) => Math.max(...report.filter((r) => names.includes(r.name)).map((r) => r.ratio))
const cli = worst(['lakectl --version', 'lakectl sql --help'])
const workspace = worst(['lakectl stream status', 'lakectl sql "SELECT 1"', 'lakectl doctor'])
console.log(`startup: --version/--help worst ${cli}x of node -e 0, budget 2x -> ${cli <= 2 ? 'met' : 'MISSED'}`)
console.log(`startup: workspace commands worst ${workspace}x of node -e 0, budget 3x -> ${workspace <= 3 ? 'met' : 'MISSED'}`)
console.log(JSON.stringify({bench: 'startup', runs: runs - 1, load_average: loadBefore, results: report}))
