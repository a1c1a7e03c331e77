/**
 * dt-sql-parser's SparkSQL grammar for the tests. dt-sql-parser 4.5.1 cannot be imported from Node 20
 * as published (ERR_UNSUPPORTED_DIR_IMPORT), so its Spark parser is bundled once with esbuild into
 * node_modules/.cache (about 2 MB, under a second) and imported from there.
 */
import {existsSync, mkdirSync, renameSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {build} from 'esbuild'

export interface SyntaxProblem {
  message: string
  startLine: number
  startColumn: number
}

export interface SparkSqlParser {
  validate(sql: string): SyntaxProblem[]
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BUNDLE = path.join(ROOT, 'node_modules', '.cache', 'lakectl-test', 'dt-sql-parser-4.5.1-spark.mjs')

export async function loadSparkSqlParser(): Promise<SparkSqlParser> {
  if (!existsSync(BUNDLE)) {
    mkdirSync(path.dirname(BUNDLE), {recursive: true})
    // Written under a unique name and renamed, so parallel test workers never import a partial file.
    const partial = `${BUNDLE}.${process.pid}.tmp`
    await build({
      stdin: {contents: `export {SparkSQL} from 'dt-sql-parser/dist/parser/spark/index.js'`, resolveDir: ROOT, loader: 'js'},
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: partial,
      logLevel: 'silent',
    })
    renameSync(partial, BUNDLE)
  }
  const {SparkSQL} = (await import(pathToFileURL(BUNDLE).href)) as {SparkSQL: new () => SparkSqlParser}
  return new SparkSQL()
}
