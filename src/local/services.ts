/**
 * Everything behind the local workspace's endpoints, opened from a state folder and closed in order
 * (statements finish before DuckDB checkpoints and closes).
 */
import {LocalAlerts} from './alerts/alerts.js'
import {Permissions} from './catalog/permissions.js'
import {UnityCatalog} from './catalog/unity-catalog.js'
import {Volumes} from './catalog/volumes.js'
import {Engine} from './engine/engine.js'
import type {PageLimits} from './http/input.js'
import {JobRunner} from './jobs/runner.js'
import type {LocalLimits} from './limits.js'
import {LocalLineage} from './lineage/index.js'
import {JobStore} from './jobs/store.js'
import {openModels, type LocalModels, type Scoring} from './models/index.js'
import type {StatePaths} from './state-dir.js'
import {Statements} from './sql/statements.js'
import {Warehouse} from './sql/warehouse.js'
import {openServingStore, type ServingStore} from './serving/store.js'
import {openStateStore} from './store.js'
import {registerStreamingExecutors} from './streaming/executors.js'
import {StreamFaults} from './streaming/faults.js'
import {Topics} from './streaming/topics.js'
import {Workspace} from './workspace/workspace.js'

export interface LocalServices {
  limits: LocalLimits
  pageLimits: PageLimits
  catalog: UnityCatalog
  permissions: Permissions
  volumes: Volumes
  warehouse: Warehouse
  statements: Statements
  workspace: Workspace
  models: LocalModels
  /** The served sentiment model Silver's sentiment_score() uses (null when none is served). */
  scoring: Scoring
  engine: Engine
  /** The local topics Bronze reads (`lakectl local produce` writes them). */
  topics: Topics
  /** Jobs and runs; runs execute their tasks through the executor registry (jobs/executors.ts). */
  jobs: JobRunner
  /** Test-only stream faults (control endpoints). */
  streamFaults: StreamFaults
  /** Lineage recorded from statements, job batches and reads (lineage-tracking API, system.access). */
  lineage: LocalLineage
  /** SQL alerts, evaluated on their schedules against the warehouse (api/alerts.ts). */
  alerts: LocalAlerts
  /** Lakeview dashboards and the warehouse's and dashboards' access control lists. */
  serving: ServingStore
  close(): Promise<void>
}

export async function openServices(paths: StatePaths, limits: LocalLimits, log: (line: string) => void = () => undefined): Promise<LocalServices> {
  const store = openStateStore(paths.store)
  const engine = await Engine.open({
    catalogsDir: paths.catalogs,
    maxConcurrentStatements: limits.maxConcurrentStatements,
    memoryLimitMb: limits.engineMemoryLimitMb,
    threads: limits.engineThreads,
    spillDir: paths.spill,
  })
  const catalog = new UnityCatalog(engine, store)
  const lineage = await LocalLineage.open(engine, paths.system, catalog.metastoreId, log)
  const permissions = new Permissions(catalog, store)
  // Stopping the warehouse cancels what runs on it.
  const warehouse = new Warehouse(limits.warehouseTransitionMs, () => statements.cancelAll())
  const {models, scoring} = openModels({root: paths.models, servingUpdateMs: limits.servingUpdateMs, log}, catalog, engine)
  const statements = new Statements({engine, catalog, permissions, lineage}, warehouse, {rows: limits.resultChunkRows, bytes: limits.resultChunkBytes})
  const topics = await Topics.open(engine, paths.topics, limits.topicPartitions)
  registerStreamingExecutors()
  const jobs = new JobRunner(JobStore.open(paths.jobs), () => services, {
    setupMs: limits.runSetupMs,
    restartBaseMs: limits.continuousRestartBaseMs,
    restartMaxMs: limits.continuousRestartMaxMs,
    log,
  })
  const workspace = new Workspace(store, paths.workspaceFiles)
  const alerts = new LocalAlerts(paths.alerts, {
    query: (statement) => runQuery(statements, statement),
    isFolder: (folder) => {
      try {
        return workspace.status(folder).object_type === 'DIRECTORY'
      } catch {
        return false
      }
    },
    afterRead: async (entity, query) => lineage.afterRead(entity, await lineage.tablesRead(query, {})),
    log,
  })
  const services: LocalServices = {
    limits,
    pageLimits: {defaultSize: limits.ucPageSize, maxSize: limits.ucMaxPageSize},
    catalog,
    permissions,
    volumes: new Volumes(catalog, store),
    warehouse,
    statements,
    workspace,
    models,
    scoring,
    engine,
    topics,
    jobs,
    streamFaults: new StreamFaults(),
    lineage,
    alerts,
    serving: openServingStore(paths.serving),
    async close() {
      // Runs stop first: their executors hold DuckDB connections of their own.
      await alerts.close()
      await jobs.close()
      await models.close()
      await topics.close()
      warehouse.close()
      await statements.close()
      await lineage.close()
      await engine.close()
    },
  }
  return services
}

/** Runs an alert's query as a statement on the warehouse and reads every chunk of its result. */
async function runQuery(statements: Statements, statement: string): Promise<{columns: string[]; rows: Array<Array<string | null>>}> {
  const response = (await statements.execute({statement, session: {}, parameters: [], waitMs: 50_000, cancelOnTimeout: true})) as {
    statement_id: string
    status: {state: string; error?: {message: string}}
    manifest?: {schema: {columns?: Array<{name: string}>}; total_chunk_count: number}
    result?: {data_array?: Array<Array<string | null>>}
  }
  if (response.status.state !== 'SUCCEEDED' || !response.manifest) throw new Error(response.status.error?.message ?? `the statement ended ${response.status.state}`)
  const rows = [...(response.result?.data_array ?? [])]
  for (let index = 1; index < response.manifest.total_chunk_count; index++) {
    rows.push(...(((statements.chunk(response.statement_id, index) as {data_array?: Array<Array<string | null>>}).data_array) ?? []))
  }
  return {columns: (response.manifest.schema.columns ?? []).map((c) => c.name), rows}
}
