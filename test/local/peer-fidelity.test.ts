/**
 * Incompatibilities the official clients found in the local workspace (test/engines/peers), each
 * pinned here by a fast test over real sockets so it cannot come back without the engines tier.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from './harness.js'

const UC = '/api/2.1/unity-catalog'
const WS = '/api/2.0/workspace'

describe('local workspace: what the official clients expect', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start({limits: {runSetupMs: 50}})
    await server.ok('POST', `${UC}/catalogs`, {name: 'peers'})
    await server.ok('POST', `${UC}/schemas`, {catalog_name: 'peers', name: 'raw'})
    await server.rows('CREATE TABLE peers.raw.events (id BIGINT)')
  })
  afterAll(async () => server.stop())

  it('answers schema and table infos without securable_type, which SchemaInfo and TableInfo do not have', async () => {
    expect(await server.ok('GET', `${UC}/catalogs/peers`)).toHaveProperty('securable_type', 'CATALOG')
    expect(await server.ok('GET', `${UC}/schemas/peers.raw`)).not.toHaveProperty('securable_type')
    expect(await server.ok('GET', `${UC}/tables/peers.raw.events`)).not.toHaveProperty('securable_type')
  })

  it('updates a volume with PATCH: comment, owner and a rename within its schema', async () => {
    await server.ok('POST', `${UC}/volumes`, {catalog_name: 'peers', schema_name: 'raw', name: 'landing', volume_type: 'MANAGED'})
    const updated = await server.ok('PATCH', `${UC}/volumes/peers.raw.landing`, {comment: 'drops', owner: 'platform'})
    expect(updated).toMatchObject({full_name: 'peers.raw.landing', comment: 'drops', owner: 'platform'})
    expect(updated.updated_at).toBeGreaterThanOrEqual(updated.created_at)
    const renamed = await server.ok('PATCH', `${UC}/volumes/peers.raw.landing`, {new_name: 'Inbox'})
    expect(renamed).toMatchObject({name: 'inbox', full_name: 'peers.raw.inbox', comment: 'drops'})
    expect((await server.call('GET', `${UC}/volumes/peers.raw.landing`)).status).toBe(404)
    await server.ok('POST', `${UC}/volumes`, {catalog_name: 'peers', schema_name: 'raw', name: 'other', volume_type: 'MANAGED'})
    const clash = await server.call('PATCH', `${UC}/volumes/peers.raw.other`, {new_name: 'inbox'})
    expect([clash.status, clash.body.error_code]).toEqual([409, 'VOLUME_ALREADY_EXISTS'])
    expect((await server.call('PATCH', `${UC}/volumes/peers.raw.nope`, {comment: 'x'})).status).toBe(404)
  })

  it('imports a workspace file sent as the multipart upload form and downloads it with direct_download', async () => {
    await server.ok('POST', `${WS}/mkdirs`, {path: '/Shared/peers'})
    const bytes = Buffer.from([0x70, 0x72, 0x69, 0x6e, 0x74, 0x28, 0x29, 0x0a, 0xff, 0x00])
    const form = new FormData()
    form.append('path', '/Shared/peers/runner.py')
    form.append('format', 'AUTO')
    form.append('overwrite', 'true')
    form.append('content', new Blob([bytes]), 'runner.py')
    const upload = await fetch(`${server.url}${WS}/import`, {method: 'POST', headers: {authorization: `Bearer ${server.token}`}, body: form})
    expect(upload.status).toBe(200)
    expect(await server.ok('GET', `${WS}/get-status?path=/Shared/peers/runner.py`)).toMatchObject({object_type: 'FILE', size: bytes.length})
    const download = await fetch(`${server.url}${WS}/export?path=/Shared/peers/runner.py&direct_download=true`, {headers: {authorization: `Bearer ${server.token}`}})
    expect(download.status).toBe(200)
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes)
    expect((await server.ok('GET', `${WS}/export?path=/Shared/peers/runner.py`)).content).toBe(bytes.toString('base64'))
  })

  it('answers runs without a format field (Run has none; JobSettings does)', async () => {
    const {job_id} = await server.ok('POST', '/api/2.2/jobs/create', {name: 'peers', tasks: [{task_key: 'main', spark_python_task: {python_file: '/x/missing.py'}}]})
    expect((await server.ok('GET', `/api/2.2/jobs/get?job_id=${job_id}`)).settings.format).toBe('MULTI_TASK')
    const {run_id} = await server.ok('POST', '/api/2.2/jobs/run-now', {job_id})
    const run = await server.ok('GET', `/api/2.2/jobs/runs/get?run_id=${run_id}`)
    expect(run.run_id).toBe(run_id)
    expect(run).not.toHaveProperty('format')
  })
})
