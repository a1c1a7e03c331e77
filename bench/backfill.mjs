#!/usr/bin/env node
// Backfill fan-out (DESIGN section 6): N partitions at concurrency C within 1.2 x ceil(N/C) x the
// single-partition time, on the local workspace. In one run: Bronze is loaded with events over N days;
// the single-partition time is the median duration of N runs of the backfill job started one at a time
// with run-now and polled directly (no lakectl); then `lakectl backfill silver --mode replace` over the N
// days at C = 1, 2, 4 is timed from process start to exit. The overhead lakectl adds per partition is
// (wall - ceil(N/C) x median) / ceil(N/C): start-up, the durable record, run-now, polling.
//
//   npm run build && node bench/backfill.mjs [--partitions 30] [--events 30000]
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const {values: options} = parseArgs({options: {partitions: {type: 'string', default: '30'}, events: {type: 'string', default: '30000'}}})
const N = Number(options.partitions)
const EVENTS = Number(options.events)
const CONCURRENCY = [1, 2, 4]
const BUDGET = 1.2
const FIRST = '2026-10-01'
const DAY_MS = 86_400_000

const {startLocalWorkspace} = await import(path.join(root, 'dist/local/server.js'))
const {generateEvents} = await import(path.join(root, 'dist/pipeline/index.js'))

const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-bench-backfill-'))
const stateDir = path.join(dir, 'state')
mkdirSync(stateDir)
const token = `lkl_bench_${Date.now()}`
const server = await startLocalWorkspace({stateDir, token})
writeFileSync(path.join(stateDir, 'token'), token, {mode: 0o600})
writeFileSync(path.join(stateDir, 'server.json'), JSON.stringify({url: server.url, port: server.port, pid: process.pid, started_at: Date.now()}))
const env = {PATH: process.env.PATH, HOME: dir, NODE_ENV: 'production', LAKECTL_STATE_DIR: stateDir, CI: 'true'}

const api = async (method, p, body) => {
  const response = await fetch(`${server.url}${p}`, {method, headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}, body: body && JSON.stringify(body)})
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${p}: ${response.status} ${text}`)
  return text ? JSON.parse(text) : {}
}
const sql = async (statement) => {
  let r = await api('POST', '/api/2.0/sql/statements', {statement, warehouse_id: 'local00000000001', wait_timeout: '30s'})
  while (['PENDING', 'RUNNING'].includes(r.status.state)) r = await api('GET', `/api/2.0/sql/statements/${r.statement_id}`)
  if (r.status.state !== 'SUCCEEDED') throw new Error(`${statement}: ${JSON.stringify(r.status)}`)
  return r.result?.data_array ?? []
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
// Asynchronous: the workspace runs in this process and must keep answering while the CLI runs.
const cli = (args) =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, [path.join(root, 'bin/run.js'), ...args], {env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`lakectl ${args.join(' ')} exited ${code}: ${stderr}`))
      else resolve({ms: Number(process.hrtime.bigint() - started) / 1e6, stdout})
    })
  })
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

try {
  await cli(['bootstrap', '--yes'])
  // Events spread evenly over the N days, into Bronze (the Bronze stream alone), then it stops.
  const eventsFile = path.join(dir, 'events.jsonl')
  writeFileSync(eventsFile, [...generateEvents({count: EVENTS, seed: 5, startTime: `${FIRST}T00:00:00Z`, eventsPerSecond: EVENTS / (N * 86_400), lateFraction: 0})].join('\n') + '\n')
  const {produced} = JSON.parse((await cli(['local', 'produce', '--from-file', eventsFile, '--json'])).stdout)
  await cli(['stream', 'start', 'bronze'])
  for (let [[n]] = await sql('SELECT 0'); Number(n) < produced; [[n]] = await sql('SELECT count(*) FROM lakehouse.bronze.customer_events_raw')) await sleep(200)
  await cli(['stream', 'stop', 'bronze'])
  const last = new Date(Date.parse(`${FIRST}T00:00:00Z`) + (N - 1) * DAY_MS).toISOString().slice(0, 10)
  const {jobs} = await api('GET', '/api/2.2/jobs/list?limit=100')
  const job = jobs.find((j) => j.settings.tags.lakectl_layer === 'backfill').job_id
  // Silver once in full, so every later replace does the same work.
  await cli(['backfill', 'silver', '--from', FIRST, '--to', last, '--no-downstream', '--concurrency', '4', '--yes'])

  // The baseline: one run at a time, started and polled without lakectl.
  const single = []
  for (let i = 0; i < N; i++) {
    const day = new Date(Date.parse(`${FIRST}T00:00:00Z`) + i * DAY_MS).toISOString().slice(0, 10)
    const {run_id: runId} = await api('POST', '/api/2.2/jobs/run-now', {job_id: job, job_parameters: {layer: 'silver', partition_date: day, mode: 'replace'}})
    let run
    // Polled gently: the workspace shares this process, and a tight loop would slow the run it times.
    while (!(run = await api('GET', `/api/2.2/jobs/runs/get?run_id=${runId}`)).end_time) await sleep(50)
    if (run.state.result_state !== 'SUCCESS') throw new Error(`run ${runId}: ${JSON.stringify(run.state)}`)
    single.push(run.end_time - run.start_time)
  }
  const partitionMs = median(single)

  const rows = []
  for (const c of CONCURRENCY) {
    const {ms, stdout} = await cli(['backfill', 'silver', '--from', FIRST, '--to', last, '--mode', 'replace', '--no-downstream', '--concurrency', String(c), '--yes', '--json'])
    const result = JSON.parse(stdout)
    if (result.counts.succeeded !== N) throw new Error(`C=${c}: ${JSON.stringify(result.counts)}`)
    const waves = Math.ceil(N / c)
    const ideal = waves * partitionMs
    const runs = result.partitions.map((p) => p.duration_seconds * 1000)
    // lakectl's own time: the wall minus the partition runs it waited for (C at a time), per wave.
    const busy = runs.reduce((a, b) => a + b, 0) / c
    rows.push({
      concurrency: c,
      wall_ms: Math.round(ms),
      ideal_ms: Math.round(ideal),
      ratio: ms / ideal,
      overhead_ms_per_partition: Math.round((ms - ideal) / waves),
      lakectl_ms_per_partition: Math.round((ms - busy) / waves),
      median_partition_run_ms: Math.round(median(runs)),
    })
  }
  const [[rows30]] = await sql('SELECT count(*) FROM lakehouse.silver.customer_events_cleaned')
  console.log(`backfill fan-out: ${N} Silver partitions (${rows30} rows), local workspace; single-partition run ${Math.round(partitionMs)} ms (median of ${N}, min ${Math.min(...single)} ms, max ${Math.max(...single)} ms)`)
  console.log('  C   wall        ceil(N/C) x single   ratio   budget 1.2   overhead/partition   lakectl time/partition   partition run (median, in the backfill)')
  for (const r of rows) {
    console.log(`  ${String(r.concurrency).padEnd(3)} ${String(r.wall_ms).padStart(7)} ms  ${String(r.ideal_ms).padStart(10)} ms  ${r.ratio.toFixed(2).padStart(13)}   ${r.ratio <= BUDGET ? 'met   ' : 'MISSED'}   ${String(r.overhead_ms_per_partition).padStart(10)} ms   ${String(r.lakectl_ms_per_partition).padStart(14)} ms   ${String(r.median_partition_run_ms).padStart(12)} ms`)
  }
  console.log('  overhead: (wall - ceil(N/C) x single) per wave; lakectl time: wall minus the runs it waited for, per wave (start-up,')
  console.log('  the record it writes, run-now, polling). At C > 1 the partition runs share the machine\'s cores, so each takes longer.')
  const worst = Math.max(...rows.map((r) => r.ratio))
  console.log(`backfill: fan-out worst ${worst.toFixed(2)}x of ceil(N/C) x single, budget ${BUDGET}x -> ${worst <= BUDGET ? 'met' : 'MISSED'}`)
  console.log(JSON.stringify({bench: 'backfill', partitions: N, events: EVENTS, single_partition_ms: partitionMs, single_runs_ms: single, budget: BUDGET, results: rows}))
} finally {
  await server.close()
  rmSync(dir, {recursive: true, force: true})
}
