/**
 * DuckDB connections that run the pipeline SQL: each stream gets a connection of its own (its temp
 * tables and transactions are its own), in UTC, with the Spark-named macros (created per connection:
 * in an in-memory instance they land in the connection's temp schema, so the SQL warehouse's sessions
 * never see them) and the sentiment functions of the current model (the instance's, shared).
 */
import type {DuckDBConnection} from '@duckdb/node-api'

import {installMacros, registerSentimentFunctions, setUnscoredShortcut, setUtc, type SentimentScorer} from '../../pipeline/index.js'
import type {Engine} from '../engine/engine.js'

/**
 * Where Silver gets its sentiment model (the model side of the workspace provides it: the served
 * version of the model named by the task's `--model`, or of any `<catalog>.ml.sentiment` without it):
 * `current(model)` is the model to score with now, or null when none is served (scores are then NULL
 * and counted as unscored). Models are told apart by their identity fields, not object identity.
 */
export interface ScoringSource {
  current(model?: string): (SentimentScorer & {endpoint?: string; model?: string}) | null
}

/** Per engine: the identity of the model the SQL functions score with now. */
const registered = new WeakMap<Engine, string>()
/** Per connection: the model identity its unscored shortcut (setUnscoredShortcut) was last set for. */
const shortcut = new WeakMap<DuckDBConnection, string>()

export async function openPipelineConnection(engine: Engine): Promise<DuckDBConnection> {
  const connection = await engine.connect()
  try {
    await setUtc(connection)
    await installMacros(connection)
  } catch (error) {
    connection.closeSync()
    throw error
  }
  return connection
}

/**
 * Makes `sentiment_score()` and `sentiment_model_version()` use the current model. The functions are
 * the instance's, shared by every connection: call this between batches, never during one. Without a
 * model the connection also gets its SQL shortcut (NULL without calling JavaScript), tracked per
 * connection, since another connection may have switched the instance's functions in between.
 */
export async function syncSentimentFunctions(engine: Engine, connection: DuckDBConnection, scoring: ScoringSource | undefined, model?: string): Promise<void> {
  const scorer = scoring?.current(model) ?? null
  const identity = scorer === null ? 'none' : JSON.stringify([scorer.endpoint, scorer.model, scorer.version])
  if (registered.get(engine) !== identity) {
    await registerSentimentFunctions(connection, scorer)
    registered.set(engine, identity)
  } else if (shortcut.get(connection) !== identity) {
    await setUnscoredShortcut(connection, scorer === null)
  }
  shortcut.set(connection, identity)
}
