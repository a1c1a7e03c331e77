/**
 * Layout of the local workspace's state folder, shared by the server, its process entry and the
 * daemon commands, plus the one way files in it are written (atomically).
 */
import {mkdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

export interface StatePaths {
  root: string
  /** Bearer token the server accepts (mode 0600). */
  token: string
  /** `{url, port, pid, started_at}` while a background server is listening. */
  serverInfo: string
  serverLog: string
  /** Last port the daemon used, preferred on the next `local up`. */
  daemonInfo: string
  /** Side metadata of catalogs, schemas, tables, grants and workspace objects. */
  store: string
  /** One DuckDB database file per Unity Catalog catalog. */
  catalogs: string
  /** DuckDB's temporary files, when an operator outgrows its memory limit. */
  spill: string
  /** Contents of workspace files and notebooks, by object id. */
  workspaceFiles: string
  /** Jobs, runs and idempotency tokens of the Jobs API. */
  jobs: string
  /** The local topics (DuckDB file): records by topic, partition and offset. */
  topics: string
  /** Model registry, MLflow runs and serving endpoints, with the model artifacts. */
  models: string
  /** The system catalog's tables (DuckDB file): lineage events behind system.access.*. */
  system: string
  /** SQL alerts with their last evaluation. */
  alerts: string
  /** Lakeview dashboards and the access control lists of warehouses and dashboards. */
  serving: string
}

export function statePaths(stateDir: string): StatePaths {
  const root = path.resolve(stateDir)
  return {
    root,
    token: path.join(root, 'token'),
    serverInfo: path.join(root, 'server.json'),
    serverLog: path.join(root, 'server.log'),
    daemonInfo: path.join(root, 'daemon.json'),
    store: path.join(root, 'state.json'),
    catalogs: path.join(root, 'catalogs'),
    spill: path.join(root, 'spill'),
    workspaceFiles: path.join(root, 'workspace'),
    jobs: path.join(root, 'jobs.json'),
    topics: path.join(root, 'topics.duckdb'),
    models: path.join(root, 'models'),
    system: path.join(root, 'system.duckdb'),
    alerts: path.join(root, 'alerts.json'),
    serving: path.join(root, 'serving.json'),
  }
}

/**
 * What `local reset` deletes: the data and the published address, never the token (clients keep
 * working) or the log. Other modules that keep state here add their entries to this list.
 */
export function dataEntries(paths: StatePaths): string[] {
  return [paths.store, paths.catalogs, paths.spill, paths.workspaceFiles, paths.jobs, paths.topics, `${paths.topics}.wal`, paths.models, paths.system, `${paths.system}.wal`, paths.alerts, paths.serving, paths.serverInfo, paths.daemonInfo]
}

/** Leftovers of interrupted atomic writes. */
export function isTemporaryFile(name: string): boolean {
  return name.endsWith('.tmp')
}

let temporaries = 0

/** Writes through a temporary file and a rename, so readers never see a half-written file. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(path.dirname(file), {recursive: true})
  // Unique among processes (the pid) and within one (writes here are synchronous, the count tells them apart).
  const temp = `${file}.${process.pid}.${++temporaries}.tmp`
  try {
    writeFileSync(temp, data, {mode})
    renameSync(temp, file)
  } catch (error) {
    rmSync(temp, {force: true})
    throw error
  }
}
