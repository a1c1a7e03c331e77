/**
 * Process entry of the background local workspace:
 *   node dist/local/main.js --state-dir DIR [--port N] [--memory-limit MB] [--enable-control]
 * Reads the token from DIR/token, serves until SIGTERM/SIGINT, publishes DIR/server.json only once
 * listening and removes it after closing cleanly. Logs to DIR/server.log.
 */
import {appendFileSync, readFileSync, rmSync} from 'node:fs'
import {parseArgs} from 'node:util'

import {startLocalWorkspace} from './server.js'
import {statePaths, writeFileAtomic} from './state-dir.js'

const {values} = parseArgs({
  options: {'state-dir': {type: 'string'}, port: {type: 'string'}, 'memory-limit': {type: 'string'}, 'enable-control': {type: 'boolean'}},
})
if (!values['state-dir']) {
  process.stderr.write('Usage: main.js --state-dir DIR [--port N] [--memory-limit MB] [--enable-control]\n')
  process.exit(2)
}

const paths = statePaths(values['state-dir'])
const log = (line: string) => appendFileSync(paths.serverLog, `${new Date().toISOString()} [${process.pid}] ${line}\n`)

/** Removes server.json when it still describes this process (never another server's). */
function unpublish(): void {
  try {
    if ((JSON.parse(readFileSync(paths.serverInfo, 'utf8')) as {pid?: number}).pid === process.pid) rmSync(paths.serverInfo, {force: true})
  } catch {
    // absent or unreadable: nothing of ours to remove
  }
}

process.on('exit', unpublish)
process.on('uncaughtException', (error) => {
  log(`Fatal: ${error.stack ?? error.message}`)
  process.exit(1)
})

try {
  const token = readFileSync(paths.token, 'utf8').trim()
  const workspace = await startLocalWorkspace({
    stateDir: paths.root,
    port: values.port === undefined ? 0 : Number(values.port),
    token,
    enableControl: values['enable-control'] ?? false,
    limits: values['memory-limit'] === undefined ? {} : {engineMemoryLimitMb: Number(values['memory-limit'])},
    log,
  })
  writeFileAtomic(paths.serverInfo, JSON.stringify({url: workspace.url, port: workspace.port, pid: process.pid, started_at: Date.now()}))

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log(`Received ${signal}; stopping`)
    workspace.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`Error while stopping: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
} catch (error) {
  log(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  process.exit(1)
}
