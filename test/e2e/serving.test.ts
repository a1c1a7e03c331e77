/**
 * The BI serving layer bootstrap manages, through the built CLI against a local workspace: the
 * analyst views in gold (queries from resources/sql/views), SELECT on them for the analysts, CAN_USE
 * on the SQL warehouse, read back through the APIs; what analysts can then read (effective
 * permissions); views that compute from Gold; drift on a view planned and reverted.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestWorkspace} from '../helpers/workspace.js'

const UC = '/api/2.1/unity-catalog'
const VIEWS = ['customer_360', 'daily_kpis', 'pipeline_health', 'sentiment_hourly']
let ws: TestWorkspace
let warehouseId: string

/** The privileges a principal holds on a securable, directly or inherited (effective permissions API). */
async function effective(type: string, name: string, principal: string): Promise<string[]> {
  const body = await ws.api('GET', `${UC}/effective-permissions/${type}/${name}?principal=${principal}`)
  return [...new Set<string>((body.privilege_assignments ?? []).flatMap((a: any) => a.privileges.map((p: any) => p.privilege)))].sort()
}

beforeAll(async () => {
  ws = await TestWorkspace.start()
  const applied = await ws.run(['bootstrap', '--yes', '--json'])
  if (applied.code !== 0) throw new Error(`bootstrap failed: ${applied.stderr}`)
  warehouseId = (await ws.api('GET', '/api/2.0/sql/warehouses')).warehouses[0].id
}, 120_000)

afterAll(async () => {
  await ws?.stop()
})

describe('BI serving layer', () => {
  it('creates the analyst views in gold, with SELECT for analysts only', async () => {
    for (const view of VIEWS) {
      const info = await ws.api('GET', `${UC}/tables/lakehouse.gold.${view}`)
      expect(info.table_type, view).toBe('VIEW')
      expect(info.properties['lakectl.source_sha256'], view).toMatch(/^[0-9a-f]{64}$/)
      const direct = await ws.api('GET', `${UC}/permissions/table/lakehouse.gold.${view}`)
      expect(direct.privilege_assignments, view).toEqual([{principal: 'analysts', privileges: ['SELECT']}])
    }
  })

  it('gives analysts CAN_USE on the SQL warehouse (permissions API read back)', async () => {
    const acl = await ws.api('GET', `/api/2.0/permissions/sql/warehouses/${warehouseId}`)
    expect(acl.object_id).toBe(`/sql/warehouses/${warehouseId}`)
    expect(acl.access_control_list).toContainEqual({group_name: 'analysts', all_permissions: [{permission_level: 'CAN_USE', inherited: false}]})
  })

  it('lets analysts read the views and Gold, and nothing below Gold (effective permissions)', async () => {
    for (const view of VIEWS) expect(await effective('table', `lakehouse.gold.${view}`, 'analysts'), view).toContain('SELECT')
    expect(await effective('table', 'lakehouse.gold.customer_behavior_daily', 'analysts')).toContain('SELECT')
    for (const table of ['bronze.customer_events_raw', 'silver.customer_events_cleaned', 'silver.customers', 'ops.stream_progress', 'ops.quality_metrics']) {
      expect(await effective('table', `lakehouse.${table}`, 'analysts'), table).toEqual([])
    }
    expect(await effective('schema', 'lakehouse.bronze', 'analysts')).toEqual([])
    expect(await effective('schema', 'lakehouse.silver', 'analysts')).toEqual([])
  })

  it('computes from Gold: daily KPIs and customer 360 over rows written to the Gold tables', async () => {
    const insert = `INSERT INTO lakehouse.gold.customer_behavior_daily (customer_id, event_date, events, views, clicks, add_to_carts, purchases, reviews, sessions, revenue, avg_sentiment, avg_rating)
      VALUES ('C1', DATE '2026-11-26', 10, 6, 2, 1, 1, 1, 2, 20.50, 0.5, 4), ('C2', DATE '2026-11-26', 4, 4, 0, 0, 0, 0, 1, 0, NULL, NULL), ('C1', DATE '2026-11-27', 5, 2, 1, 0, 2, 2, 1, 30.00, -0.25, 2)`
    expect((await ws.run(['sql', insert])).code).toBe(0)
    const kpis = (await ws.run(['sql', 'SELECT event_date, active_customers, events, purchases, revenue, purchases_per_view FROM lakehouse.gold.daily_kpis ORDER BY event_date', '--json'])).json().rows
    expect(kpis.map((r: any) => [String(r.event_date).slice(0, 10), Number(r.active_customers), Number(r.events), Number(r.purchases), Number(r.revenue), Number(r.purchases_per_view)])).toEqual([
      ['2026-11-26', 2, 14, 1, 20.5, 0.1],
      ['2026-11-27', 1, 5, 2, 30, 1],
    ])
    const c1 = (await ws.run(['sql', "SELECT active_days, events, purchases, revenue, reviews, avg_sentiment FROM lakehouse.gold.customer_360 WHERE customer_id = 'C1'", '--json'])).json().rows[0]
    // Sentiment weighted by reviews: (0.5 x 1 + -0.25 x 2) / 3 = 0.
    expect([Number(c1.active_days), Number(c1.events), Number(c1.purchases), Number(c1.revenue), Number(c1.reviews), Number(c1.avg_sentiment)]).toEqual([2, 15, 3, 50.5, 3, 0])
  })

  it('creates and publishes the Lakeview dashboard with datasets over the views; lakectl dashboard shows them', async () => {
    const {dashboards} = await ws.api('GET', '/api/2.0/lakeview/dashboards')
    expect(dashboards.map((d: any) => d.display_name)).toEqual(['Customer behaviour'])
    const id = dashboards[0].dashboard_id
    const draft = await ws.api('GET', `/api/2.0/lakeview/dashboards/${id}`)
    expect(draft.path).toBe('/Shared/lakectl/Customer behaviour.lvdash.json')
    expect(draft.warehouse_id).toBe(warehouseId)
    const definition = JSON.parse(draft.serialized_dashboard)
    expect(definition.datasets.map((d: any) => d.queryLines.join(''))).toEqual([
      expect.stringContaining('FROM lakehouse.gold.daily_kpis'),
      expect.stringContaining('FROM lakehouse.gold.sentiment_hourly'),
      expect.stringContaining('FROM lakehouse.gold.pipeline_health'),
    ])
    expect(definition.pages[0].layout.length).toBe(5)
    expect(await ws.api('GET', `/api/2.0/lakeview/dashboards/${id}/published`)).toMatchObject({display_name: 'Customer behaviour', warehouse_id: warehouseId, embed_credentials: true})

    const shown = await ws.run(['dashboard', '--json'])
    expect(shown.code, shown.stderr).toBe(0)
    const status = shown.json()
    expect(status.url).toBe(`${ws.url}/dashboardsv3/${id}/published`)
    expect(status.published).toBe(true)
    expect(status.datasets.map((d: any) => [d.name, d.state, d.rows])).toEqual([
      ['daily_kpis', 'OK', 2],
      ['sentiment_hourly', 'OK', 0],
      ['pipeline_health', 'OK', 0],
    ])
    // The published page: served without a token (embedded credentials), every widget, nothing external.
    const page = await fetch(status.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await page.text()
    expect(html).toMatch(/data-widgets="5"/)
    expect(html).toContain("default-src 'none'")
    expect(html).not.toMatch(/(src|href)="https?:/)
    expect(html).toMatch(/<svg id="chart-0" data-points="2"/)
    expect((await fetch(`${ws.url}/dashboardsv3/${'0'.repeat(32)}/published`)).status).toBe(404)
    const human = await ws.run(['dashboard'])
    expect(human.stdout).toContain(`Customer behaviour: ${ws.url}/dashboardsv3/${id}/published`)
    expect(human.stdout).toMatch(/^daily_kpis\s+Daily events and revenue\s+OK\s+2\b/m)
  })

  it('plans nothing on a second run', async () => {
    const plan = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(plan.code, JSON.stringify(plan.json().actions.filter((a: any) => a.action !== 'unchanged'))).toBe(0)
  })

  it('plans and reverts a view replaced by hand, a lost view grant and a revoked warehouse permission', async () => {
    expect((await ws.run(['sql', 'CREATE OR REPLACE VIEW lakehouse.gold.daily_kpis AS SELECT event_date FROM lakehouse.gold.customer_behavior_daily'])).code).toBe(0)
    await ws.api('PATCH', `${UC}/permissions/table/lakehouse.gold.customer_360`, {changes: [{principal: 'analysts', remove: ['SELECT']}]})
    await ws.api('PUT', `/api/2.0/permissions/sql/warehouses/${warehouseId}`, {access_control_list: []})

    const plan = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(plan.code).toBe(3)
    const changed = plan.json().actions.filter((a: any) => a.action !== 'unchanged')
    expect(changed.map((a: any) => `${a.action} ${a.object_type} ${a.full_name}: ${a.diff.join('; ')}`).sort()).toEqual([
      'create grants table lakehouse.gold.customer_360: + SELECT on table lakehouse.gold.customer_360 to analysts',
      `update permissions sql warehouse ${warehouseId}: + CAN_USE on sql warehouse ${warehouseId} to analysts`,
      'update view lakehouse.gold.daily_kpis: definition was changed outside lakectl',
    ])

    const applied = await ws.run(['bootstrap', '--yes', '--json'])
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.json().failed).toBe(0)
    const columns = (await ws.api('GET', `${UC}/tables/lakehouse.gold.daily_kpis`)).columns.map((c: any) => c.name)
    expect(columns).toEqual(['event_date', 'active_customers', 'events', 'views', 'purchases', 'revenue', 'reviews', 'purchases_per_view', 'revenue_per_purchase'])
    expect(await effective('table', 'lakehouse.gold.customer_360', 'analysts')).toContain('SELECT')
    expect((await ws.api('GET', `/api/2.0/permissions/sql/warehouses/${warehouseId}`)).access_control_list).toContainEqual({group_name: 'analysts', all_permissions: [{permission_level: 'CAN_USE', inherited: false}]})
    const again = await ws.run(['bootstrap', '--plan', '--exit-code'])
    expect(again.code, again.stdout).toBe(0)
  })

  it('plans and reverts drift on the dashboard: an edited draft, then an unpublished dashboard', async () => {
    const [{dashboard_id: id}] = (await ws.api('GET', '/api/2.0/lakeview/dashboards')).dashboards
    const before = await ws.api('GET', `/api/2.0/lakeview/dashboards/${id}`)
    const edited = JSON.parse(before.serialized_dashboard)
    edited.pages[0].layout.pop()
    await ws.api('PATCH', `/api/2.0/lakeview/dashboards/${id}`, {serialized_dashboard: JSON.stringify(edited)})

    const plan = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(plan.code).toBe(3)
    const changed = plan.json().actions.filter((a: any) => a.action !== 'unchanged')
    expect(changed.map((a: any) => `${a.action} ${a.object_type} ${a.full_name}: ${a.diff.join('; ')}`)).toEqual([
      `update dashboard /Shared/lakectl/Customer behaviour.lvdash.json (${id}): definition differs from resources/dashboards; published revision is older than the draft`,
    ])
    expect((await ws.run(['bootstrap', '--yes'])).code).toBe(0)
    const after = await ws.api('GET', `/api/2.0/lakeview/dashboards/${id}`)
    expect(JSON.parse(after.serialized_dashboard)).toEqual(JSON.parse(before.serialized_dashboard))
    const published = await ws.api('GET', `/api/2.0/lakeview/dashboards/${id}/published`)
    expect(published.revision_create_time >= after.update_time).toBe(true)
    expect((await ws.run(['bootstrap', '--plan', '--exit-code'])).code).toBe(0)

    await ws.api('DELETE', `/api/2.0/lakeview/dashboards/${id}/published`)
    const unpublished = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(unpublished.code).toBe(3)
    expect(unpublished.json().actions.filter((a: any) => a.action !== 'unchanged').map((a: any) => a.diff)).toEqual([['not published']])
    expect((await ws.run(['bootstrap', '--yes'])).code).toBe(0)
    expect((await ws.run(['bootstrap', '--plan', '--exit-code'])).code).toBe(0)
    expect((await ws.run(['dashboard', '--json'])).json().published).toBe(true)
  })
})
