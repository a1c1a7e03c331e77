#!/usr/bin/env node
// Local engine budget (DESIGN section 6): sustained events/s through Bronze -> Silver -> Gold of the local
// workspace, against the ceiling of the same SQL run as ONE DuckDB batch, measured in this one run.
//
//   node bench/engine.mjs [--events 1000000] [--rate EVENTS_PER_S, 0 = as fast as possible] [--batch 20000]
//
// The workspace runs as its own process (as `lakectl local up` runs it); this process bootstraps it with
// lakectl's bootstrap, starts the three streams, produces generated events over HTTP at the offered rate
// (0 = as fast as possible), and samples every second: offsets behind per layer and the server's RSS.
// Sources load through tsx, so no build is needed. Prints a table and one JSON line.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {fileURLToPath} from 'node:url'
import {register} from 'tsx/esm/api'

register()
const root = fileURLToPath(new URL('..', import.meta.url))
const src = (file) => import(path.join(root, 'src', file))
const {values: options} = parseArgs({options: {events: {type: 'string', default: '1000000'}, rate: {type: 'string', default: '0'}, batch: {type: 'string', default: '20000'}}})
const EVENTS = Number(options.events)
const RATE = Number(options.rate)
const BATCH = Number(options.batch)
const TIMEOUT_MS = 240_000

const {generateEvents, loadTableSpecs, renderSql, preparePipelineConnection, presentBronzeBatch, presentSilverBatch, runSilverBatch, runGoldBatch} = await src('pipeline/index.ts')
const events = [...generateEvents({count: EVENTS, seed: 42})]

// ---------------------------------------------------------------------------------------------------
// The ceiling: the same manifest SQL over all events as one batch, in one DuckDB (a file, as locally).

async function oneBatch() {
  const {DuckDBInstance, DuckDBTimestampValue, DuckDBDateValue} = await import('@duckdb/node-api')
  const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-bench-batch-'))
  const instance = await DuckDBInstance.create(':memory:')
  const c = await instance.connect()
  await c.run(`ATTACH '${path.join(dir, 'lakehouse.duckdb')}' AS lakehouse`)
  for (const schema of ['bronze', 'silver', 'gold', 'ops']) await c.run(`CREATE SCHEMA lakehouse.${schema}`)
  const {translate} = await src('local/sql-dialect.ts')
  for (const spec of loadTableSpecs()) {
    for (const statement of translate(renderSql(spec.file, {catalog: 'lakehouse'})).statements) await c.run(statement)
  }
  for (const [table, file] of [['customers', 'customers.csv'], ['products', 'products.csv']]) {
    await c.run(`INSERT INTO lakehouse.silver.${table} SELECT * FROM read_csv('${path.join(root, 'resources/data', file)}', header = true)`)
  }
  await preparePipelineConnection(c, null)
  const appender = await c.createAppender('customer_events_raw', 'bronze', 'lakehouse')
  const now = BigInt(Date.now()) * 1000n
  events.forEach((value, offset) => {
    appender.appendNull()
    appender.appendVarchar(value)
    appender.appendVarchar('customer-events')
    appender.appendInteger(0)
    appender.appendBigInt(BigInt(offset))
    appender.appendTimestamp(new DuckDBTimestampValue(now))
    appender.appendTimestamp(new DuckDBTimestampValue(now))
    appender.appendDate(new DuckDBDateValue(Math.floor(Date.now() / 86_400_000)))
    appender.endRow()
  })
  appender.closeSync()
  const started = performance.now()
  await presentBronzeBatch(c, 'lakehouse', [{topic: 'customer-events', partition: 0, startOffset: 0, endOffset: EVENTS}])
  await runSilverBatch(c, {catalog: 'lakehouse', batchId: 0})
  const silverDone = performance.now()
  await presentSilverBatch(c, 'lakehouse', -1, 0)
  await runGoldBatch(c, {catalog: 'lakehouse', batchId: 0})
  const seconds = (performance.now() - started) / 1000
  c.closeSync()
  instance.closeSync()
  rmSync(dir, {recursive: true, force: true})
  return {seconds, silver_seconds: (silverDone - started) / 1000, events_per_second: EVENTS / seconds}
}

// ---------------------------------------------------------------------------------------------------
// The streams: a workspace process, bootstrapped, three continuous jobs, events over HTTP.

async function startWorkspace() {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'lakectl-bench-ws-'))
  const token = `bench_${Math.random().toString(16).slice(2)}`
  writeFileSync(path.join(stateDir, 'token'), token, {mode: 0o600})
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/local/main.ts'), '--state-dir', stateDir], {cwd: root, stdio: 'ignore'})
  // A run that fails must not leave its workspace running (and taking CPU from the next run).
  process.once('exit', () => child.kill('SIGKILL'))
  const info = path.join(stateDir, 'server.json')
  for (let i = 0; ; i++) {
    try {
      const {url} = JSON.parse(readFileSync(info, 'utf8'))
      return {url, token, stateDir, child}
    } catch {
      if (i > 300) throw new Error('the workspace did not start')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Number(match[1]) / 1024 : 0
}

/**
 * live: the streams run while events are produced (the producer shares the machine).
 * drain: the events are produced first, then the streams start and catch up (the engine alone).
 */
async function streams(mode) {
  const ws = await startWorkspace()
  const {DatabricksClient} = await src('databricks/client.ts')
  const {resolveSettings} = await src('config/targets.ts')
  const {applyBootstrap, planBootstrap} = await src('lakehouse/bootstrap.ts')
  const client = new DatabricksClient({host: ws.url, auth: {headers: async () => ({authorization: `Bearer ${ws.token}`}), secrets: () => [ws.token]}, userAgent: 'lakectl-bench'})
  const project = mkdtempSync(path.join(tmpdir(), 'lakectl-bench-project-'))
  mkdirSync(project, {recursive: true})
  const settings = await resolveSettings({}, {}, project)
  await applyBootstrap(client, await planBootstrap(client, settings))
  const sql = async (statement) => {
    let r = await client.post('/api/2.0/sql/statements', {statement, warehouse_id: 'local00000000001', wait_timeout: '30s'})
    while (['PENDING', 'RUNNING'].includes(r.status.state)) r = await client.get(`/api/2.0/sql/statements/${r.statement_id}`)
    if (r.status.state !== 'SUCCEEDED') throw new Error(JSON.stringify(r.status))
    return r.result.data_array
  }
  const {jobs} = await client.get('/api/2.2/jobs/list', {limit: 100})
  const byLayer = Object.fromEntries(jobs.map((job) => [job.settings.tags.lakectl_layer, job.job_id]))
  const startStreams = async () => {
    for (const layer of ['bronze', 'silver', 'gold']) await client.post('/api/2.2/jobs/update', {job_id: byLayer[layer], new_settings: {continuous: {pause_status: 'UNPAUSED'}}})
  }
  if (mode === 'live') await startStreams()

  const processed = async () => {
    const [[bronze, silver, gold]] = await sql(`SELECT
      (SELECT coalesce(sum(num_input_rows), 0) FROM lakehouse.ops.stream_progress WHERE stream = 'bronze'),
      (SELECT coalesce(sum(rows_in), 0) FROM lakehouse.ops.quality_metrics WHERE stream = 'silver'),
      (SELECT coalesce(sum(rows_in), 0) FROM lakehouse.ops.quality_metrics WHERE stream = 'gold' AND table_name = 'gold.customer_behavior_daily')`)
    return {bronze: Number(bronze), silver: Number(silver), gold: Number(gold)}
  }
  let produced = 0
  const samples = []
  let started = performance.now()
  let startedAt = Date.now()
  let sampling = true
  const sample = async () => {
    while (sampling) {
      const at = (performance.now() - started) / 1000
      const p = await processed()
      samples.push({t: +at.toFixed(1), produced, ...p, rss_mb: Math.round(rssMb(ws.child.pid))})
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }
  let sampler = mode === 'live' ? sample() : undefined
  for (let i = 0; i < EVENTS; i += BATCH) {
    if (RATE > 0) {
      const due = started + (i / RATE) * 1000
      if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()))
    }
    const batch = events.slice(i, i + BATCH)
    await client.post('/api/2.0/lakectl/topics/customer-events/records', {records: batch.map((value) => ({value}))})
    produced += batch.length
  }
  const producedAt = (performance.now() - started) / 1000
  if (mode === 'drain') {
    started = performance.now()
    startedAt = Date.now()
    sampler = sample()
    await startStreams()
  }
  // Gold has caught up when it read every row Silver wrote, after Silver read every event.
  let done
  for (;;) {
    const p = await processed()
    const [[silverRows]] = await sql('SELECT count(*) FROM lakehouse.silver.customer_events_cleaned')
    if (p.silver === EVENTS && p.gold === Number(silverRows)) {
      done = (performance.now() - started) / 1000
      break
    }
    if (performance.now() - started > TIMEOUT_MS) throw new Error(`not caught up after ${TIMEOUT_MS / 1000}s: ${JSON.stringify(p)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  sampling = false
  await sampler
  // Per layer: batches, rows and the rate while a batch ran (rows over the sum of batch durations).
  const layers = Object.fromEntries(
    (await sql(`SELECT stream, count(*), sum(num_input_rows), sum(batch_duration_ms), max(num_input_rows) FROM lakehouse.ops.stream_progress WHERE num_input_rows > 0 GROUP BY stream`)).map(
      ([stream, batches, rows, ms, largest]) => [stream, {batches: Number(batches), rows: Number(rows), busy_seconds: Number(ms) / 1000, rows_per_busy_second: Math.round(Number(rows) / (Number(ms) / 1000)), largest_batch: Number(largest)}],
    ),
  )
  // Each layer's batches on the run's clock: start (s) + duration (s) and rows, to see idle gaps and overlap.
  const timeline = {}
  for (const [stream, epochMs, ms, rows] of await sql(
    `SELECT stream, epoch_ms(trigger_ts), batch_duration_ms, num_input_rows FROM lakehouse.ops.stream_progress WHERE num_input_rows > 0 ORDER BY stream, trigger_ts`,
  )) {
    ;(timeline[stream] ??= []).push({start: +((Number(epochMs) - startedAt) / 1000).toFixed(2), seconds: +(Number(ms) / 1000).toFixed(2), rows: Number(rows)})
  }
  client.close()
  ws.child.kill('SIGTERM')
  await new Promise((resolve) => ws.child.once('exit', resolve))
  rmSync(ws.stateDir, {recursive: true, force: true})
  const behind = samples.map((s) => s.produced - s.gold)
  const rss = samples.map((s) => s.rss_mb)
  const half = Math.floor(rss.length / 2)
  return {
    produce_seconds: producedAt,
    offered_events_per_second: EVENTS / producedAt,
    caught_up_seconds: done,
    events_per_second: EVENTS / done,
    max_gold_behind: Math.max(...behind),
    peak_rss_mb: Math.max(...rss),
    rss_first_half_max_mb: Math.max(...rss.slice(0, Math.max(1, half))),
    rss_second_half_max_mb: Math.max(...rss.slice(half)),
    layers,
    timeline,
    samples,
  }
}

const ceiling = await oneBatch()
const runs = {live: await streams('live'), drain: await streams('drain')}
console.log(`local engine: ${EVENTS.toLocaleString('en')} events, offered ${RATE ? `${RATE.toLocaleString('en')}/s` : 'as fast as possible'}`)
for (const [mode, run] of Object.entries(runs)) {
  console.log(`${mode}: ${mode === 'live' ? 'streams run while the events are produced' : 'events produced first, then the streams catch up'} (t from ${mode === 'live' ? 'the first event' : 'the start of the streams'})`)
  console.log('  t(s)   produced     bronze     silver       gold   rss MB')
  for (const s of run.samples) {
    console.log(`  ${String(s.t).padStart(5)} ${String(s.produced).padStart(10)} ${String(s.bronze).padStart(10)} ${String(s.silver).padStart(10)} ${String(s.gold).padStart(10)} ${String(s.rss_mb).padStart(8)}`)
  }
  for (const [layer, l] of Object.entries(run.layers)) {
    console.log(`  ${layer.padEnd(7)} ${String(l.batches).padStart(4)} batches (largest ${l.largest_batch.toLocaleString('en')} rows), busy ${l.busy_seconds.toFixed(1)} s, ${l.rows_per_busy_second.toLocaleString('en')} rows/s while busy`)
  }
  for (const [layer, batches] of Object.entries(run.timeline)) {
    console.log(`  ${layer.padEnd(7)} batches (start+seconds, k rows): ${batches.map((b) => `${b.start}+${b.seconds} ${Math.round(b.rows / 1000)}k`).join(', ')}`)
  }
  console.log(`  max Gold behind ${run.max_gold_behind.toLocaleString('en')} events; peak RSS ${run.peak_rss_mb} MB (first half ${run.rss_first_half_max_mb}, second half ${run.rss_second_half_max_mb})`)
}
const ratio = (run) => run.events_per_second / ceiling.events_per_second
console.log('summary')
console.log(`  one DuckDB batch (ceiling)        ${Math.round(ceiling.events_per_second).toLocaleString('en').padStart(10)} events/s (${ceiling.seconds.toFixed(2)} s, Silver ${ceiling.silver_seconds.toFixed(2)} s)`)
console.log(`  live: produce -> Gold caught up   ${Math.round(runs.live.events_per_second).toLocaleString('en').padStart(10)} events/s (${runs.live.caught_up_seconds.toFixed(1)} s; produced in ${runs.live.produce_seconds.toFixed(1)} s)  ratio ${ratio(runs.live).toFixed(2)}`)
console.log(`  drain: start -> Gold caught up    ${Math.round(runs.drain.events_per_second).toLocaleString('en').padStart(10)} events/s (${runs.drain.caught_up_seconds.toFixed(1)} s)  ratio ${ratio(runs.drain).toFixed(2)}`)
const verdict = (ok) => (ok ? 'met' : 'MISSED')
const live = runs.live
console.log(`engine: ceiling ${(ceiling.events_per_second / 400_000).toFixed(2)}x of the 400,000 events/s budget -> ${verdict(ceiling.events_per_second >= 400_000)}`)
console.log(`engine: live ${(live.events_per_second / 200_000).toFixed(2)}x of the 200,000 events/s budget -> ${verdict(live.events_per_second >= 200_000)}`)
console.log(`engine: drain ${ratio(runs.drain).toFixed(2)}x of the ceiling, budget 0.9x -> ${verdict(ratio(runs.drain) >= 0.9)}`)
console.log(`engine: live peak RSS ${(live.peak_rss_mb / 600).toFixed(2)}x of the 600 MB budget, second half ${(live.rss_second_half_max_mb / live.rss_first_half_max_mb).toFixed(2)}x the first (budget 1x) -> ${verdict(live.peak_rss_mb < 600 && live.rss_second_half_max_mb <= live.rss_first_half_max_mb)}`)
const summary = Object.fromEntries(Object.entries(runs).map(([mode, {samples, timeline, ...rest}]) => [mode, {...rest, samples: samples.length, ratio: +ratio(rest).toFixed(3)}]))
console.log(JSON.stringify({bench: 'engine', events: EVENTS, offered_rate: RATE, ceiling_events_per_second: Math.round(ceiling.events_per_second), ...summary}))
