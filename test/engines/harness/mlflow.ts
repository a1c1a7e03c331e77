/**
 * An MLflow tracking server with its model registry (the stand-in for Unity Catalog's registry) on a
 * free port of 127.0.0.1: SQLite store, artifacts in a folder beside it.
 */
import {mkdirSync} from 'node:fs'
import path from 'node:path'

import {waitFor} from '../../engine/helpers.js'
import {venvBin, venvEnv} from './env.js'
import {freePort} from './ports.js'
import {startProcess, type Managed} from './processes.js'

export interface Mlflow {
  url: string
  process: Managed
  stop(): Promise<void>
}

export async function startMlflow(dir: string): Promise<Mlflow> {
  mkdirSync(path.join(dir, 'artifacts'), {recursive: true})
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const server = startProcess({
    name: 'mlflow',
    command: venvBin('mlflow'),
    args: [
      'server',
      '--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`,
      '--default-artifact-root', path.join(dir, 'artifacts'),
      '--host', '127.0.0.1',
      '--port', String(port),
      '--workers', '1',
    ],
    env: venvEnv(),
    log: path.join(dir, 'mlflow.log'),
  })
  await waitFor(
    'the MLflow server',
    async () => {
      if (!server.running) throw new Error(`the MLflow server exited: ${server.output().slice(-2000)}`)
      return (await fetch(`${url}/health`).then((r) => r.ok).catch(() => false)) || undefined
    },
    120_000,
  )
  return {url, process: server, stop: () => server.stop()}
}
