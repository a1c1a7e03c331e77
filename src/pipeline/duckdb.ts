/**
 * Makes a DuckDB connection able to run the pipeline SQL: UTC session time zone, the macros that give
 * Spark's function names their Spark meaning (resources/sql/duckdb_macros.sql) and the two sentiment
 * functions the Silver SQL calls. DuckDB itself is imported lazily: only the local engine needs it.
 */
import type {DuckDBConnection, DuckDBDataChunk, DuckDBVector} from '@duckdb/node-api'

import {readResource} from './resources.js'

/** A sentiment model as the pipeline sees it: P(positive) in [0, 1] per text, NULL for no score. */
export interface SentimentScorer {
  version: string
  score(texts: Array<string | null>): Array<number | null>
}

export async function preparePipelineConnection(connection: DuckDBConnection, scorer: SentimentScorer | null): Promise<void> {
  await setUtc(connection)
  await installMacros(connection)
  await registerSentimentFunctions(connection, scorer)
}

/** Spark runs with spark.sql.session.timeZone = UTC; dates, hours and timestamp casts depend on it. */
export async function setUtc(connection: DuckDBConnection): Promise<void> {
  await connection.run(`SET SESSION TimeZone = 'UTC'`)
}

/**
 * Creates the macros as TEMP macros of this connection: visible whatever catalog the connection USEs,
 * invisible to other connections (one macro shadows DuckDB's own datediff).
 */
export async function installMacros(connection: DuckDBConnection): Promise<void> {
  await connection.run(readResource('sql', 'duckdb_macros.sql'))
}

/**
 * Registers `sentiment_score(text) -> DOUBLE` and `sentiment_model_version() -> VARCHAR` over the scorer
 * (NULL scores and version when scorer is null). Functions live in the instance's catalog: every
 * connection sees them. To switch models, call this again with the new scorer: registering a function
 * of the same name replaces it for the whole instance (measured with @duckdb/node-api 1.5.6), and the
 * next statement uses the new model. Run the switch between batches, not during one.
 * Without a model, this connection also gets the SQL shortcut of setUnscoredShortcut (and loses it
 * with one): connections that run Silver call this, or setUnscoredShortcut, whenever the model changes.
 */
export async function registerSentimentFunctions(connection: DuckDBConnection, scorer: SentimentScorer | null): Promise<void> {
  const {DuckDBScalarFunction, DOUBLE, VARCHAR} = await import('@duckdb/node-api')
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'sentiment_score',
      returnType: DOUBLE,
      parameterTypes: [VARCHAR],
      mainFunction: (_info, input, output) => writeScores(scorer, input, output),
    }),
  )
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'sentiment_model_version',
      returnType: VARCHAR,
      mainFunction: (_info, input, output) => {
        for (let row = 0; row < input.rowCount; row++) output.setItem(row, scorer?.version ?? null)
        output.flush()
      },
    }),
  )
  await setUnscoredShortcut(connection, scorer === null)
}

/**
 * With no model served, scores and versions are NULL whatever the text: on this connection, TEMP macros
 * of the same names say so in SQL and shadow the instance's JavaScript functions (temp comes first in
 * DuckDB's search path), as the PySpark runner registers SQL functions returning NULL. Silver then never
 * calls into JavaScript, which costs a hop to Node's main thread per chunk of rows (about 0.2-0.5 s per
 * million events). `on: false` drops the macros, so the JavaScript functions (the model) answer again.
 */
export async function setUnscoredShortcut(connection: DuckDBConnection, on: boolean): Promise<void> {
  if (on) {
    await connection.run('CREATE OR REPLACE TEMP MACRO sentiment_score(text) AS CAST(NULL AS DOUBLE)')
    await connection.run('CREATE OR REPLACE TEMP MACRO sentiment_model_version() AS CAST(NULL AS VARCHAR)')
  } else {
    await connection.run('DROP MACRO IF EXISTS temp.main.sentiment_score')
    await connection.run('DROP MACRO IF EXISTS temp.main.sentiment_model_version')
  }
}

/** Scores one chunk (up to 2,048 rows) in one call; the model never sees NULL or empty texts. */
function writeScores(scorer: SentimentScorer | null, input: DuckDBDataChunk, output: DuckDBVector): void {
  const texts = input.getColumnVector(0)
  const rows: number[] = []
  const batch: string[] = []
  for (let row = 0; row < input.rowCount; row++) {
    const text = texts.getItem(row) as string | null
    output.setItem(row, null)
    if (scorer && text) {
      rows.push(row)
      batch.push(text)
    }
  }
  if (scorer && batch.length > 0) {
    const scores = scorer.score(batch)
    if (scores.length !== batch.length) throw new Error(`the sentiment model returned ${scores.length} scores for ${batch.length} texts`)
    scores.forEach((score, i) => {
      if (score !== null && !(score >= 0 && score <= 1)) throw new Error(`the sentiment model returned ${score}, outside [0, 1]`)
      output.setItem(rows[i], score)
    })
  }
  output.flush()
}
