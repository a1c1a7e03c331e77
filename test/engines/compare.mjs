#!/usr/bin/env node
// Runs one JSONL file of Kafka record values (one value a line) through both engines and compares their
// tables with each other and with the independent model (src/pipeline/expected.ts):
//
//   node test/engines/compare.mjs --events FILE [--out DIR] [--max-offsets-per-trigger N]
//
//   spark     Kafka (KRaft, 127.0.0.1) -> the shipped runners on spark-submit --master local[2] with Delta
//   duckdb    the local workspace's topic and streaming jobs (its DuckDB engine)
//   expected  DESIGN section 1 computed in plain TypeScript
//
// Prints the differences per table and exits 1 when there is any. With --out it also writes each
// engine's compared tables as DIR/<table>.<engine>.json. Needs the engines cache (bash
// test/engines/setup/setup.sh; LAKECTL_ENGINES_CACHE to use another folder).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {register} from 'tsx/esm/api'

register()
const {values: options} = parseArgs({options: {events: {type: 'string'}, out: {type: 'string'}, 'max-offsets-per-trigger': {type: 'string'}, keep: {type: 'boolean'}}})
if (!options.events) {
  console.error('usage: node test/engines/compare.mjs --events FILE [--out DIR] [--max-offsets-per-trigger N]')
  process.exit(2)
}
const compare = await import('./harness/compare.ts')
const {stopAll} = await import('./harness/processes.ts')
const values = compare.readEvents(options.events)
const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-compare-'))
let failed = false
try {
  console.error(`${values.length.toLocaleString('en')} records from ${options.events}`)
  const started = Date.now()
  const tables = {expected: compare.expectedTables(values)}
  tables.duckdb = await compare.duckdbTables(values)
  console.error(`duckdb done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  const maxOffsets = options['max-offsets-per-trigger'] ? Number(options['max-offsets-per-trigger']) : undefined
  tables.spark = await compare.sparkTables(values, path.join(dir, 'spark'), {maxOffsetsPerTrigger: maxOffsets})
  console.error(`spark done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  if (options.out) for (const [engine, t] of Object.entries(tables)) compare.writeTables(options.out, engine, t)
  for (const [left, right] of [['spark', 'duckdb'], ['spark', 'expected'], ['duckdb', 'expected']]) {
    const found = compare.differences(tables[left], tables[right])
    for (const table of compare.COMPARED) {
      const d = found.find((f) => f.table === table)
      const rows = tables[left][table].length
      if (!d) {
        console.log(`${left} = ${right}  ${table} (${rows} rows)`)
        continue
      }
      failed = true
      console.log(`${left} != ${right}  ${table}: ${d.onlyLeft.length} rows only in ${left}, ${d.onlyRight.length} only in ${right}`)
      for (const row of d.onlyLeft.slice(0, 5)) console.log(`  ${left}: ${row}`)
      for (const row of d.onlyRight.slice(0, 5)) console.log(`  ${right}: ${row}`)
    }
  }
} finally {
  await stopAll()
  if (!options.keep) rmSync(dir, {recursive: true, force: true})
  else console.error(`kept ${dir}`)
}
process.exit(failed ? 1 : 0)
