#!/usr/bin/env node
// Start-up budget (DESIGN section 6): `lakectl --version` and `lakectl sql --help` within 2x of `node -e 0`.
// Medians of interleaved runs measured in this one run; prints a table and a JSON line.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const runs = Number(process.env.BENCH_RUNS ?? 21)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const env = {...process.env, NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}
const cases = {
  'node -e 0': ['-e', '0'],
  'lakectl --version': [bin, '--version'],
  'lakectl sql --help': [bin, 'sql', '--help'],
}

const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]))
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`)
    if (i > 0) samples[name].push(ms) // the first round warms the file cache
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const baseline = median(samples['node -e 0'])
const report = Object.entries(samples).map(([name, xs]) => ({name, median_ms: +median(xs).toFixed(1), ratio: +(median(xs) / baseline).toFixed(2)}))
console.log(`startup (${runs - 1} runs each, medians)`)
for (const r of report) console.log(`  ${r.name.padEnd(20)} ${String(r.median_ms).padStart(7)} ms   ${r.ratio}x`)
const worst = Math.max(...report.map((r) => r.ratio))
console.log(`  budget: within 2x of node -e 0 -> ${worst <= 2 ? 'met' : 'MISSED'} (worst ${worst}x)`)
console.log(JSON.stringify({bench: 'startup', runs: runs - 1, results: report}))
