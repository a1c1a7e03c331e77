/**
 * The Data Lineage API (`/api/2.0/lineage-tracking`), from what the local workspace recorded.
 *
 * Wire shape, as Databricks clients read it (Databricks' lineage docs and UI fragments, the DataHub
 * and CastorDoc Unity Catalog connectors, the Azure Databricks .NET client; the endpoint is not in the
 * SDKs' OpenAPI specs): GET with `table_name` and `include_entity_lineage` (query string, or a JSON body
 * as Databricks' examples send it) answers `{upstreams: [...], downstreams: [...]}`, each entry an
 * optional `tableInfo` {name, catalog_name, schema_name, table_type, lineage_timestamp} or `modelInfo`
 * {model_name, version, lineage_timestamp}, plus with entity lineage the entities that connect it:
 * `jobInfos` [{workspace_id, job_id, lineage_timestamp}], `notebookInfos`, `pipelineInfos`,
 * `dashboardV3Infos`, `queryInfos`, `alertInfos`. An entry without tableInfo is an entity alone (it read,
 * or wrote without a source table). `column-lineage` takes `table_name` and `column_name` and answers
 * `{upstream_cols: [...], downstream_cols: [...]}` of {name, catalog_name, schema_name, table_name,
 * table_type, lineage_timestamp}. Lists without entries are omitted.
 */
import {invalidParameter} from '../http/errors.js'
import type {ApiRequest, Routes} from '../http/router.js'
import {parseFullName} from '../catalog/unity-catalog.js'
import type {LocalServices} from '../services.js'

/** A field from the query string or, as Databricks' documented examples send it, the JSON body. */
function field(request: ApiRequest, name: string): string | undefined {
  const fromQuery = request.query.get(name)
  if (fromQuery !== null && fromQuery !== '') return fromQuery
  const fromBody = request.body[name]
  return fromBody === undefined || fromBody === null || fromBody === '' ? undefined : String(fromBody)
}

function required(request: ApiRequest, name: string): string {
  const value = field(request, name)
  if (value === undefined) throw invalidParameter(`Missing required field: ${name}`)
  return value
}

function flag(request: ApiRequest, name: string): boolean {
  const value = field(request, name)
  if (value === undefined) return false
  if (value !== 'true' && value !== 'false') throw invalidParameter(`Invalid value for '${name}': expected true or false, got '${value}'.`)
  return value === 'true'
}

export function registerLineageRoutes(routes: Routes, services: LocalServices): void {
  const {catalog, lineage} = services
  const table = async (request: ApiRequest): Promise<string> => {
    const [c, s, t] = parseFullName(required(request, 'table_name'), 3, 'table')
    await catalog.requireTable(c, s, t)
    return `${c}.${s}.${t}`
  }
  routes
    .get('/table-lineage', async (request) => lineage.tableLineage(await table(request), flag(request, 'include_entity_lineage')))
    .get('/column-lineage', async (request) => lineage.columnLineage(await table(request), required(request, 'column_name').toLowerCase()))
}
