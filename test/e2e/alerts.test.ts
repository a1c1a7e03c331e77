/**
 * Alerts on the workspace, with the BUILT CLI against a local workspace over real sockets: bootstrap
 * creates the SQL alerts and the jobs' health rules from lakectl.yaml, a second run plans nothing, an
 * edited threshold plans exactly one update, and the local workspace, evaluating the alerts on their
 * schedule, turns them TRIGGERED on a quarantine-heavy batch and on a table gone stale, read back
 * through `lakectl alerts --json` (and the Alerts API).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {waitFor} from '../engine/helpers.js'
import {expectGolden} from '../helpers/golden.js'
import {TestWorkspace} from '../helpers/workspace.js'

const DESTINATION = '0f8b7c8e-1111-2222-3333-444455556666'
const config = (quarantine: number) => `quality:
  max_quarantine_ratio: ${quarantine}
monitoring:
  stale_after_seconds: 4
  alerts:
    schedule: "* * * * * ?"
    destination_id: "${DESTINATION}"
    emails: [oncall@example.com]
`
const KEYS = ['lag_bronze', 'lag_silver', 'lag_gold', 'quarantine_ratio', 'stale_bronze', 'stale_silver', 'stale_gold']

describe('alerts bootstrap manages, evaluated by the local workspace', () => {
  let ws: TestWorkspace
  const alerts = async () => {
    const result = await ws.run(['alerts', '--json'])
    expect(result.code, result.stderr).toBe(0)
    return Object.fromEntries(result.json().alerts.map((a: any) => [a.key, a])) as Record<string, any>
  }
  const alertState = (key: string, wanted: string, timeoutMs = 30_000) =>
    waitFor(`${key} ${wanted}`, async () => {
      const all = await alerts()
      return all[key].state === wanted ? all[key] : undefined
    }, timeoutMs)

  beforeAll(async () => {
    ws = await TestWorkspace.start({limits: {runSetupMs: 20, continuousRestartBaseMs: 100, streamHeartbeatMs: 300}})
    ws.writeConfig(config(0.05))
  })

  afterAll(async () => {
    await ws?.stop()
  })

  it('bootstrap creates the alerts and the health rules; read back through the APIs', async () => {
    const before = await ws.run(['alerts', '--json'])
    expect(before.json().alerts.map((a: any) => a.state)).toEqual(KEYS.map(() => 'NOT_DEPLOYED'))

    const result = await ws.run(['bootstrap', '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const created = result.json().actions.filter((a: any) => a.object_type === 'alert')
    expect(created.map((a: any) => [a.action, a.outcome])).toEqual(KEYS.map(() => ['create', 'applied']))

    const {results} = await ws.api('GET', '/api/2.0/alerts?page_size=100')
    expect(results).toHaveLength(7)
    const quarantine = results.find((a: any) => a.display_name === '[lakectl] quarantine ratio over its limit')
    expect(quarantine).toMatchObject({
      parent_path: '/Shared/lakectl',
      lifecycle_state: 'ACTIVE',
      warehouse_id: expect.any(String),
      schedule: {quartz_cron_schedule: '* * * * * ?', timezone_id: 'UTC', pause_status: 'UNPAUSED'},
      evaluation: {
        source: {name: 'quarantine_ratio'},
        comparison_operator: 'GREATER_THAN',
        threshold: {value: {double_value: 0.05}},
        notification: {subscriptions: [{destination_id: DESTINATION}, {user_email: 'oncall@example.com'}]},
      },
    })
    expect(quarantine.query_text).toMatch(/FROM `lakehouse`\.`ops`\.`quality_metrics`/)
    const lag = results.find((a: any) => a.display_name === '[lakectl] silver lag over its SLO')
    expect(lag.evaluation.threshold.value.double_value).toBe(120)

    const {jobs} = await ws.api('GET', '/api/2.2/jobs/list?limit=100')
    const settings = Object.fromEntries(jobs.map((j: any) => [j.settings.tags.lakectl_layer, j.settings]))
    expect(settings.silver.health).toEqual({rules: [{metric: 'STREAMING_BACKLOG_SECONDS', op: 'GREATER_THAN', value: 120}]})
    expect(settings.silver.email_notifications).toEqual({on_failure: ['oncall@example.com'], on_streaming_backlog_exceeded: ['oncall@example.com']})
    expect(settings.silver.webhook_notifications).toEqual({on_failure: [{id: DESTINATION}], on_streaming_backlog_exceeded: [{id: DESTINATION}]})
    expect(settings.backfill.health).toEqual({rules: [{metric: 'RUN_DURATION_SECONDS', op: 'GREATER_THAN', value: 3600}]})
    expect(settings.train.email_notifications.on_duration_warning_threshold_exceeded).toEqual(['oncall@example.com'])
  }, 60_000)

  it('a second run plans nothing', async () => {
    const plan = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(plan.code, plan.stdout).toBe(0)
    expect(plan.json().pending).toBe(0)
    expect(plan.json().actions.filter((a: any) => a.object_type === 'alert').map((a: any) => a.action)).toEqual(KEYS.map(() => 'unchanged'))
  })

  it('an edited threshold in lakectl.yaml plans exactly one update', async () => {
    ws.writeConfig(config(0.2))
    const plan = await ws.run(['bootstrap', '--plan', '--exit-code', '--json'])
    expect(plan.code).toBe(3)
    const changes = plan.json().actions.filter((a: any) => a.action !== 'unchanged')
    expect(changes).toEqual([
      expect.objectContaining({object_type: 'alert', action: 'update', full_name: '[lakectl] quarantine ratio over its limit', diff: ['evaluation.threshold.value.double_value: 0.05 -> 0.2']}),
    ])
    const applied = await ws.run(['bootstrap', '--yes', '--json'])
    expect(applied.code, applied.stderr).toBe(0)
    const {results} = await ws.api('GET', '/api/2.0/alerts?page_size=100')
    const quarantine = results.find((a: any) => a.display_name === '[lakectl] quarantine ratio over its limit')
    expect(quarantine.evaluation.threshold.value.double_value).toBe(0.2)
    expect((await ws.run(['bootstrap', '--plan', '--exit-code'])).code).toBe(0)
  }, 60_000)

  it('evaluated on the schedule: nothing recorded yet is OK', async () => {
    for (const key of KEYS) {
      const alert = await alertState(key, 'OK')
      expect(Date.parse(alert.last_evaluated_at)).toBeGreaterThan(Date.now() - 60_000)
    }
    const check = await ws.run(['alerts', '--check'])
    expect(check.code, check.stderr).toBe(0)
    expectGolden('alerts.txt', check.stdout)
  }, 60_000)

  it('a quarantine-heavy batch turns the quarantine alert TRIGGERED; a table gone quiet turns stale', async () => {
    expect((await ws.run(['stream', 'start'])).code).toBe(0)
    // Half the records are not JSON: Silver quarantines about 50 %, over the limit of 20 %.
    expect((await ws.run(['local', 'produce', '--count', '400', '--seed', '7', '--malformed', '0.5'])).code).toBe(0)
    const quarantine = await alertState('quarantine_ratio', 'TRIGGERED', 60_000)
    expect(quarantine.threshold).toBe(0.2)
    const check = await ws.run(['alerts', '--check'])
    expect(check.code).toBe(3)
    expect(check.stderr).toMatch(/\[lakectl\] quarantine ratio over its limit is TRIGGERED/)
    // The lag SLOs hold meanwhile.
    const all = await alerts()
    expect([all.lag_bronze.state, all.lag_silver.state]).toEqual(['OK', 'OK'])
    // Nothing more is produced: after stale_after_seconds (4 s) without a batch with data, Bronze is stale.
    await alertState('stale_bronze', 'TRIGGERED', 60_000)
    expect((await ws.run(['stream', 'stop'])).code).toBe(0)
  }, 120_000)

  it('the alerts read the ops tables: lineage shows them downstream', async () => {
    const lineage = await ws.api('GET', '/api/2.0/lineage-tracking/table-lineage?table_name=lakehouse.ops.quality_metrics&include_entity_lineage=true')
    const alertIds = (lineage.downstreams ?? []).flatMap((d: any) => d.alertInfos ?? []).map((a: any) => a.alert_id)
    const {results} = await ws.api('GET', '/api/2.0/alerts?page_size=100')
    expect(alertIds).toContain(results.find((a: any) => a.display_name === '[lakectl] quarantine ratio over its limit').id)
  })
})
