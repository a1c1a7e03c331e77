import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {localDown, localReset, localStatus, localUp} from '../../src/local/daemon.js'
import {readLocalEndpoint} from '../../src/local/endpoint.js'
import {DEFAULT_LIMITS} from '../../src/local/limits.js'

describe('local workspace daemon: up, status, down, reset', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'lakectl-daemon-'))
  afterAll(async () => {
    await localDown({stateDir})
    rmSync(stateDir, {recursive: true, force: true})
  })

  it('runs the server in the background with a private token and stops it', async () => {
    const up = await localUp({stateDir})
    expect(up).toMatchObject({already_running: false, state_dir: stateDir})
    expect(up.url).toBe(`http://127.0.0.1:${up.port}`)

    const tokenFile = path.join(stateDir, 'token')
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600)
    const token = readFileSync(tokenFile, 'utf8')
    expect(token).toMatch(/^lkl_[0-9a-f]{64}$/)
    expect(readLocalEndpoint(stateDir)).toEqual({url: up.url, token})
    const me = await fetch(`${up.url}/api/2.0/preview/scim/v2/Me`, {headers: {authorization: `Bearer ${token}`}})
    expect(me.status).toBe(200)

    expect(await localStatus({stateDir})).toMatchObject({running: true, url: up.url, pid: up.pid, port: up.port})
    expect(await localUp({stateDir})).toMatchObject({already_running: true, pid: up.pid, url: up.url})

    expect(await localDown({stateDir})).toEqual({stopped: true, pid: up.pid})
    expect(await localStatus({stateDir})).toEqual({running: false, state_dir: stateDir})
    expect(existsSync(path.join(stateDir, 'server.json'))).toBe(false)
    expect(readLocalEndpoint(stateDir)).toBeUndefined()
    expect(await localDown({stateDir})).toEqual({stopped: false})
    expect(readFileSync(path.join(stateDir, 'server.log'), 'utf8')).not.toContain(token)

    const reset = await localReset({stateDir})
    expect(reset.stopped).toBe(false)
    expect(reset.removed).toEqual(expect.arrayContaining(['catalogs', 'state.json']))
    expect(readFileSync(tokenFile, 'utf8')).toBe(token)
  })

  it('gives DuckDB the memory limit asked for, and a thread per core', async () => {
    const up = await localUp({stateDir, memoryLimitMb: 300})
    try {
      const {token} = readLocalEndpoint(stateDir)!
      const response = await fetch(`${up.url}/api/2.0/sql/statements`, {
        method: 'POST',
        headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
        body: JSON.stringify({warehouse_id: 'local00000000001', wait_timeout: '30s', statement: "SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t"}),
      })
      const body = (await response.json()) as {status: {state: string}; result: {data_array: string[][]}}
      expect(body.status.state).toBe('SUCCEEDED')
      // 300 MB = 286.1 MiB, as DuckDB prints it.
      expect(body.result.data_array).toEqual([['286.1 MiB', String(DEFAULT_LIMITS.engineThreads)]])
    } finally {
      await localDown({stateDir})
    }
  })

  it('refuses a requested port that is in use', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      await expect(localUp({stateDir, port})).rejects.toMatchObject({code: 'PORT_IN_USE'})
    } finally {
      blocker.close()
    }
  })
})
