import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from '../local/harness.js'
import {allPages, createSchema, goodModel, logRun, MLFLOW, poorModel, registerVersion, UC} from './fixtures.js'

describe('local workspace: Unity Catalog registered models', () => {
  let server: TestServer
  let runId: string
  beforeAll(async () => {
    server = await TestServer.start({limits: {ucPageSize: 2}})
    await createSchema(server, 'lh', 'ml')
    await createSchema(server, 'lh', 'other')
    runId = await logRun(server, goodModel())
  })
  afterAll(async () => {
    await server.stop()
  })

  it('creates a model only in an existing schema, once', async () => {
    const created = await server.ok('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'ml', name: 'Crud', comment: 'first'})
    expect(created).toMatchObject({
      name: 'crud',
      catalog_name: 'lh',
      schema_name: 'ml',
      full_name: 'lh.ml.crud',
      owner: 'local-admin@lakectl.local',
      comment: 'first',
      aliases: [],
      created_by: 'local-admin@lakectl.local',
    })
    expect(created.storage_location).toMatch(/^file:\/\//)

    const duplicate = await server.call('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'ml', name: 'crud'})
    expect(duplicate.status).toBe(409)
    expect(duplicate.body.error_code).toBe('REGISTERED_MODEL_ALREADY_EXISTS')
    expect(duplicate.body.details[0]).toMatchObject({reason: 'RESOURCE_ALREADY_EXISTS', metadata: {resourceIdentifier: 'lh.ml.crud'}})

    const noSchema = await server.call('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'nope', name: 'm'})
    expect(noSchema.status).toBe(404)
    expect(noSchema.body).toMatchObject({error_code: 'SCHEMA_DOES_NOT_EXIST', message: "Schema 'lh.nope' does not exist."})
    expect((await server.call('POST', `${UC}/models`, {catalog_name: 'nope', schema_name: 'ml', name: 'm'})).body.error_code).toBe('CATALOG_DOES_NOT_EXIST')
    expect((await server.call('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'ml', name: 'bad name'})).status).toBe(400)
    expect((await server.call('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'ml'})).body).toMatchObject({error_code: 'INVALID_PARAMETER_VALUE', message: 'Missing required field: name'})
  })

  it('updates, renames within the schema and deletes a model', async () => {
    await server.ok('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'ml', name: 'renamed_from'})
    expect(await server.ok('PATCH', `${UC}/models/lh.ml.renamed_from`, {comment: 'c2', owner: 'ml-engineers'})).toMatchObject({comment: 'c2', owner: 'ml-engineers'})
    expect(await server.ok('PATCH', `${UC}/models/lh.ml.renamed_from`, {new_name: 'renamed_to'})).toMatchObject({full_name: 'lh.ml.renamed_to', comment: 'c2'})
    expect((await server.call('GET', `${UC}/models/lh.ml.renamed_from`)).status).toBe(404)
    expect((await server.call('PATCH', `${UC}/models/lh.ml.renamed_to`, {new_name: 'lh.other.x'})).status).toBe(400)
    expect(await server.ok('DELETE', `${UC}/models/lh.ml.renamed_to`)).toEqual({})
    const gone = await server.call('GET', `${UC}/models/lh.ml.renamed_to`)
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Registered model 'lh.ml.renamed_to' does not exist."})
  })

  it('lists models of a schema (both names or neither) page by page', async () => {
    for (const name of ['list_a', 'list_b', 'list_c']) await server.ok('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'other', name})
    const pages = await allPages(server, `${UC}/models?catalog_name=lh&schema_name=other&max_results=0`, 'registered_models')
    expect(pages.length).toBeGreaterThan(1)
    expect(pages.flat().map((m) => m.full_name)).toEqual(['lh.other.list_a', 'lh.other.list_b', 'lh.other.list_c'])
    const everything = (await allPages(server, `${UC}/models?max_results=0`, 'registered_models')).flat().map((m) => m.full_name)
    expect(everything).toEqual(expect.arrayContaining(['lh.ml.crud', 'lh.other.list_a']))
    expect((await server.call('GET', `${UC}/models?catalog_name=lh`)).status).toBe(400)
    expect((await server.call('GET', `${UC}/models?catalog_name=lh&schema_name=nope`)).status).toBe(404)
    expect((await server.call('GET', `${UC}/models?max_results=-1`)).status).toBe(400)
  })

  it('registers versions from run artifacts: READY, or FAILED_REGISTRATION when the artifact is unusable', async () => {
    await server.ok('POST', `${UC}/models`, {catalog_name: 'lh', schema_name: 'ml', name: 'versions'})
    const first = await registerVersion(server, 'lh.ml.versions', runId)
    expect(first).toMatchObject({
      model_name: 'versions',
      catalog_name: 'lh',
      schema_name: 'ml',
      version: 1,
      source: `runs:/${runId}/model`,
      run_id: runId,
      status: 'READY',
      created_by: 'local-admin@lakectl.local',
    })
    expect(first.id).toBeTypeOf('string')
    expect(first.storage_location).toMatch(/^file:\/\/.*\/1$/)

    const broken = await logRun(server, poorModel(), {type: 'something else'})
    const failed = await registerVersion(server, 'lh.ml.versions', broken)
    expect(failed).toMatchObject({version: 2, status: 'FAILED_REGISTRATION'})
    expect(failed.status_message).toMatch(/cannot be loaded/)

    const outside = await server.call('POST', `${UC}/models/versions`, {catalog_name: 'lh', schema_name: 'ml', model_name: 'versions', source: 'file:///etc'})
    expect(outside.status).toBe(400)
    expect(outside.body.message).toMatch(/own MLflow run artifacts/)
    expect((await server.call('POST', `${UC}/models/versions`, {catalog_name: 'lh', schema_name: 'ml', model_name: 'versions', source: 'runs:/nope/model'})).status).toBe(404)
    expect((await server.call('POST', `${UC}/models/versions`, {catalog_name: 'lh', schema_name: 'ml', model_name: 'missing', source: `runs:/${runId}/model`})).status).toBe(404)

    await registerVersion(server, 'lh.ml.versions', runId)
    const pages = await allPages(server, `${UC}/models/lh.ml.versions/versions?max_results=0`, 'model_versions')
    expect(pages.length).toBeGreaterThan(1)
    expect(pages.flat().map((v) => [v.version, v.status])).toEqual([[1, 'READY'], [2, 'FAILED_REGISTRATION'], [3, 'READY']])

    expect(await server.ok('PATCH', `${UC}/models/lh.ml.versions/versions/3`, {comment: 'third'})).toMatchObject({version: 3, comment: 'third'})
    expect(await server.ok('GET', `${UC}/models/lh.ml.versions/versions/3`)).toMatchObject({comment: 'third', status: 'READY'})
    const missing = await server.call('GET', `${UC}/models/lh.ml.versions/versions/9`)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Model version 9 of 'lh.ml.versions' does not exist."})
    expect((await server.call('GET', `${UC}/models/lh.ml.versions/versions/x`)).status).toBe(400)
  })

  it('sets, moves, reads and deletes aliases', async () => {
    const model = `${UC}/models/lh.ml.versions`
    expect(await server.ok('PUT', `${model}/aliases/champion`, {version_num: 1})).toMatchObject({alias_name: 'champion', version_num: 1, model_name: 'versions', catalog_name: 'lh', schema_name: 'ml'})
    await server.ok('PUT', `${model}/aliases/challenger`, {version_num: 3})
    expect(await server.ok('GET', `${model}/aliases/champion?include_aliases=true`)).toMatchObject({version: 1, aliases: [{alias_name: 'champion', version_num: 1}]})

    // PUT on an existing alias moves it.
    await server.ok('PUT', `${model}/aliases/champion`, {version_num: 3})
    const byAlias = await server.ok('GET', `${model}/aliases/champion?include_aliases=true`)
    expect(byAlias).toMatchObject({version: 3, status: 'READY', aliases: [{alias_name: 'challenger', version_num: 3}, {alias_name: 'champion', version_num: 3}]})
    expect((await server.ok('GET', `${model}?include_aliases=true`)).aliases).toEqual([
      {alias_name: 'challenger', version_num: 3},
      {alias_name: 'champion', version_num: 3},
    ])
    expect((await server.ok('GET', model)).aliases).toBeUndefined()
    expect((await server.ok('GET', `${model}/versions/1?include_aliases=true`)).aliases).toEqual([])

    const unknownAlias = await server.call('GET', `${model}/aliases/nobody`)
    expect(unknownAlias.status).toBe(404)
    expect(unknownAlias.body.message).toBe("Alias 'nobody' is not set on registered model 'lh.ml.versions'.")
    const unknownModel = await server.call('GET', `${UC}/models/lh.ml.nope/aliases/champion`)
    expect(unknownModel.status).toBe(404)
    expect(unknownModel.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST')
    expect((await server.call('PUT', `${model}/aliases/champion`, {version_num: 9})).status).toBe(404)
    expect((await server.call('PUT', `${model}/aliases/latest`, {version_num: 1})).status).toBe(400)
    expect((await server.call('PUT', `${model}/aliases/v2`, {version_num: 1})).status).toBe(400)
    expect((await server.call('PUT', `${model}/aliases/champion`, {})).status).toBe(400)
    expect((await server.ok('GET', `${model}/aliases/champion`)).version).toBe(3)

    expect(await server.ok('DELETE', `${model}/aliases/challenger`)).toEqual({})
    expect((await server.call('GET', `${model}/aliases/challenger`)).status).toBe(404)
    expect((await server.call('DELETE', `${model}/aliases/challenger`)).status).toBe(404)
  })

  it('deleting a version removes it, its artifact and its aliases', async () => {
    const model = `${UC}/models/lh.ml.versions`
    await server.ok('PUT', `${model}/aliases/old`, {version_num: 1})
    expect(await server.ok('DELETE', `${model}/versions/1`)).toEqual({})
    expect((await server.call('GET', `${model}/versions/1`)).status).toBe(404)
    expect((await server.call('GET', `${model}/aliases/old`)).status).toBe(404)
    // Numbers are never reused.
    expect((await registerVersion(server, 'lh.ml.versions', runId)).version).toBe(4)
  })

  it('keeps tags on versions, read back through MLflow unity-catalog model-versions/get', async () => {
    const body = {name: 'lh.ml.versions', version: '3', key: 'lakectl.promotion.forced_reason', value: 'hotfix INC-1'}
    expect(await server.ok('POST', `${MLFLOW}/unity-catalog/model-versions/set-tag`, body)).toEqual({})
    const {model_version: version} = await server.ok('GET', `${MLFLOW}/unity-catalog/model-versions/get?name=lh.ml.versions&version=3`)
    expect(version).toMatchObject({name: 'lh.ml.versions', version: '3', status: 'READY', run_id: runId, tags: [{key: 'lakectl.promotion.forced_reason', value: 'hotfix INC-1'}]})
    expect((await server.call('POST', `${MLFLOW}/unity-catalog/model-versions/set-tag`, {...body, version: '99'})).status).toBe(404)
    expect((await server.call('POST', `${MLFLOW}/unity-catalog/model-versions/set-tag`, {...body, key: ''})).status).toBe(400)
    expect((await server.call('GET', `${MLFLOW}/unity-catalog/model-versions/get?name=lh.ml.versions`)).status).toBe(400)
  })
})

describe('local workspace: MLflow runs', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('returns a run with its latest metrics, params and tags', async () => {
    const runId = await logRun(server, goodModel())
    await server.ok('POST', `${MLFLOW}/runs/log-batch`, {run_id: runId, metrics: [{key: 'f1', value: 0.5, timestamp: 1, step: 0}]})
    const {run} = await server.ok('GET', `${MLFLOW}/runs/get?run_id=${runId}`)
    expect(run.info).toMatchObject({run_id: runId, run_name: 'test-run', experiment_id: '0', status: 'FINISHED', lifecycle_stage: 'active'})
    expect(run.info.end_time).toBeGreaterThanOrEqual(run.info.start_time)
    expect(run.info.artifact_uri).toMatch(/^file:\/\/.*\/artifacts$/)
    const metrics = Object.fromEntries(run.data.metrics.map((m: any) => [m.key, m]))
    // An older timestamp at the same step does not replace the latest value.
    expect(metrics.f1.value).toBeCloseTo(goodModel().metrics.f1, 12)
    expect(metrics.f1).toMatchObject({step: 0})
    expect(run.data.params).toEqual(expect.arrayContaining([{key: 'algorithm', value: 'logistic_regression'}]))
    expect(run.data.tags).toEqual(expect.arrayContaining([{key: 'mlflow.runName', value: 'test-run'}]))
  })

  it('refuses to change a logged param and reports missing runs and experiments', async () => {
    const runId = await logRun(server, goodModel())
    const changed = await server.call('POST', `${MLFLOW}/runs/log-batch`, {run_id: runId, params: [{key: 'C', value: '8'}]})
    expect(changed.status).toBe(400)
    expect(changed.body.message).toMatch(/Changing param values is not allowed/)
    const missing = await server.call('GET', `${MLFLOW}/runs/get?run_id=0123456789abcdef`)
    expect(missing.status).toBe(404)
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST')
    expect((await server.call('GET', `${MLFLOW}/runs/get`)).status).toBe(400)
    expect((await server.call('POST', `${MLFLOW}/runs/create`, {experiment_id: '424242'})).status).toBe(404)
  })
})

describe('local workspace: legacy workspace registry', () => {
  let server: TestServer
  let good: string
  let poor: string
  beforeAll(async () => {
    server = await TestServer.start()
    good = await logRun(server, goodModel())
    poor = await logRun(server, poorModel())
  })
  afterAll(async () => {
    await server.stop()
  })

  it('creates models and versions, and moves versions between stages', async () => {
    expect((await server.ok('POST', `${MLFLOW}/registered-models/create`, {name: 'Sentiment'})).registered_model).toMatchObject({name: 'Sentiment', latest_versions: []})
    expect((await server.call('POST', `${MLFLOW}/registered-models/create`, {name: 'Sentiment'})).body.error_code).toBe('RESOURCE_ALREADY_EXISTS')
    const v1 = (await server.ok('POST', `${MLFLOW}/model-versions/create`, {name: 'Sentiment', source: `runs:/${good}/model`, run_id: good})).model_version
    expect(v1).toMatchObject({name: 'Sentiment', version: '1', current_stage: 'None', status: 'READY', run_id: good})
    await server.ok('POST', `${MLFLOW}/model-versions/create`, {name: 'Sentiment', source: `runs:/${poor}/model`, run_id: poor})

    const transition = (version: string, stage: string, archive = true) =>
      server.call('POST', `${MLFLOW}/databricks/model-versions/transition-stage`, {name: 'Sentiment', version, stage, archive_existing_versions: archive})
    const moved = await transition('1', 'Production')
    expect(moved.status).toBe(200)
    expect(moved.body.model_version_databricks).toMatchObject({name: 'Sentiment', version: '1', current_stage: 'Production', status: 'READY'})

    const latest = async (stages?: string[]) =>
      (await server.ok('POST', `${MLFLOW}/registered-models/get-latest-versions`, {name: 'Sentiment', ...(stages ? {stages} : {})})).model_versions ?? []
    expect((await latest(['Production'])).map((v: any) => v.version)).toEqual(['1'])
    expect((await latest()).map((v: any) => [v.current_stage, v.version])).toEqual([['None', '2'], ['Production', '1']])

    // archive_existing_versions archives the previous holder of the stage.
    await transition('2', 'Production')
    expect((await server.ok('GET', `${MLFLOW}/model-versions/get?name=Sentiment&version=1`)).model_version.current_stage).toBe('Archived')
    expect((await latest(['Production'])).map((v: any) => v.version)).toEqual(['2'])
    await transition('1', 'Production', false)
    expect((await latest(['Production'])).map((v: any) => v.version)).toEqual(['2'])
    expect((await server.ok('GET', `${MLFLOW}/model-versions/get?name=Sentiment&version=2`)).model_version.current_stage).toBe('Production')

    const badStage = await transition('1', 'production')
    expect(badStage.status).toBe(400)
    expect(badStage.body.message).toMatch(/None, Staging, Production, Archived/)
    expect((await server.call('POST', `${MLFLOW}/databricks/model-versions/transition-stage`, {name: 'Sentiment', version: '1', stage: 'Staging'})).status).toBe(400)
    expect((await transition('9', 'Staging')).status).toBe(404)
    expect((await server.call('GET', `${MLFLOW}/model-versions/get?name=Nope&version=1`)).status).toBe(404)
    expect((await server.call('POST', `${MLFLOW}/registered-models/get-latest-versions`, {name: 'Sentiment', stages: ['Prod']})).status).toBe(400)
  })

  it('keeps version tags', async () => {
    await server.ok('POST', `${MLFLOW}/model-versions/set-tag`, {name: 'Sentiment', version: '2', key: 'lakectl.promotion.forced_reason', value: 'why'})
    expect((await server.ok('GET', `${MLFLOW}/model-versions/get?name=Sentiment&version=2`)).model_version.tags).toEqual([{key: 'lakectl.promotion.forced_reason', value: 'why'}])
  })

  it("also serves MLflow's transition endpoint, answering under model_version", async () => {
    // What MLflow's own client calls against a Databricks workspace registry (and all an MLflow server has).
    const moved = await server.call('POST', `${MLFLOW}/model-versions/transition-stage`, {name: 'Sentiment', version: '1', stage: 'Staging', archive_existing_versions: true})
    expect(moved.status).toBe(200)
    expect(moved.body).toEqual({model_version: expect.objectContaining({name: 'Sentiment', version: '1', current_stage: 'Staging'})})
    expect(moved.body.model_version.permission_level).toBeUndefined()
    expect((await server.call('POST', `${MLFLOW}/model-versions/transition-stage`, {name: 'Sentiment', version: '1', stage: 'Bogus', archive_existing_versions: true})).body.error_code).toBe('INVALID_PARAMETER_VALUE')
  })

  it('searches versions by model name or run id, page by page, newest change first', async () => {
    await server.ok('POST', `${MLFLOW}/registered-models/create`, {name: 'Other'})
    await server.ok('POST', `${MLFLOW}/model-versions/create`, {name: 'Other', source: `runs:/${good}/model`, run_id: good})
    const search = (query: string) => server.call('GET', `${MLFLOW}/model-versions/search${query}`)
    const byName = await search(`?filter=${encodeURIComponent("name='Sentiment'")}`)
    expect(byName.status).toBe(200)
    expect(byName.body.next_page_token).toBeUndefined()
    // Version 1 moved stage last (previous test), so it comes first.
    expect(byName.body.model_versions.map((v: any) => [v.name, v.version])).toEqual([['Sentiment', '1'], ['Sentiment', '2']])
    expect(byName.body.model_versions[1]).toMatchObject({current_stage: 'Production', run_id: poor, status: 'READY'})

    const pages = await allPages(server, `${MLFLOW}/model-versions/search?max_results=1&filter=${encodeURIComponent("name = 'Sentiment'")}`, 'model_versions')
    expect(pages.map((p) => p.map((v: any) => v.version))).toEqual([['1'], ['2']])
    const byRun = (await search(`?filter=${encodeURIComponent(`run_id='${good}'`)}`)).body.model_versions
    expect(byRun.map((v: any) => `${v.name}/${v.version}`).sort()).toEqual(['Other/1', 'Sentiment/1'])
    expect((await search(`?filter=${encodeURIComponent("name='Nope'")}`)).body).toEqual({})
    expect((await search('')).body.model_versions).toHaveLength(3)

    for (const bad of [`?filter=${encodeURIComponent("name LIKE 'S%'")}`, '?max_results=10001', '?max_results=0', '?page_token=garbage']) {
      const refused = await search(bad)
      expect(refused.status, bad).toBe(400)
      expect(refused.body.error_code).toBe('INVALID_PARAMETER_VALUE')
    }
  })
})
