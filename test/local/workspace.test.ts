import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from './harness.js'

const WS = '/api/2.0/workspace'
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

describe('local workspace: workspace files', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await TestServer.start()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('creates directories with their parents, idempotently', async () => {
    expect(await server.ok('POST', `${WS}/mkdirs`, {path: '/Shared/lakectl/jobs'})).toEqual({})
    expect(await server.ok('POST', `${WS}/mkdirs`, {path: '/Shared/lakectl/jobs'})).toEqual({})
    const status = await server.ok('GET', `${WS}/get-status?path=/Shared/lakectl`)
    expect(status).toMatchObject({path: '/Shared/lakectl', object_type: 'DIRECTORY'})
    expect(status.object_id).toBeTypeOf('number')
  })

  it('imports notebooks (extension stripped) and files, and refuses overwrites unless asked', async () => {
    const notebook = '# Databricks notebook source\nprint("bronze")\n'
    await server.ok('POST', `${WS}/import`, {path: '/Shared/lakectl/jobs/bronze.py', content: base64(notebook), format: 'AUTO'})
    expect(await server.ok('GET', `${WS}/get-status?path=/Shared/lakectl/jobs/bronze`)).toMatchObject({
      object_type: 'NOTEBOOK',
      language: 'PYTHON',
      size: Buffer.byteLength(notebook),
    })
    await server.ok('POST', `${WS}/import`, {path: '/Shared/lakectl/jobs/settings.json', content: base64('{"a": 1}'), format: 'AUTO'})
    expect(await server.ok('GET', `${WS}/get-status?path=/Shared/lakectl/jobs/settings.json`)).toMatchObject({object_type: 'FILE'})
    await server.ok('POST', `${WS}/import`, {path: '/Shared/lakectl/jobs/gold.sql', content: base64('SELECT 1'), format: 'SOURCE', language: 'SQL'})
    expect(await server.ok('GET', `${WS}/get-status?path=/Shared/lakectl/jobs/gold`)).toMatchObject({object_type: 'NOTEBOOK', language: 'SQL'})

    const conflict = await server.call('POST', `${WS}/import`, {path: '/Shared/lakectl/jobs/bronze.py', content: base64(notebook), format: 'AUTO'})
    expect(conflict.status).toBe(409)
    expect(conflict.body.error_code).toBe('RESOURCE_ALREADY_EXISTS')
    const changed = '# Databricks notebook source\nprint("bronze v2")\n'
    await server.ok('POST', `${WS}/import`, {path: '/Shared/lakectl/jobs/bronze.py', content: base64(changed), format: 'AUTO', overwrite: true})
    const exported = await server.ok('GET', `${WS}/export?path=/Shared/lakectl/jobs/bronze&format=SOURCE`)
    expect(Buffer.from(exported.content, 'base64').toString('utf8')).toBe(changed)
    expect(exported.file_type).toBe('py')
  })

  it('lists directories and reports missing paths and parents', async () => {
    const listed = await server.ok('GET', `${WS}/list?path=/Shared/lakectl/jobs`)
    expect(listed.objects.map((object: any) => [object.path, object.object_type])).toEqual([
      ['/Shared/lakectl/jobs/bronze', 'NOTEBOOK'],
      ['/Shared/lakectl/jobs/gold', 'NOTEBOOK'],
      ['/Shared/lakectl/jobs/settings.json', 'FILE'],
    ])
    const missing = await server.call('GET', `${WS}/get-status?path=/Shared/none`)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Path (/Shared/none) doesn't exist."})
    const noParent = await server.call('POST', `${WS}/import`, {path: '/Shared/nowhere/x.py', content: base64('x'), format: 'RAW'})
    expect(noParent.status).toBe(404)
    expect(noParent.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST')
    const fileInTheWay = await server.call('POST', `${WS}/mkdirs`, {path: '/Shared/lakectl/jobs/settings.json/sub'})
    expect(fileInTheWay.body.error_code).toBe('RESOURCE_ALREADY_EXISTS')
    expect((await server.call('POST', `${WS}/mkdirs`, {path: 'relative/path'})).status).toBe(400)
  })

  it('refuses imports over 10 MB', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 97).toString('base64')
    const response = await server.call('POST', `${WS}/import`, {path: '/Shared/big.txt', content: big, format: 'RAW'})
    expect(response.status).toBe(400)
    expect(response.body.error_code).toBe('MAX_NOTEBOOK_SIZE_EXCEEDED')
  })

  it('deletes files, and directories only recursively when not empty', async () => {
    const notEmpty = await server.call('POST', `${WS}/delete`, {path: '/Shared/lakectl'})
    expect(notEmpty.status).toBe(400)
    expect(notEmpty.body.error_code).toBe('DIRECTORY_NOT_EMPTY')
    expect(await server.ok('POST', `${WS}/delete`, {path: '/Shared/lakectl/jobs/gold'})).toEqual({})
    expect((await server.call('GET', `${WS}/get-status?path=/Shared/lakectl/jobs/gold`)).status).toBe(404)
    expect(await server.ok('POST', `${WS}/delete`, {path: '/Shared/lakectl', recursive: true})).toEqual({})
    expect((await server.call('GET', `${WS}/get-status?path=/Shared/lakectl/jobs/bronze`)).status).toBe(404)
    expect((await server.call('POST', `${WS}/delete`, {path: '/Shared/lakectl'})).status).toBe(404)
    expect(await server.ok('GET', `${WS}/list?path=/Shared`)).toEqual({})
  })
})
