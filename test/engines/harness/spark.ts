/**
 * Runs PySpark programs with `spark-submit --master local[2]`: Delta Lake and the Kafka source from the
 * cache (--jars, nothing fetched by Ivy), the session catalog in memory (each driver registers the
 * lakehouse's Delta tables from the shared warehouse folder: see lakectl_pipeline.py), everything bound
 * to 127.0.0.1, and the environment the runners' off-Databricks seams read.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {classArchive} from './class-archive.js'
import {sparkJars, venvBin, venvEnv} from './env.js'
import {startProcess, type Managed} from './processes.js'

/** What stands in for Databricks off it (the LAKECTL_* variables lakectl_pipeline.py reads). */
export interface SparkSite {
  /** Logs and scratch of the drivers. */
  dir: string
  /** The Delta warehouse every driver shares: <schema>.db/<table>. */
  warehouse: string
  /** Stands in for /Workspace (the folder bootstrap uploads the pipeline code to). */
  workspaceRoot: string
  /** Stands in for /Volumes (checkpoints). */
  volumesRoot: string
  /** Secret scopes: <scope>/<key> files. */
  secretsDir: string
  /** MLflow tracking server and registry (MLFLOW_TRACKING_URI). */
  mlflowUri?: string
  /** The registered model alias whose version stands for the one the serving endpoint serves. */
  servedAlias?: string
}

export interface SubmitOptions {
  /** Extra --conf settings (e.g. the job cluster's spark_conf). */
  conf?: Record<string, string>
  env?: Record<string, string>
  /** Write the classes the driver loaded to this CDS archive when it exits (harness/class-archive.ts). */
  archiveClassesTo?: string
}

export function siteEnv(site: SparkSite): Record<string, string> {
  return {
    LAKECTL_WAREHOUSE: site.warehouse,
    LAKECTL_WORKSPACE_ROOT: site.workspaceRoot,
    LAKECTL_VOLUMES_ROOT: site.volumesRoot,
    LAKECTL_SECRETS_DIR: site.secretsDir,
    ...(site.mlflowUri ? {MLFLOW_TRACKING_URI: site.mlflowUri} : {}),
    ...(site.servedAlias ? {LAKECTL_SERVED_ALIAS: site.servedAlias} : {}),
  }
}

let counter = 0

export function sparkSubmit(site: SparkSite, name: string, script: string, args: string[], options: SubmitOptions = {}): Managed {
  const logs = path.join(site.dir, 'logs')
  mkdirSync(logs, {recursive: true})
  const log4j = path.join(logs, 'log4j2.properties')
  writeFileSync(log4j, 'rootLogger.level = warn\nrootLogger.appenderRef.stdout.ref = console\nappender.console.type = Console\nappender.console.name = console\nappender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\nappender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n%ex\n')
  const archive = classArchive()
  const classes = options.archiveClassesTo ? `-XX:ArchiveClassesAtExit=${options.archiveClassesTo}` : existsSync(archive) ? `-XX:SharedArchiveFile=${archive}` : ''
  const conf: Record<string, string> = {
    'spark.sql.extensions': 'io.delta.sql.DeltaSparkSessionExtension',
    'spark.sql.catalog.spark_catalog': 'org.apache.spark.sql.delta.catalog.DeltaCatalog',
    'spark.sql.catalogImplementation': 'in-memory',
    'spark.sql.warehouse.dir': site.warehouse,
    'spark.driver.host': '127.0.0.1',
    'spark.driver.bindAddress': '127.0.0.1',
    'spark.ui.enabled': 'false',
    'spark.driver.memory': '1g',
    // Batches of a few hundred rows on two cores shared by up to five drivers: the fixed cost of a
    // query dominates, so one shuffle partition and one Delta log partition (not 200 and 50), no
    // adaptive re-planning and no whole-stage code generation. None of it changes a result.
    'spark.sql.shuffle.partitions': '1',
    'spark.databricks.delta.snapshotPartitions': '1',
    'spark.sql.adaptive.enabled': 'false',
    'spark.sql.codegen.wholeStage': 'false',
    // Nor per-expression code generation: each task of each query generates the Java source of its
    // projections again (the cache of compiled classes is keyed by that source), about a fifth of a
    // Gold driver's CPU in a JFR profile; interpreted, a Gold batch took 16% less CPU (2.9 s instead of
    // 3.3 s alone). An internal conf: Spark's interpreted path, the one it falls back to when code
    // generation fails. Its decoder of catalog.Table objects is broken (spark.catalog.listTables fails
    // with "argument type mismatch"), so the tier's helpers use SHOW TABLES; the runners use neither.
    'spark.sql.codegen.factoryMode': 'NO_CODEGEN',
    // What Spark still generates (a file scan's partition columns, for one) is planned again every
    // batch with new literals: with the default 100 entries one batch's classes evict the last one's
    // and Janino compiles them again (measured with code generation on: a Silver batch alone 2.6 s
    // instead of 3.0 s). A static conf, so set here.
    'spark.sql.codegen.cache.maxEntries': '2000',
    // The tables ask for auto compaction (delta.autoOptimize.autoCompact). Open-source Delta 3.2 runs it
    // after nearly every commit here and rewrites the partitions the commit touched, since every file of
    // these small batches is under its small-file size: each batch wrote its dates again (measured, a
    // Silver batch of 150 rows beside a day of Silver: its MERGEs 1.37 + 1.81 s, 0.79 + 0.89 s without).
    // Databricks documents it as starting once 50 small files have gathered. The tier leaves compaction
    // to Databricks; it changes no row.
    'spark.databricks.delta.autoCompact.enabled': 'false',
    'spark.driver.extraJavaOptions': `-Dlog4j.configurationFile=file:${log4j} -XX:+UseSerialGC ${classes}`.trimEnd(),
    ...options.conf,
  }
  const submitArgs = ['--master', 'local[2]', '--name', name, '--jars', sparkJars().join(','), ...Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]), script, ...args]
  const driver = startProcess({
    name,
    command: venvBin('spark-submit'),
    args: submitArgs,
    env: venvEnv({SPARK_LOCAL_IP: '127.0.0.1', ...siteEnv(site), ...options.env}),
    cwd: site.dir,
    log: path.join(logs, `${name}-${++counter}.log`),
  })
  // A graceful stop, as a cancelled run: SIGTERM to the Python program (the runners stop their query and
  // record its last progress), then the whole group once it is done.
  const stopGroup = driver.stop
  return Object.assign(Object.create(driver) as Managed, {
    async stop(graceMs = 30_000) {
      const python = childPids(driver.pid)
      for (const pid of python) signalIfAlive(pid, 'SIGTERM')
      if (python.length > 0) await Promise.race([driver.exited, new Promise((resolve) => setTimeout(resolve, graceMs))])
      await stopGroup(5_000)
    },
  })
}

/** A child listed a moment ago may have exited since (a finished helper process): that is not a failure. */
function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/** The processes whose parent is pid (the driver JVM starts the Python program). */
function childPids(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return children
}

/**
 * What a failed driver's log says about the failure: from its first Python traceback or streaming query
 * exception on, then the log's end. Spark's shutdown noise follows the cause and would push it out of
 * a plain tail.
 */
export function failureExcerpt(log: string, size = 6000): string {
  const cause = log.search(/^Traceback \(most recent call last\)|StreamingQueryException|^\S*(Exception|Error): /m)
  if (cause < 0 || cause >= log.length - size) return log.slice(-size)
  return `${log.slice(cause, cause + size)}\n[...]\n${log.slice(-2000)}`
}

/** Runs a program to its end; throws with the cause of the failure from its log when it fails. */
export async function sparkRun(site: SparkSite, name: string, script: string, args: string[], options: SubmitOptions = {}): Promise<string> {
  const driver = sparkSubmit(site, name, script, args, options)
  const code = await driver.exited
  if (code !== 0) throw new Error(`${name} exited with ${code}:\n${failureExcerpt(driver.output())}`)
  return driver.output()
}
