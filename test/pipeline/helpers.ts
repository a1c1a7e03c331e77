/** A DuckDB lakehouse for the pipeline tests, built from the same DDL, macros and reference data. */
import {DuckDBDateValue, DuckDBInstance, DuckDBTimestampValue, type DuckDBConnection} from '@duckdb/node-api'

import {loadTableSpecs, preparePipelineConnection, renderSql, type SentimentScorer} from '../../src/pipeline/index.js'
import type {BronzeRecord} from '../../src/pipeline/expected.js'
import {RESOURCES_DIR} from '../../src/pipeline/resources.js'

export const CATALOG = 'lakehouse'
const SCHEMAS = ['bronze', 'silver', 'gold', 'ops']

/**
 * Minimal Spark DDL -> DuckDB translation for these tests, on the rendered text (the local workspace
 * has its own translator in src/local): drop comments, USING, PARTITIONED BY and TBLPROPERTIES, and
 * quote the column name `offset`, a DuckDB keyword. The types are DuckDB types already.
 */
export function translateDdl(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, '')
    .replace(/\s+COMMENT\s+'(?:[^']|'')*'/g, '')
    .replace(/\s+USING\s+DELTA/g, '')
    .replace(/\s+PARTITIONED\s+BY\s*\([^)]*\)/g, '')
    .replace(/\s+TBLPROPERTIES\s*\([^)]*\)/g, '')
    .replace(/^(\s*)(offset|partition)(\s)/gm, '$1"$2"$3')
}

export async function createTestLakehouse(scorer: SentimentScorer | null): Promise<{instance: DuckDBInstance; connection: DuckDBConnection}> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await connection.run(`ATTACH ':memory:' AS ${CATALOG}`)
  for (const schema of SCHEMAS) await connection.run(`CREATE SCHEMA ${CATALOG}.${schema}`)
  for (const spec of loadTableSpecs()) await connection.run(translateDdl(renderSql(spec.file, {catalog: CATALOG})))
  for (const [table, file] of [['customers', 'customers.csv'], ['products', 'products.csv']]) {
    await connection.run(`INSERT INTO ${CATALOG}.silver.${table} SELECT * FROM read_csv('${RESOURCES_DIR}data/${file}', header = true)`)
  }
  await preparePipelineConnection(connection, scorer)
  return {instance, connection}
}

export async function appendBronze(connection: DuckDBConnection, records: BronzeRecord[]): Promise<void> {
  const appender = await connection.createAppender('customer_events_raw', 'bronze', CATALOG)
  for (const record of records) {
    const ingestMs = record.ingestTs.getTime()
    if (record.key) appender.appendVarchar(record.key)
    else appender.appendNull()
    if (record.value === null) appender.appendNull()
    else appender.appendVarchar(record.value)
    appender.appendVarchar(record.topic)
    appender.appendInteger(record.partition)
    appender.appendBigInt(BigInt(record.offset))
    if (record.kafkaTimestamp) appender.appendTimestamp(new DuckDBTimestampValue(BigInt(record.kafkaTimestamp.getTime()) * 1000n))
    else appender.appendNull()
    appender.appendTimestamp(new DuckDBTimestampValue(BigInt(ingestMs) * 1000n))
    appender.appendDate(new DuckDBDateValue(Math.floor(ingestMs / 86_400_000)))
    appender.endRow()
  }
  appender.closeSync()
}

/** Rows as plain JS values: BIGINT as number (the figures here are far below 2^53). */
export async function query(connection: DuckDBConnection, sql: string): Promise<Array<Record<string, unknown>>> {
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS()
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])))
}

/**
 * A toy model over the generator's vocabulary. Scores are multiples of 1/8, so sums of scores are exact
 * in binary floating point and averages compare exactly whatever order an engine adds them in.
 */
export function lexiconScorer(version = '7'): SentimentScorer {
  const positive = /\b(great|excellent|fantastic|wonderful|perfect|amazing|lovely|superb)\b/gi
  const negative = /\b(terrible|awful|broken|disappointing|poor|useless|horrible|flimsy)\b/gi
  return {
    version,
    score: (texts) =>
      texts.map((text) => {
        if (text === null) return null
        const balance = (text.match(positive)?.length ?? 0) - (text.match(negative)?.length ?? 0)
        return Math.min(1, Math.max(0, 0.5 + balance / 8))
      }),
  }
}
