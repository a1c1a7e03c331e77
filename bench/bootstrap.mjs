#!/usr/bin/env node
// Bootstrap round trips (DESIGN section 6): from scratch and converged re-run against the local workspace
// with an injected per-request latency. Reports request counts and wall time against the critical path
// (dependency depth x latency) measured in the same run. Bounded: two CLI runs per latency setting.
import {spawn} from 'node:child_process'
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
  // Asynchronous: the workspace runs in this process and must keep answering while the CLI runs.
  const cli = (args) =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint()
      const child = spawn(process.execPath, [path.join(root, 'bin/run.js'), ...args], {env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
      let stderr = ''
      child.stderr.on('data', (c) => (stderr += c))
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`lakectl ${args.join(' ')} exited ${code}: ${stderr}`))
        else resolve(Number(process.hrtime.bigint() - started) / 1e6)
      })
    })
  const measure = async (args) => {
    await control('DELETE', '/__lakectl/requests')
    const ms = await cli(args)
    const requests = await control('GET', '/__lakectl/requests')
    return {ms, requests: requests.length}
  }
  const scratch = await measure(['bootstrap', '--yes'])
  const converged = await measure(['bootstrap', '--yes'])
  await server.close()
  return {latency, scratch, converged}
}


const results = [await run(0), await run(latencyMs)]
const [base, slow] = results
// Dependency depth by construction (see src/lakehouse): a converged plan reads catalog -> schemas ->
// tables and grants -> reference rows (SELECT); from scratch, the plan's reads then apply phases catalog,
// schemas, tables, grants (PATCH + read-back) and reference data, jobs.
const DEPTH = {scratch: 2 + 6, converged: 4}
console.log(`bootstrap round trips (local workspace; injected latency ${latencyMs} ms per request)`)
console.log('  run               requests  wall (0 ms)  wall (50 ms)  latency added  = round trips  depth  budget 2 x depth x latency')
for (const name of ['scratch', 'converged']) {
  const added = slow[name].ms - base[name].ms
  const trips = added / latencyMs
  const budget = 2 * DEPTH[name] * latencyMs
  console.log(`  ${name.padEnd(16)} ${String(slow[name].requests).padStart(9)} ${String(Math.round(base[name].ms)).padStart(10)} ms ${String(Math.round(slow[name].ms)).padStart(10)} ms ${String(Math.round(added)).padStart(11)} ms ${trips.toFixed(1).padStart(13)} ${String(DEPTH[name]).padStart(6)}  ${added <= budget ? 'met' : 'MISSED'} (${Math.round(added)} <= ${budget} ms)`)
}
console.log('  wall (0 ms) is mostly process start-up and local work; the latency added is what round trips cost.')
const worst = Math.max(...['scratch', 'converged'].map((name) => (slow[name].ms - base[name].ms) / (2 * DEPTH[name] * latencyMs)))
console.log(`bootstrap: latency added worst ${worst.toFixed(2)}x of its budget (2 x depth x latency) -> ${worst <= 1 ? 'met' : 'MISSED'}`)
console.log(JSON.stringify({bench: 'bootstrap', latency_ms: latencyMs, depth: DEPTH, results}))
