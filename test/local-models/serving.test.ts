import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from '../local/harness.js'
import {createSchema, ENDPOINTS, goodModel, logRun, MLFLOW, poorModel, registerVersion, sleep, UC} from './fixtures.js'
import {HAPPY, UNHAPPY} from '../helpers/reviews.js'

const MODEL = 'lh.ml.sentiment'
const UPDATE_MS = 150

function config(version: number | string, extra: Record<string, unknown> = {}) {
  return {served_entities: [{entity_name: MODEL, entity_version: String(version), workload_size: 'Small', scale_to_zero_enabled: true, ...extra}]}
}

describe('local workspace: Model Serving', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start({enableControl: true, limits: {servingUpdateMs: UPDATE_MS}})
    await createSchema(server, 'lh', 'ml')
    await server.ok('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'ml', name: 'sentiment'})
    await registerVersion(server, MODEL, await logRun(server, goodModel())) // 1
    await registerVersion(server, MODEL, await logRun(server, poorModel())) // 2
    await registerVersion(server, MODEL, await logRun(server, poorModel(), {broken: true})) // 3: FAILED_REGISTRATION
  })
  afterAll(async () => {
    await server.stop()
  })

  async function settled(name: string): Promise<any> {
    for (let i = 0; i < 100; i++) {
      const endpoint = await server.ok('GET', `${ENDPOINTS}/${name}`)
      if (endpoint.state.config_update !== 'IN_PROGRESS') return endpoint
      await sleep(25)
    }
    throw new Error(`endpoint ${name} stayed IN_PROGRESS`)
  }

  const invoke = (name: string, body: unknown) => server.call('POST', `/serving-endpoints/${name}/invocations`, body)

  it('creates an endpoint that deploys its first config asynchronously', async () => {
    const created = await server.ok('POST', ENDPOINTS, {name: 'scores', config: config(1)})
    expect(created).toMatchObject({
      name: 'scores',
      creator: 'local-admin@lakectl.local',
      state: {ready: 'NOT_READY', config_update: 'IN_PROGRESS'},
      pending_config: {config_version: 1, served_entities: [{name: 'sentiment-1', entity_name: MODEL, entity_version: '1', state: {deployment: 'DEPLOYMENT_CREATING'}}]},
    })
    expect(created.config).toBeUndefined()
    expect((await invoke('scores', {inputs: [HAPPY]})).status).toBe(503)

    const ready = await settled('scores')
    expect(ready.state).toEqual({ready: 'READY', config_update: 'NOT_UPDATING'})
    expect(ready.pending_config).toBeUndefined()
    expect(ready.config).toMatchObject({
      config_version: 1,
      served_entities: [{name: 'sentiment-1', entity_name: MODEL, entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: true, state: {deployment: 'DEPLOYMENT_READY'}}],
      traffic_config: {routes: [{served_entity_name: 'sentiment-1', traffic_percentage: 100}]},
    })
    const {endpoints} = await server.ok('GET', ENDPOINTS)
    expect(endpoints).toEqual([expect.objectContaining({name: 'scores', state: ready.state, config: {served_entities: [{name: 'sentiment-1', entity_name: MODEL, entity_version: '1'}]}})])
  })

  it('refuses duplicate names, missing versions and versions that are not READY', async () => {
    const duplicate = await server.call('POST', ENDPOINTS, {name: 'scores', config: config(1)})
    expect(duplicate.status).toBe(409)
    expect(duplicate.body.error_code).toBe('RESOURCE_ALREADY_EXISTS')
    expect((await server.call('POST', ENDPOINTS, {name: 'other', config: config(9)})).status).toBe(404)
    expect((await server.call('POST', ENDPOINTS, {name: 'other', config: {served_entities: [{entity_name: 'lh.ml.nope', entity_version: '1'}]}})).status).toBe(404)
    const failed = await server.call('POST', ENDPOINTS, {name: 'other', config: config(3)})
    expect(failed.status).toBe(400)
    expect(failed.body.message).toMatch(/FAILED_REGISTRATION/)
    expect((await server.call('POST', ENDPOINTS, {name: 'bad name', config: config(1)})).status).toBe(400)
    expect((await server.call('POST', ENDPOINTS, {name: 'other', config: config(1, {workload_size: 'Huge'})})).status).toBe(400)
    expect((await server.call('GET', `${ENDPOINTS}/other`)).status).toBe(404)
  })

  it('scores text through invocations: positive above negative, nulls stay null', async () => {
    const split = await invoke('scores', {dataframe_split: {columns: ['review_text'], data: [[HAPPY], [UNHAPPY], [null]]}})
    expect(split.status).toBe(200)
    expect(split.headers.get('served-model-name')).toBe('sentiment-1')
    const [happy, unhappy, none] = split.body.predictions
    expect(happy).toBeGreaterThan(0.8)
    expect(unhappy).toBeLessThan(0.2)
    expect(none).toBeNull()

    for (const body of [
      {dataframe_records: [{review_text: HAPPY}, {review_text: UNHAPPY}]},
      {instances: [HAPPY, UNHAPPY]},
      {inputs: [HAPPY, UNHAPPY]},
      {inputs: {review_text: [HAPPY, UNHAPPY]}},
      {dataframe_split: {columns: ['text'], data: [[HAPPY], [UNHAPPY]]}},
    ]) {
      const response = await invoke('scores', body)
      expect(response.status, JSON.stringify(body)).toBe(200)
      expect(response.body.predictions).toEqual([happy, unhappy])
    }

    expect((await invoke('scores', {})).status).toBe(400)
    expect((await invoke('scores', {inputs: [HAPPY], instances: [HAPPY]})).status).toBe(400)
    expect((await invoke('scores', {dataframe_split: {columns: ['a', 'b'], data: [['x', 'y']]}})).body.message).toMatch(/review_text/)
    expect((await invoke('scores', {inputs: [1, 2]})).status).toBe(400)
    expect((await invoke('nope', {inputs: [HAPPY]})).status).toBe(404)
  })

  it('updates the config asynchronously: the old config serves until the new one is live', async () => {
    const updating = await server.ok('PUT', `${ENDPOINTS}/scores/config`, config(2))
    expect(updating.state).toEqual({ready: 'READY', config_update: 'IN_PROGRESS'})
    expect(updating.config).toMatchObject({config_version: 1, served_entities: [{entity_version: '1'}]})
    expect(updating.pending_config).toMatchObject({config_version: 2, served_entities: [{name: 'sentiment-2', entity_version: '2'}]})
    expect(updating.pending_config.start_time).toBeTypeOf('number')
    expect((await invoke('scores', {inputs: [HAPPY]})).headers.get('served-model-name')).toBe('sentiment-1')

    const conflict = await server.call('PUT', `${ENDPOINTS}/scores/config`, config(1))
    expect(conflict.status).toBe(409)
    expect(conflict.body.error_code).toBe('RESOURCE_CONFLICT')

    const done = await settled('scores')
    expect(done.state).toEqual({ready: 'READY', config_update: 'NOT_UPDATING'})
    expect(done.config).toMatchObject({config_version: 2, served_entities: [{entity_version: '2'}]})
    expect((await invoke('scores', {inputs: [HAPPY]})).headers.get('served-model-name')).toBe('sentiment-2')
  })

  it('ends UPDATE_FAILED on a missing or unready version and keeps serving the old config', async () => {
    for (const version of [9, 3]) {
      await server.ok('PUT', `${ENDPOINTS}/scores/config`, config(version))
      const failed = await settled('scores')
      expect(failed.state).toEqual({ready: 'READY', config_update: 'UPDATE_FAILED'})
      expect(failed.config).toMatchObject({config_version: 2, served_entities: [{entity_version: '2'}]})
      expect(failed.pending_config.served_entities[0].state.deployment).toBe('DEPLOYMENT_FAILED')
      expect(failed.pending_config.served_entities[0].state.deployment_state_message).toMatch(version === 9 ? /does not exist/ : /FAILED_REGISTRATION/)
      expect((await invoke('scores', {inputs: [HAPPY]})).headers.get('served-model-name')).toBe('sentiment-2')
    }
    // A failed update does not block the next one.
    await server.ok('PUT', `${ENDPOINTS}/scores/config`, config(1))
    expect((await settled('scores')).config).toMatchObject({config_version: 3, served_entities: [{entity_version: '1'}]})
  })

  it('splits traffic between entities by percentage', async () => {
    await server.ok('PUT', `${ENDPOINTS}/scores/config`, {
      served_entities: [
        {name: 'a', entity_name: MODEL, entity_version: '1'},
        {name: 'b', entity_name: MODEL, entity_version: '2'},
      ],
      traffic_config: {routes: [{served_entity_name: 'a', traffic_percentage: 100}, {served_entity_name: 'b', traffic_percentage: 0}]},
    })
    await settled('scores')
    for (let i = 0; i < 5; i++) expect((await invoke('scores', {inputs: [HAPPY]})).headers.get('served-model-name')).toBe('a')
    const badRoutes = {served_entities: [{name: 'a', entity_name: MODEL, entity_version: '1'}], traffic_config: {routes: [{served_entity_name: 'a', traffic_percentage: 50}]}}
    expect((await server.call('PUT', `${ENDPOINTS}/scores/config`, badRoutes)).status).toBe(400)
    expect((await server.call('PUT', `${ENDPOINTS}/scores/config`, {served_entities: [{entity_name: MODEL, entity_version: '1'}, {entity_name: MODEL, entity_version: '2'}]})).status).toBe(400)
  })

  it('fails the config update request itself under an injected fault, changing nothing', async () => {
    const before = await settled('scores')
    await server.ok('POST', '/__lakectl/faults', {method: 'PUT', path: '/api/2.0/serving-endpoints/*/config', status: 500, count: 1})
    const faulted = await server.call('PUT', `${ENDPOINTS}/scores/config`, config(2))
    expect(faulted.status).toBe(500)
    const after = await server.ok('GET', `${ENDPOINTS}/scores`)
    expect(after.state).toEqual({ready: 'READY', config_update: 'NOT_UPDATING'})
    expect(after.config).toEqual(before.config)
    expect(after.pending_config).toBeUndefined()
  })

  it('serves a workspace-registry model by its plain name, as Databricks does', async () => {
    await server.ok('POST', `${MLFLOW}/registered-models/create`, {name: 'Legacy Sentiment'})
    const runId = await logRun(server, goodModel())
    await server.ok('POST', `${MLFLOW}/model-versions/create`, {name: 'Legacy Sentiment', source: `runs:/${runId}/model`, run_id: runId})
    const entity = {name: 'legacy-1', entity_name: 'Legacy Sentiment', entity_version: '1'}
    await server.ok('POST', ENDPOINTS, {name: 'legacy', config: {served_entities: [entity]}})
    expect((await settled('legacy')).config.served_entities[0]).toMatchObject({...entity, state: {deployment: 'DEPLOYMENT_READY'}})
    const response = await invoke('legacy', {inputs: [HAPPY, UNHAPPY]})
    expect(response.headers.get('served-model-name')).toBe('legacy-1')
    expect(response.body.predictions[0]).toBeGreaterThan(response.body.predictions[1])
    // Names are exact in the workspace registry, and a missing version is refused like a UC one.
    expect((await server.call('POST', ENDPOINTS, {name: 'legacy-b', config: {served_entities: [{...entity, entity_name: 'legacy sentiment'}]}})).status).toBe(404)
    expect((await server.call('POST', ENDPOINTS, {name: 'legacy-b', config: {served_entities: [{...entity, entity_version: '2'}]}})).status).toBe(404)
    await server.ok('DELETE', `${ENDPOINTS}/legacy`)
  })

  it('keeps endpoints, models and artifacts across a restart', async () => {
    const before = await settled('scores')
    const versions = await server.ok('GET', `${UC}/models/${MODEL}/versions`)
    await server.restart()
    expect(await server.ok('GET', `${ENDPOINTS}/scores`)).toEqual(before)
    expect(await server.ok('GET', `${UC}/models/${MODEL}/versions`)).toEqual(versions)
    const response = await invoke('scores', {inputs: [HAPPY, UNHAPPY]})
    expect(response.body.predictions[0]).toBeGreaterThan(response.body.predictions[1])
  })

  it('deletes an endpoint', async () => {
    expect(await server.ok('DELETE', `${ENDPOINTS}/scores`)).toEqual({})
    expect((await server.call('GET', `${ENDPOINTS}/scores`)).status).toBe(404)
    expect((await server.call('DELETE', `${ENDPOINTS}/scores`)).status).toBe(404)
    expect((await server.call('PUT', `${ENDPOINTS}/scores/config`, config(1))).status).toBe(404)
  })
})
