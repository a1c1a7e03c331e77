/**
 * Inference tables of the local serving endpoints, as Databricks' AI Gateway writes them: an endpoint
 * whose `ai_gateway.inference_table_config` is enabled logs every request to
 * `<catalog>.<schema>.<table_name_prefix>_payload` (request time, status code, execution time, request,
 * response, served entity id), and `system.serving.served_entities` says which model version each
 * served entity id is. Requests are buffered and written about once a second (Databricks writes them
 * with a delay too); a table is created on its first write. Silver's scoring through the served model
 * is logged like any request (on Databricks it goes through the endpoint with ai_query).
 */
import {createHash, randomUUID} from 'node:crypto'

import type {DuckDBValue} from '@duckdb/node-api'

import type {UnityCatalog} from '../catalog/unity-catalog.js'
import {qualifiedName, quoteLiteral, type Engine} from '../engine/engine.js'
import {SYSTEM_DATABASE} from '../sql-dialect.js'

export interface InferenceTableConfig {
  catalog_name?: string
  schema_name?: string
  table_name_prefix?: string
  enabled?: boolean
}

export interface LoggedRequest {
  endpoint: {name: string; id: string; inference_table_config?: InferenceTableConfig}
  entity: {name: string; entity_name: string; entity_version: string}
  configVersion: number
  requestTime: number
  statusCode: number
  durationMs: number
  request: string
  response: string
  clientRequestId?: string
}

const PAYLOAD_COLUMNS = `request_date DATE, databricks_request_id VARCHAR, client_request_id VARCHAR, request_time TIMESTAMP,
  status_code INTEGER, sampling_fraction DOUBLE, execution_duration_ms BIGINT, request VARCHAR, response VARCHAR,
  served_entity_id VARCHAR, logging_error_codes VARCHAR[], requester VARCHAR`
// The `system` catalog is the workspace's system database (SQL maps system.* to it), as for system.access.
const SERVED_ENTITIES = qualifiedName([SYSTEM_DATABASE, 'serving', 'served_entities'])
const SERVED_ENTITY_COLUMNS = `served_entity_id VARCHAR, endpoint_name VARCHAR, endpoint_id VARCHAR, served_entity_name VARCHAR,
  entity_type VARCHAR, entity_name VARCHAR, entity_version VARCHAR, endpoint_config_version BIGINT, change_time TIMESTAMP`
const FLUSH_MS = 1000
const REQUESTER = 'local-user@lakectl.local'

/** The served entity's id, stable for an endpoint, config version and entity (what the system table keys). */
export function servedEntityId(endpointId: string, configVersion: number, entityName: string): string {
  const hex = createHash('sha256').update(`${endpointId}/${configVersion}/${entityName}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

export function payloadTable(config: InferenceTableConfig | undefined): string[] | undefined {
  if (!config?.enabled || !config.catalog_name || !config.schema_name || !config.table_name_prefix) return undefined
  return [config.catalog_name, config.schema_name, `${config.table_name_prefix}_payload`]
}

export class InferenceLog {
  private buffer: LoggedRequest[] = []
  private readonly created = new Set<string>()
  private readonly knownEntities = new Set<string>()
  private readonly timer: NodeJS.Timeout
  private writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly engine: Engine,
    private readonly catalog: UnityCatalog,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS)
    this.timer.unref()
  }

  record(request: LoggedRequest): void {
    if (payloadTable(request.endpoint.inference_table_config)) this.buffer.push(request)
  }

  /** Writes what is buffered (one write at a time; a failure is logged, as AI Gateway's logging_error_codes would say). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const batch = this.buffer
      this.buffer = []
      if (!batch.length) return
      try {
        await this.write(batch)
      } catch (error) {
        this.log(`inference table write failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    })
    return this.writing
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }

  private async write(batch: LoggedRequest[]): Promise<void> {
    const byTable = new Map<string, {name: string[]; requests: LoggedRequest[]}>()
    for (const request of batch) {
      const name = payloadTable(request.endpoint.inference_table_config)!
      const key = name.join('.')
      if (!byTable.has(key)) byTable.set(key, {name, requests: []})
      byTable.get(key)!.requests.push(request)
    }
    await this.recordEntities(batch)
    for (const {name, requests} of byTable.values()) {
      // Databricks needs the schema to exist too; without it nothing is logged.
      if (!(await this.catalog.hasSchema(name[0], name[1]))) continue
      if (!this.created.has(name.join('.'))) {
        await this.engine.execute(`CREATE TABLE IF NOT EXISTS ${qualifiedName(name)} (${PAYLOAD_COLUMNS})`)
        this.created.add(name.join('.'))
      }
      const values: DuckDBValue[] = []
      const tuples = requests.map((r) => {
        const at = values.length
        values.push(
          new Date(r.requestTime).toISOString().slice(0, 10),
          randomUUID(),
          r.clientRequestId ?? null,
          new Date(r.requestTime).toISOString().replace('T', ' ').replace('Z', ''),
          r.statusCode,
          r.durationMs,
          r.request,
          r.response,
          servedEntityId(r.endpoint.id, r.configVersion, r.entity.name),
        )
        const p = (i: number) => `$${at + i + 1}`
        return `(CAST(${p(0)} AS DATE), ${p(1)}, ${p(2)}, CAST(${p(3)} AS TIMESTAMP), ${p(4)}, 1.0, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, NULL, ${quoteLiteral(REQUESTER)})`
      })
      await this.engine.query(`INSERT INTO ${qualifiedName(name)} VALUES ${tuples.join(', ')}`, values)
    }
  }

  /** Adds the served entities the batch used to system.serving.served_entities (once each). */
  private async recordEntities(batch: LoggedRequest[]): Promise<void> {
    const fresh = batch.filter((r) => !this.knownEntities.has(servedEntityId(r.endpoint.id, r.configVersion, r.entity.name)))
    if (!fresh.length) return
    await this.engine.execute(`CREATE SCHEMA IF NOT EXISTS ${qualifiedName([SYSTEM_DATABASE, 'serving'])}`, `CREATE TABLE IF NOT EXISTS ${SERVED_ENTITIES} (${SERVED_ENTITY_COLUMNS})`)
    for (const r of fresh) {
      const id = servedEntityId(r.endpoint.id, r.configVersion, r.entity.name)
      if (this.knownEntities.has(id)) continue
      await this.engine.query(
        `INSERT INTO ${SERVED_ENTITIES} SELECT $1, $2, $3, $4, 'CUSTOM_MODEL', $5, $6, $7, CAST(now() AS TIMESTAMP)
         WHERE NOT EXISTS (SELECT 1 FROM ${SERVED_ENTITIES} WHERE served_entity_id = $1)`,
        [id, r.endpoint.name, r.endpoint.id, r.entity.name, r.entity.entity_name, r.entity.entity_version, r.configVersion],
      )
      this.knownEntities.add(id)
    }
  }
}
