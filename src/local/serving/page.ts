/**
 * A published Lakeview dashboard as one self-contained web page (the report pages' HTML: inline SVG,
 * nothing fetched): every widget of the published revision drawn from its dataset's query result, run
 * on the local warehouse as the publisher (embedded credentials). A widget with a colour encoding draws
 * one chart per series. Running the datasets records the dashboard's lineage, as Databricks does.
 */
import {type Chart, type HtmlPage, type HtmlSection, renderHtml} from '../../reports/html.js'
import type {LocalServices} from '../services.js'

interface Encoding {
  fieldName: string
  displayName?: string
}

interface Widget {
  name: string
  queries?: Array<{query?: {datasetName?: string}}>
  spec?: {widgetType?: string; encodings?: {x?: Encoding; y?: Encoding; color?: Encoding}; frame?: {title?: string}}
}

interface Definition {
  datasets?: Array<{name: string; displayName?: string; queryLines?: string[]}>
  pages?: Array<{name: string; displayName?: string; layout?: Array<{widget?: Widget}>}>
}

type Rows = Array<Record<string, string | null>>

export async function publishedDashboardPage(services: LocalServices, id: string): Promise<string | undefined> {
  const dashboard = services.serving.state.dashboards[id]
  const published = dashboard?.lifecycle_state === 'ACTIVE' ? dashboard.published : undefined
  if (!published || !published.embed_credentials) return undefined
  const definition = JSON.parse(published.serialized_dashboard) as Definition
  const results = new Map<string, Rows | {error: string}>()
  for (const dataset of definition.datasets ?? []) results.set(dataset.name, await runDataset(services, (dataset.queryLines ?? []).join('')))
  await recordDashboardLineage(services, id, published.serialized_dashboard)

  const sections: HtmlSection[] = (definition.pages ?? []).flatMap((page) =>
    (page.layout ?? []).flatMap(({widget}) => (widget ? [widgetSection(widget, results)] : [])),
  )
  const page: HtmlPage = {title: published.display_name, subtitle: `Published ${published.revision_create_time} on warehouse ${published.warehouse_id ?? ''}`, sections}
  return renderHtml(page).replace('<html lang="en">', `<html lang="en" data-dashboard="${id}" data-widgets="${sections.length}">`)
}

/** The tables and views the dashboard's datasets read, recorded as lineage read by the dashboard. */
export async function recordDashboardLineage(services: LocalServices, id: string, serialized: string): Promise<void> {
  const definition = JSON.parse(serialized) as Definition
  const tables = new Set<string>()
  for (const dataset of definition.datasets ?? []) {
    try {
      for (const name of await services.lineage.tablesRead((dataset.queryLines ?? []).join(''), {})) tables.add(name)
    } catch {
      // A dataset that does not parse reads nothing the lineage can tell.
    }
  }
  await services.lineage.afterRead({type: 'DASHBOARD_V3', id}, [...tables].sort())
}

async function runDataset(services: LocalServices, query: string): Promise<Rows | {error: string}> {
  const response = (await services.statements.execute({statement: query, session: {}, parameters: [], waitMs: 60_000, cancelOnTimeout: true})) as {
    status: {state: string; error?: {message: string}}
    manifest?: {schema?: {columns?: Array<{name: string}>}}
    result?: {data_array?: Array<Array<string | null>>}
  }
  if (response.status.state !== 'SUCCEEDED') return {error: response.status.error?.message ?? response.status.state}
  const columns = response.manifest?.schema?.columns ?? []
  return (response.result?.data_array ?? []).map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i]])))
}

function widgetSection(widget: Widget, results: Map<string, Rows | {error: string}>): HtmlSection {
  const title = widget.spec?.frame?.title ?? widget.name
  const datasetName = widget.queries?.[0]?.query?.datasetName ?? ''
  const rows = results.get(datasetName)
  const {x, y, color} = widget.spec?.encodings ?? {}
  if (!rows || 'error' in rows || !x || !y) {
    return {title, lines: [rows && 'error' in rows ? `Dataset ${datasetName} failed: ${rows.error}` : `Widget ${widget.name} has no dataset or encodings.`], charts: []}
  }
  const series = new Map<string, Rows>()
  for (const row of rows) {
    const key = color ? String(row[color.fieldName] ?? 'null') : ''
    series.set(key, [...(series.get(key) ?? []), row])
  }
  const charts: Chart[] = [...series].map(([key, part]) => ({
    title: `${y.displayName ?? y.fieldName}${key ? ` (${color!.displayName ?? color!.fieldName} ${key})` : ''}`,
    points: part
      .map((row) => ({t: utcMillis(row[x.fieldName]), value: row[y.fieldName] === null ? null : Number(row[y.fieldName])}))
      .filter((p) => Number.isFinite(p.t)),
  }))
  return {title, lines: [`${widget.spec?.widgetType ?? 'chart'} of ${datasetName}: ${rows.length} rows`], charts}
}

/** A DATE or TIMESTAMP as the warehouse renders it (UTC, with or without a zone) in epoch ms. */
function utcMillis(value: string | null): number {
  const text = String(value)
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`)
  const iso = text.replace(' ', 'T')
  return Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`)
}
