/**
 * Stream checkpoints, kept in the catalog's own database (schema `__lakectl`, which Unity Catalog never
 * lists): a DuckDB transaction writes to one database only, so a batch's rows, its ops rows and its
 * checkpoint commit together, and a crash at any point leaves all of them or none. The table is an
 * append-only log (one row per committed batch; the newest wins), so the three streams never update the
 * same rows concurrently.
 */
import type {DuckDBConnection} from '@duckdb/node-api'
import {randomUUID} from 'node:crypto'

import {quoteIdent, type Engine} from '../engine/engine.js'

export const CHECKPOINT_SCHEMA = '__lakectl'
/** Log rows kept per stream beyond the newest. */
const KEPT = 100

export interface Checkpoint {
  stream: string
  /** Stable across restarts (StreamingQueryProgress.id). */
  queryId: string
  /** The last committed batch; -1 before the first. */
  batchId: number
  /** Where the stream has read up to, in its source's terms (Kafka-shaped offsets, a batch id...). */
  offsets: unknown
}

function table(catalog: string): string {
  return `${quoteIdent(catalog)}.${quoteIdent(CHECKPOINT_SCHEMA)}.stream_checkpoints`
}

/** Creates the checkpoint table of a catalog (through the engine's serialised connection: DDL races otherwise). */
export async function ensureCheckpointTable(engine: Engine, catalog: string): Promise<void> {
  await engine.execute(
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(catalog)}.${quoteIdent(CHECKPOINT_SCHEMA)}`,
    `CREATE TABLE IF NOT EXISTS ${table(catalog)} (stream VARCHAR NOT NULL, query_id VARCHAR NOT NULL, batch_id BIGINT NOT NULL, offsets VARCHAR NOT NULL, committed_at TIMESTAMP NOT NULL)`,
  )
}

export async function readCheckpoint(connection: DuckDBConnection, catalog: string, stream: string): Promise<Checkpoint | undefined> {
  const rows = (
    await connection.runAndReadAll(`SELECT query_id, batch_id, offsets FROM ${table(catalog)} WHERE stream = $stream ORDER BY batch_id DESC LIMIT 1`, {stream})
  ).getRowObjectsJS()
  if (rows.length === 0) return undefined
  return {stream, queryId: String(rows[0].query_id), batchId: Number(rows[0].batch_id), offsets: JSON.parse(String(rows[0].offsets))}
}

export function initialCheckpoint(stream: string, offsets: unknown): Checkpoint {
  return {stream, queryId: randomUUID(), batchId: -1, offsets}
}

/** Appends the checkpoint row (inside the caller's batch transaction) and trims old rows now and then. */
export async function writeCheckpoint(connection: DuckDBConnection, catalog: string, checkpoint: Checkpoint): Promise<void> {
  await connection.run(`INSERT INTO ${table(catalog)} VALUES ($stream, $query, $batch, $offsets, now()::TIMESTAMP)`, {
    stream: checkpoint.stream,
    query: checkpoint.queryId,
    batch: BigInt(checkpoint.batchId),
    offsets: JSON.stringify(checkpoint.offsets),
  })
  if (checkpoint.batchId % KEPT === 0) {
    await connection.run(`DELETE FROM ${table(catalog)} WHERE stream = $stream AND batch_id < $oldest`, {stream: checkpoint.stream, oldest: BigInt(checkpoint.batchId - KEPT)})
  }
}
