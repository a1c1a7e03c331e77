#!/usr/bin/env node
// Bootstrap round trips (DESIGN section 6): from scratch and converged re-run against the local workspace
// with an injected per-request latency. Reports request counts and wall time against the critical path
// (dependency depth x latency) measured in the same run. Bounded: two CLI runs per latency setting.
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const {startLocalWorkspace} = await import(path.join(root, 'dist/local/server.js'))
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50)

async function run(latency) {
  const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-bench-bootstrap-'))
  const stateDir = path.join(dir, 'state')
  mkdirSync(stateDir)
  const token = `lkl_bench_${Date.now()}`
  const server = await startLocalWorkspace({stateDir, token, enableControl: true})
  writeFileSync(path.join(stateDir, 'token'), token, {mode: 0o600})
  writeFileSync(path.join(stateDir, 'server.json'), JSON.stringify({url: server.url, port: server.port, pid: process.pid, started_at: Date.now()}))
  const control = (method, p, body) =>
    fetch(`${server.url}${p}`, {method, headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}, body: body && JSON.stringify(body)}).then((r) => r.json())
  if (latency) await control('POST', '/__lakectl/faults', {path: '/api/*', delay_ms: latency, count: 1_000_000})
  const env = {PATH: process.env.PATH, HOME: dir, NODE_ENV: 'production', LAKECTL_STATE_DIR: stateDir, CI: 'true'}
  const cli = (args) => {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, [path.join(root, 'bin/run.js'), ...args], {env, cwd: dir, encoding: 'utf8'})
    if (result.status !== 0) throw new Error(`lakectl ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  const measure = async (args) => {
    await control('DELETE', '/__lakectl/requests')
    const ms = cli(args)
    const requests = await control('GET', '/__lakectl/requests')
    return {ms, requests: requests.length, depth: depthOf(requests)}
  }
  // The CLI's own start-up (process, SDK, config) measured alone, so round trips can be told apart from it.
  const startup = cli(['--version']) && measureBare(cli)
  const scratch = await measure(['bootstrap', '--yes'])
  const converged = await measure(['bootstrap', '--yes'])
  await server.close()
  return {latency, startup, scratch, converged}
}

/** `lakectl doctor --help` goes through oclif and loads the command: a floor for any command's start-up. */
function measureBare(cli) {
  return cli(['bootstrap', '--help'])
}

/**
 * The dependency depth actually observed: requests are grouped into "waves" where a request that started
 * after another one ended depends on it; the longest chain of non-overlapping requests is the depth.
 */
function depthOf(requests) {
  const sorted = [...requests].sort((a, b) => a.started_at - b.started_at)
  const chain = []
  for (const r of sorted) {
    const end = r.started_at + r.duration_ms
    let best = 0
    for (let i = 0; i < chain.length; i++) if (chain[i].end <= r.started_at) best = Math.max(best, chain[i].depth)
    chain.push({end, depth: best + 1})
  }
  return Math.max(0, ...chain.map((c) => c.depth))
}

const results = [await run(0), await run(latencyMs)]
console.log(`bootstrap round trips (local workspace; injected latency ${latencyMs} ms per request)`)
for (const r of results) {
  for (const [name, m] of [['from scratch', r.scratch], ['converged re-run', r.converged]]) {
    const critical = m.depth * r.latency
    const overhead = r.latency ? (m.ms - critical) : m.ms
    console.log(`  latency ${String(r.latency).padStart(3)} ms  ${name.padEnd(17)} ${String(Math.round(m.ms)).padStart(6)} ms  ${String(m.requests).padStart(4)} requests  depth ${String(m.depth).padStart(3)}  critical path ${String(critical).padStart(5)} ms  ${r.latency ? `ratio to critical path ${(m.ms / Math.max(1, critical)).toFixed(2)}x` : ''}`)
  }
}
const withLatency = results[1]
const base = results[0]
// Latency cost = wall time with latency minus the same run without it: what round trips added.
const added = (m, b) => m.ms - b.ms
console.log(`  latency added: from scratch ${Math.round(added(withLatency.scratch, base.scratch))} ms for depth ${withLatency.scratch.depth} (${(added(withLatency.scratch, base.scratch) / (withLatency.scratch.depth * latencyMs)).toFixed(2)}x of depth x latency), converged ${Math.round(added(withLatency.converged, base.converged))} ms for depth ${withLatency.converged.depth} (${(added(withLatency.converged, base.converged) / (withLatency.converged.depth * latencyMs)).toFixed(2)}x)`)
console.log(JSON.stringify({bench: 'bootstrap', latency_ms: latencyMs, results}))
