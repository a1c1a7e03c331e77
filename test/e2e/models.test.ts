/**
 * The model life cycle through the built CLI against a local workspace: train twice on Silver's
 * reviews, promote with the guardrail, force with a recorded reason, roll back, survive a failed
 * endpoint update, and refuse bad input without changing anything. State is read back through the API.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestWorkspace} from '../helpers/workspace.js'
import {HAPPY, loadReviews, syntheticReviews, UNHAPPY} from '../helpers/reviews.js'

const MODEL = 'lakehouse.ml.sentiment'
const MODEL_PATH = `/api/2.1/unity-catalog/models/${MODEL}`
const ENDPOINT = 'lakectl-sentiment'
const SILVER = 'lakehouse.silver.customer_events_cleaned'
let ws: TestWorkspace

const champion = async (): Promise<number | null> => {
  const response = await fetch(`${ws.url}${MODEL_PATH}/aliases/champion`, {headers: {authorization: `Bearer ${ws.token}`}})
  return response.status === 404 ? null : ((await response.json()) as {version: number}).version
}

async function endpoint(): Promise<any> {
  return ws.api('GET', `/api/2.0/serving-endpoints/${ENDPOINT}`)
}

const servedVersion = async () => (await endpoint()).config.served_entities[0].entity_version as string

beforeAll(async () => {
  ws = await TestWorkspace.start()
  const bootstrap = await ws.run(['bootstrap', '--yes', '--json'])
  expect(bootstrap.code, bootstrap.stderr).toBe(0)
}, 120_000)

afterAll(async () => {
  await ws?.stop()
})

describe('model train', () => {
  it('registers one version per training run, each with its metrics', async () => {
    await loadReviews(ws, syntheticReviews(800, 1), 'clean')
    const first = await ws.run(['model', 'train', '--wait', '--json'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.json()).toMatchObject({state: 'SUCCESS', model: MODEL, version: 1})
    expect(first.json().metrics.f1).toBeGreaterThan(0.9)

    await loadReviews(ws, syntheticReviews(70, 3, {mislabelled: 0.3}), 'noisy')
    const second = await ws.run(['model', 'train', '--wait', '--json'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.json()).toMatchObject({state: 'SUCCESS', version: 2})
    expect(second.json().metrics.f1).toBeLessThan(first.json().metrics.f1 - 0.1)

    const versions = await ws.run(['model', 'versions', '--json'])
    expect(versions.code, versions.stderr).toBe(0)
    expect(versions.json().versions).toEqual([
      expect.objectContaining({version: 2, status: 'READY', aliases: ['challenger'], metrics: expect.objectContaining({f1: second.json().metrics.f1})}),
      expect.objectContaining({version: 1, status: 'READY', aliases: [], metrics: expect.objectContaining({f1: first.json().metrics.f1})}),
    ])
  }, 120_000)
})

describe('model promote and rollback', () => {
  it('needs --yes without a terminal, and changes nothing without it', async () => {
    const result = await ws.run(['model', 'promote', '--version', '1'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error \(CONFIRMATION_REQUIRED\): Move champion of lakehouse\.ml\.sentiment from no version to version 1 and serve it on lakectl-sentiment: this needs a confirmation/m)
    expect(result.stderr).toMatch(/^Try: lakectl model promote --version 1 --yes$/m)
    expect(await champion()).toBeNull()
    expect((await fetch(`${ws.url}/api/2.0/serving-endpoints/${ENDPOINT}`, {headers: {authorization: `Bearer ${ws.token}`}})).status).toBe(404)
  })

  it('promotes the better version: the alias moves and the endpoint serves it; a first promotion offers no rollback', async () => {
    const result = await ws.run(['model', 'promote', '--yes', '--version', '1'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^Moved champion of lakehouse\.ml\.sentiment to version 1\.$/m)
    expect(result.stdout).toMatch(/^Serving endpoint lakectl-sentiment now serves version 1\.$/m)
    expect(result.stdout).not.toMatch(/rollback/)
    expect(result.stdout).toMatch(/^Next: lakectl model versions, or lakectl model history$/m)
    expect(await champion()).toBe(1)
    const served = await endpoint()
    expect(served.state).toEqual({ready: 'READY', config_update: 'NOT_UPDATING'})
    expect(served.config.served_entities[0]).toMatchObject({entity_name: MODEL, entity_version: '1'})

    const response = await fetch(`${ws.url}/serving-endpoints/${ENDPOINT}/invocations`, {
      method: 'POST',
      headers: {authorization: `Bearer ${ws.token}`, 'content-type': 'application/json'},
      body: JSON.stringify({dataframe_split: {columns: ['review_text'], data: [[HAPPY], [UNHAPPY]]}}),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('served-model-name')).toBe('sentiment-1')
    const {predictions} = (await response.json()) as {predictions: number[]}
    expect(predictions[0]).toBeGreaterThan(predictions[1])
  })

  it('makes Silver score new reviews with the served version', async () => {
    const events = [HAPPY, UNHAPPY].map((text, i) => ({
      event_id: `streamed-${i}`, customer_id: 'C000001', event_type: 'review', product_id: 'P0001',
      timestamp: '2026-11-27T08:00:00Z', session_id: 's1', amount: null, rating: i === 0 ? 5 : 1, review_text: text,
    }))
    await ws.api('POST', '/api/2.0/lakectl/topics/customer-events/records', {records: events.map((e) => ({key: e.customer_id, value: JSON.stringify(e)}))})
    const started = await ws.run(['stream', 'start', 'bronze', 'silver', '--json'])
    expect(started.code, started.stderr).toBe(0)
    try {
      let rows: Array<Record<string, unknown>> = []
      for (const deadline = Date.now() + 30_000; rows.length < 2 && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 300))) {
        const query = await ws.run(['sql', `SELECT event_id, sentiment_score, sentiment_label, model_version FROM ${SILVER} WHERE event_id LIKE 'streamed-%' ORDER BY event_id`, '--json'])
        rows = query.json().rows
      }
      expect(rows).toEqual([
        expect.objectContaining({event_id: 'streamed-0', sentiment_label: 'positive', model_version: '1'}),
        expect.objectContaining({event_id: 'streamed-1', sentiment_label: 'negative', model_version: '1'}),
      ])
    } finally {
      const stopped = await ws.run(['stream', 'stop', '--json'])
      expect(stopped.code, stopped.stderr).toBe(0)
    }
  }, 60_000)

  it('refuses the worse version with exit 3 and changes nothing', async () => {
    const before = await endpoint()
    const result = await ws.run(['model', 'promote', '--yes', '--version', '2', '--json'])
    expect(result.code).toBe(3)
    expect(result.json().error).toMatchObject({code: 'PROMOTION_REFUSED', exit_code: 3})
    expect(await champion()).toBe(1)
    expect((await endpoint()).config).toEqual(before.config)
  })

  it('promotes it with --force and records the reason on the version', async () => {
    const result = await ws.run(['model', 'promote', '--yes', '--version', '2', '--force', '--reason', 'canary for INC-42', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({outcome: 'forced', version: 2, previous_version: 1, reason: 'canary for INC-42', served: true, endpoint: ENDPOINT})
    expect(await champion()).toBe(2)
    expect(await servedVersion()).toBe('2')
    const {model_version: version} = await ws.api('GET', `/api/2.0/mlflow/unity-catalog/model-versions/get?name=${MODEL}&version=2`)
    expect(version.tags).toEqual(expect.arrayContaining([{key: 'lakectl.promotion.forced_reason', value: 'canary for INC-42'}]))
  })

  it('rolls back both the alias and the endpoint', async () => {
    const result = await ws.run(['model', 'rollback', '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    // challenger (set by the second training) still points at version 2: it stays, and the result says so.
    expect(result.json()).toMatchObject({outcome: 'rolled_back', version: 1, previous_version: 2, still_pointing: ['challenger']})
    expect(await champion()).toBe(1)
    expect(await servedVersion()).toBe('1')
    const {aliases} = await ws.api('GET', `${MODEL_PATH}?include_aliases=true`)
    expect(aliases).toEqual(expect.arrayContaining([{alias_name: 'challenger', version_num: 2}, {alias_name: 'champion_previous', version_num: 2}]))
  })

  it('says what a rollback leaves pointing at the version it rolled back from', async () => {
    const forward = await ws.run(['model', 'rollback', '--yes'])
    expect(forward.code, forward.stderr).toBe(0)
    expect(forward.stdout).toMatch(/^Rolled champion of lakehouse\.ml\.sentiment back to version 2 \(from 1\)\.$/m)
    const back = await ws.run(['model', 'rollback', '--yes'])
    expect(back.code, back.stderr).toBe(0)
    expect(back.stdout).toMatch(/^Note: challenger still points to version 2, the version rolled back from: lakectl model promote --from-alias challenger would bring it back\.$/m)
    expect(back.stdout).toMatch(/^Next: lakectl model history, or lakectl model rollback to go forward to version 2 again$/m)
    expect(await champion()).toBe(1)
  })

  it('puts the alias back when the endpoint update fails', async () => {
    const before = await endpoint()
    // A definite refusal (an idempotent PUT answered 500 would simply be sent again).
    await ws.fault({method: 'PUT', path: '/api/2.0/serving-endpoints/*/config', status: 409, error_code: 'RESOURCE_CONFLICT', count: 1})
    const result = await ws.run(['model', 'promote', '--yes', '--version', '2', '--force', '--reason', 'retry after INC-43', '--json'])
    expect(result.code).toBe(1)
    expect(result.json().error.message).toMatch(/put back on version 1/)
    expect(await champion()).toBe(1)
    const after = await endpoint()
    expect(after.state.config_update).toBe('NOT_UPDATING')
    expect(after.config).toEqual(before.config)
  })

  it('keeps every move in the history, read from the versions, and shows forced promotions', async () => {
    const user = (await ws.api('GET', '/api/2.0/preview/scim/v2/Me')).userName
    const history = await ws.run(['model', 'history', '--json'])
    expect(history.code, history.stderr).toBe(0)
    const moves = history.json().moves
    // Newest first; the promotion whose endpoint update failed was put back and is not a move.
    expect(moves.map((m: any) => [m.action, m.alias, m.from, m.to, m.reason, m.user])).toEqual([
      ['rollback', 'champion', 2, 1, null, user],
      ['rollback', 'champion', 1, 2, null, user],
      ['rollback', 'champion', 2, 1, null, user],
      ['force', 'champion', 1, 2, 'canary for INC-42', user],
      ['promote', 'champion', null, 1, null, user],
    ])
    for (const m of moves) expect(m.at).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/)
    const table = await ws.run(['model', 'history'])
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME +ALIAS +FROM +TO +ACTION +REASON +USER$/)
    expect(table.stdout).toMatch(/champion +1 +2 +force +canary for INC-42 +\S+@/)

    const versions = await ws.run(['model', 'versions', '--json'])
    const forced = versions.json().versions.find((v: any) => v.version === 2).forced
    expect(forced).toMatchObject({reason: 'canary for INC-42', by: user})
    expect(Date.parse(forced.at)).toBeGreaterThan(0)
    expect(versions.json().versions.find((v: any) => v.version === 1).forced).toBeNull()
    const human = await ws.run(['model', 'versions'])
    expect(human.stdout).toContain(`Version 2 was promoted by force: "canary for INC-42" (by ${user}, ${forced.at}).`)
  })
})

describe('model promote: bad input changes nothing', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ['a missing version', ['model', 'promote', '--version', '99'], 1, /version 99 .*does not exist/i],
    ['an unknown model', ['model', 'promote', 'lakehouse.ml.nope', '--version', '1'], 1, /lakehouse\.ml\.nope.*does not exist/i],
    ['an invalid alias name', ['model', 'promote', '--version', '2', '--alias', 'not valid!'], 2, /Invalid alias/],
    ['--force without --reason', ['model', 'promote', '--version', '2', '--force'], 2, /--reason/],
  ]
  for (const [what, args, code, message] of cases) {
    it(`refuses ${what} (exit ${code})`, async () => {
      const before = await endpoint()
      const result = await ws.run(args)
      expect(result.code, result.stderr).toBe(code)
      expect(result.stderr).toMatch(message)
      expect(await champion()).toBe(1)
      expect((await endpoint()).config).toEqual(before.config)
    })
  }
})

describe('workspace registry without Unity Catalog (a model name without dots)', () => {
  const MLFLOW = '/api/2.0/mlflow'
  const NAME = 'Sentiment'
  const stageOf = async (version: number): Promise<string> =>
    (await ws.api('GET', `${MLFLOW}/model-versions/get?name=${NAME}&version=${version}`)).model_version.current_stage
  const production = async (): Promise<string | undefined> =>
    (await ws.api('POST', `${MLFLOW}/registered-models/get-latest-versions`, {name: NAME, stages: ['Production']})).model_versions?.[0]?.version
  const served = async () => (await endpoint()).config.served_entities[0]

  beforeAll(async () => {
    // Two versions from the runs of the trained versions: 1 (worse f1) and 2 (better).
    const {model_versions: trained} = await ws.api('GET', `${MODEL_PATH}/versions`)
    const runOf = (v: number) => trained.find((m: {version: number}) => m.version === v).run_id as string
    await ws.api('POST', `${MLFLOW}/registered-models/create`, {name: NAME})
    for (const v of [2, 1]) await ws.api('POST', `${MLFLOW}/model-versions/create`, {name: NAME, source: `runs:/${runOf(v)}/model`, run_id: runOf(v)})
  })

  it('lists the versions with their stage and metrics', async () => {
    const result = await ws.run(['model', 'versions', NAME, '--json'])
    expect(result.code, result.stderr).toBe(0)
    const [v2, v1] = result.json().versions
    expect([v2, v1]).toEqual([
      expect.objectContaining({version: 2, status: 'READY', stage: 'None', aliases: []}),
      expect.objectContaining({version: 1, status: 'READY', stage: 'None', aliases: []}),
    ])
    expect(v2.metrics.f1).toBeGreaterThan(v1.metrics.f1)
    const unknown = await ws.run(['model', 'versions', 'Nope'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/RESOURCE_DOES_NOT_EXIST/)
  })

  it('promotes the better version to Production and serves it', async () => {
    const result = await ws.run(['model', 'promote', '--yes', NAME, '--version', '2', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({outcome: 'promoted', alias: 'champion', stage: 'Production', version: 2, previous_version: null, served: true, skipped: null})
    expect(await production()).toBe('2')
    expect(await served()).toMatchObject({entity_name: NAME, entity_version: '2'})
  })

  it('refuses the worse version with exit 3 and changes nothing', async () => {
    const before = await endpoint()
    const result = await ws.run(['model', 'promote', '--yes', NAME, '--version', '1'])
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/PROMOTION_REFUSED/)
    expect(result.stderr).toMatch(/Try: lakectl model promote Sentiment --version 1 --force --reason/)
    expect(await production()).toBe('2')
    expect(await stageOf(1)).toBe('None')
    expect((await endpoint()).config).toEqual(before.config)
  })

  it('promotes it with --force, records the reason and what it replaced', async () => {
    const result = await ws.run(['model', 'promote', '--yes', NAME, '--version', '1', '--force', '--reason', 'canary for INC-44', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({outcome: 'forced', version: 1, previous_version: 2, reason: 'canary for INC-44', served: true})
    expect(await production()).toBe('1')
    expect(await stageOf(2)).toBe('Archived')
    expect(await served()).toMatchObject({entity_name: NAME, entity_version: '1'})
    const {model_version: version} = await ws.api('GET', `${MLFLOW}/model-versions/get?name=${NAME}&version=1`)
    expect(version.tags).toEqual(expect.arrayContaining([
      {key: 'lakectl.promotion.forced_reason', value: 'canary for INC-44'},
      {key: 'lakectl.promotion.previous_version', value: '2'},
    ]))
  })

  it('rolls back the stage and the endpoint', async () => {
    const result = await ws.run(['model', 'rollback', '--yes', NAME])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/Rolled champion \(stage Production\) of Sentiment back to version 2 \(from 1\)/)
    expect(await production()).toBe('2')
    expect(await stageOf(1)).toBe('Archived')
    expect(await served()).toMatchObject({entity_name: NAME, entity_version: '2'})
    const versions = await ws.run(['model', 'versions', NAME])
    expect(versions.stdout).toMatch(/\b2[\s|]+READY[\s|]+Production[\s|]/)
    expect(versions.stdout).toMatch(/\b1[\s|]+READY[\s|]+Archived[\s|]/)
  })

  it('on a host without Databricks-only APIs (as an MLflow server): MLflow transitions, one line for the skipped serving', async () => {
    const before = await endpoint()
    // What an MLflow tracking server answers here: no Databricks transition endpoint, no Model Serving.
    await ws.fault({method: 'POST', path: `${MLFLOW}/databricks/model-versions/transition-stage`, status: 404, error_code: 'ENDPOINT_NOT_FOUND', message: 'No API found', count: 10})
    await ws.fault({method: 'GET', path: `/api/2.0/serving-endpoints/${ENDPOINT}`, status: 404, error_code: 'ENDPOINT_NOT_FOUND', message: 'No API found', count: 10})
    try {
      await ws.clearRequests()
      const forced = await ws.run(['model', 'promote', '--yes', NAME, '--version', '1', '--force', '--reason', 'INC-45', '--json'])
      expect(forced.code, forced.stderr).toBe(0)
      expect(forced.json()).toMatchObject({outcome: 'forced', version: 1, served: false, endpoint: null, skipped: expect.stringMatching(/has no Model Serving API/)})
      // Besides the progress line, one line says what was skipped and why: no stack trace, no other warning.
      const notes = forced.stderr.split('\n').filter((line) => line.trim() && line !== 'Checking the candidate...')
      expect(notes).toEqual([expect.stringMatching(/^Warning: Skipped the serving update: http:\/\/127\.0\.0\.1:\d+ has no Model Serving API \(GET \/api\/2\.0\/serving-endpoints\/lakectl-sentiment answered 404\), so serving endpoint lakectl-sentiment was not updated\.$/)])
      expect(await production()).toBe('1')
      const paths = (await ws.requests()).filter((r) => r.method === 'POST').map((r) => `${r.status} ${r.path}`)
      expect(paths).toEqual(expect.arrayContaining([`404 ${MLFLOW}/databricks/model-versions/transition-stage`, `200 ${MLFLOW}/model-versions/transition-stage`]))

      const rolled = await ws.run(['model', 'rollback', '--yes', NAME, '--json'])
      expect(rolled.code, rolled.stderr).toBe(0)
      expect(rolled.json()).toMatchObject({outcome: 'rolled_back', version: 2, previous_version: 1, served: false})
      expect(rolled.stderr).toMatch(/Skipped the serving update/)
      expect(await production()).toBe('2')
    } finally {
      await ws.clearFaults()
    }
    expect((await endpoint()).config).toEqual(before.config)
  })

  it('refuses aliases that have no stage, and rollback without a recorded previous version', async () => {
    const alias = await ws.run(['model', 'promote', '--yes', NAME, '--version', '1', '--alias', 'canary'])
    expect(alias.code).toBe(2)
    expect(alias.stderr).toMatch(/stages, not aliases/)
    const staging = await ws.run(['model', 'rollback', '--yes', NAME, '--alias', 'challenger'])
    expect(staging.code).toBe(1)
    expect(staging.stderr).toMatch(/NO_PREVIOUS_VERSION/)
    expect(await production()).toBe('2')
  })
})
