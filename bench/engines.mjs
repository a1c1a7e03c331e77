#!/usr/bin/env node
// The two engines side by side (DESIGN section 6: "the peer to beat is Spark local[2] running the
// shipped runners on the same events"): the same generated events through
//   spark   Kafka (KRaft, 127.0.0.1) -> bronze.py, silver.py, gold.py on spark-submit --master local[2] + Delta
//   local   the local workspace's topic -> its Bronze, Silver and Gold streaming jobs (DuckDB)
// Both are measured in this one run, in drain mode: the events are on the topic first, then the three
// streams start and catch up. Reported per engine: events/s end to end (from starting the streams until
// Gold has read every row Silver wrote; for Spark also from its first batch, i.e. without JVM start-up)
// and peak memory (RSS of the engine's processes: Spark's three drivers with their Python workers; the
// workspace process), sampled every second.
//
//   node bench/engines.mjs [--events 1000000] [--max-offsets-per-trigger 250000]
//
// Needs the engines cache (bash test/engines/setup/setup.sh). Prints a table and one JSON line.
import {spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {fileURLToPath} from 'node:url'
import {register} from 'tsx/esm/api'

register()
const root = fileURLToPath(new URL('..', import.meta.url))
const load = (file) => import(path.join(root, file))
const {values: options} = parseArgs({options: {events: {type: 'string', default: '1000000'}, 'max-offsets-per-trigger': {type: 'string', default: '250000'}}})
const EVENTS = Number(options.events)
const TIMEOUT_MS = 3_600_000

const {generateEvents} = await load('src/pipeline/index.ts')
const {writeEvents} = await load('test/engines/harness/compare.ts')
const {SparkPipeline} = await load('test/engines/harness/pipeline.ts')
const {TOPIC} = await load('test/engines/harness/lakehouse.ts')
const {stopAll} = await load('test/engines/harness/processes.ts')
const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-bench-engines-'))
const file = path.join(dir, 'events.jsonl')
writeEvents(file, [...generateEvents({count: EVENTS, seed: 42})])

/** RSS in MB of every process whose process group is one of `groups`. */
function groupRssMb(groups) {
  let kb = 0
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
      if (!groups.includes(pgrp)) continue
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
    } catch {
      // the process ended meanwhile
    }
  }
  return kb / 1024
}

async function sampleUntil(done, rss) {
  let peak = 0
  for (const started = Date.now(); ; ) {
    peak = Math.max(peak, rss())
    if (await done()) return peak
    if (Date.now() - started > TIMEOUT_MS) throw new Error('not caught up in time')
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

async function spark() {
  const pipeline = await SparkPipeline.create(path.join(dir, 'spark'), {maxOffsetsPerTrigger: Number(options['max-offsets-per-trigger'])})
  try {
    const produced = await pipeline.kafka.produceFile(TOPIC, file)
    const started = Date.now()
    pipeline.startAll()
    const groups = Object.values(pipeline.drivers).map((d) => d.pid)
    const peak = await sampleUntil(async () => {
      pipeline.assertRunning()
      const p = await pipeline.progress().catch(() => undefined)
      return p && p.bronze === EVENTS && p.silverIn === EVENTS && p.goldIn === p.silverRows
    }, () => groupRssMb(groups))
    const seconds = (Date.now() - started) / 1000
    const [first] = await pipeline.reader.rows(`SELECT epoch_ms(min(trigger_ts)) AS t FROM {ops.stream_progress} WHERE stream = 'bronze'`)
    const fromFirstBatch = (Date.now() - Number(first.t)) / 1000
    return {seconds, from_first_batch_seconds: fromFirstBatch, events_per_second: EVENTS / seconds, events_per_second_from_first_batch: EVENTS / fromFirstBatch, peak_rss_mb: Math.round(peak), produce_seconds: produced.seconds}
  } finally {
    await pipeline.close()
  }
}

async function local() {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'lakectl-bench-ws-'))
  const token = `bench_${Math.random().toString(16).slice(2)}`
  writeFileSync(path.join(stateDir, 'token'), token, {mode: 0o600})
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/local/main.ts'), '--state-dir', stateDir], {cwd: root, stdio: 'ignore'})
  try {
    let url
    for (let i = 0; !url; i++) {
      try {
        url = JSON.parse(readFileSync(path.join(stateDir, 'server.json'), 'utf8')).url
      } catch {
        if (i > 600) throw new Error('the workspace did not start')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const {DatabricksClient} = await load('src/databricks/client.ts')
    const {resolveSettings} = await load('src/config/targets.ts')
    const {applyBootstrap, planBootstrap} = await load('src/lakehouse/bootstrap.ts')
    const client = new DatabricksClient({host: url, auth: {headers: async () => ({authorization: `Bearer ${token}`}), secrets: () => [token]}, userAgent: 'lakectl-bench'})
    await applyBootstrap(client, await planBootstrap(client, resolveSettings({}, {}, mkdtempSync(path.join(tmpdir(), 'lakectl-bench-project-')))))
    const sql = async (statement) => {
      let r = await client.post('/api/2.0/sql/statements', {statement, warehouse_id: 'local00000000001', wait_timeout: '30s'})
      while (['PENDING', 'RUNNING'].includes(r.status.state)) r = await client.get(`/api/2.0/sql/statements/${r.statement_id}`)
      if (r.status.state !== 'SUCCEEDED') throw new Error(JSON.stringify(r.status))
      return r.result.data_array
    }
    const values = readFileSync(file, 'utf8').split('\n').slice(0, EVENTS)
    for (let i = 0; i < values.length; i += 20_000) {
      await client.post(`/api/2.0/lakectl/topics/${TOPIC}/records`, {records: values.slice(i, i + 20_000).map((value) => ({value}))})
    }
    const {jobs} = await client.get('/api/2.2/jobs/list', {limit: 100})
    const started = Date.now()
    for (const layer of ['bronze', 'silver', 'gold']) {
      const job = jobs.find((j) => j.settings.tags.lakectl_layer === layer)
      await client.post('/api/2.2/jobs/update', {job_id: job.job_id, new_settings: {continuous: {pause_status: 'UNPAUSED'}}})
    }
    const peak = await sampleUntil(async () => {
      const [[silverIn, goldIn, silverRows]] = await sql(`SELECT
        (SELECT coalesce(sum(rows_in), 0) FROM lakehouse.ops.quality_metrics WHERE stream = 'silver'),
        (SELECT coalesce(sum(rows_in), 0) FROM lakehouse.ops.quality_metrics WHERE stream = 'gold' AND table_name = 'gold.customer_behavior_daily'),
        (SELECT count(*) FROM lakehouse.silver.customer_events_cleaned)`)
      return Number(silverIn) === EVENTS && Number(goldIn) === Number(silverRows)
    }, () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024)
    const seconds = (Date.now() - started) / 1000
    client.close()
    return {seconds, events_per_second: EVENTS / seconds, peak_rss_mb: Math.round(peak)}
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(stateDir, {recursive: true, force: true})
  }
}

try {
  const results = {local: await local(), spark: await spark()}
  const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]
  console.log(`engines: ${EVENTS.toLocaleString('en')} events, drain (events on the topic first), Kafka -> Bronze -> Silver -> Gold`)
  console.log(`  local workspace (DuckDB)  ${Math.round(results.local.events_per_second).toLocaleString('en').padStart(9)} events/s  (${results.local.seconds.toFixed(1)} s)  peak RSS ${results.local.peak_rss_mb} MB`)
  console.log(`  Spark local[2] + Delta    ${Math.round(results.spark.events_per_second).toLocaleString('en').padStart(9)} events/s  (${results.spark.seconds.toFixed(1)} s; ${Math.round(results.spark.events_per_second_from_first_batch).toLocaleString('en')}/s from its first batch)  peak RSS ${results.spark.peak_rss_mb} MB (3 drivers)`)
  console.log(`  ratio local / spark: ${(results.local.events_per_second / results.spark.events_per_second).toFixed(2)}x events/s, ${(results.spark.peak_rss_mb / results.local.peak_rss_mb).toFixed(2)}x less memory (load average at the end ${load1})`)
  console.log(JSON.stringify({bench: 'engines', events: EVENTS, ...results}))
} finally {
  await stopAll()
  rmSync(dir, {recursive: true, force: true})
}
