/**
 * `lakectl local up | down | status | reset`: runs the local workspace as a detached background
 * process on loopback, with its address in STATE_DIR/server.json and a generated token (mode 0600).
 */
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import net from 'node:net'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {LakectlError, UsageError} from '../errors.js'
import {pidAlive, readServerInfo, readToken, type ServerInfo} from './endpoint.js'
import {dataEntries, isTemporaryFile, statePaths, writeFileAtomic, type StatePaths} from './state-dir.js'

const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000
const KILL_TIMEOUT_MS = 3_000
const POLL_MS = 50

export interface LocalUpResult {
  url: string
  port: number
  pid: number
  state_dir: string
  already_running: boolean
}

export interface LocalDownResult {
  stopped: boolean
  pid?: number
}

export interface LocalStatusResult {
  running: boolean
  url?: string
  pid?: number
  port?: number
  uptime_seconds?: number
  state_dir: string
}

export interface LocalResetResult {
  state_dir: string
  /** Whether a running server was stopped first. */
  stopped: boolean
  /** Entries of the state folder that were deleted (relative names). */
  removed: string[]
}

export async function localUp(options: {stateDir: string; port?: number; memoryLimitMb?: number; enableControl?: boolean}): Promise<LocalUpResult> {
  const paths = statePaths(options.stateDir)
  mkdirSync(paths.root, {recursive: true, mode: 0o700})
  const token = ensureToken(paths)
  const running = readServerInfo(paths)
  if (running && pidAlive(running.pid)) {
    if (await answers(running.url, token)) return {...upResult(running, paths), already_running: true}
    if (ownsStateDir(running.pid, paths)) {
      throw new LakectlError(`A local workspace process (pid ${running.pid}) holds ${paths.root} but does not answer.`, {
        code: 'LOCAL_UNRESPONSIVE',
        hint: 'lakectl local down',
      })
    }
  }
  rmSync(paths.serverInfo, {force: true})

  const port = await choosePort(paths, options.port)
  const logOffset = existsSync(paths.serverLog) ? statSync(paths.serverLog).size : 0
  const logFd = openSync(paths.serverLog, 'a')
  const args = [
    ...serverEntry(),
    '--state-dir',
    paths.root,
    '--port',
    String(port),
    ...(options.memoryLimitMb === undefined ? [] : ['--memory-limit', String(options.memoryLimitMb)]),
    ...(options.enableControl ? ['--enable-control'] : []),
  ]
  const child = spawn(process.execPath, args, {detached: true, stdio: ['ignore', logFd, logFd], cwd: paths.root})
  closeSync(logFd)
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`))
  child.unref()

  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited) throw startFailure(`The local workspace exited during start-up (${exited}).`, paths, logOffset)
    const info = readServerInfo(paths)
    if (info && info.pid === child.pid && (await answers(info.url, token))) {
      writeFileAtomic(paths.daemonInfo, JSON.stringify({port: info.port}))
      return {...upResult(info, paths), already_running: false}
    }
    await sleep(POLL_MS)
  }
  child.kill('SIGKILL')
  throw startFailure(`The local workspace did not answer within ${START_TIMEOUT_MS / 1000} s.`, paths, logOffset)
}

export async function localDown(options: {stateDir: string}): Promise<LocalDownResult> {
  const paths = statePaths(options.stateDir)
  const info = readServerInfo(paths)
  if (!info || !pidAlive(info.pid) || !(await isOurServer(info, paths))) {
    rmSync(paths.serverInfo, {force: true})
    return {stopped: false}
  }
  process.kill(info.pid, 'SIGTERM')
  if (!(await waitForExit(info.pid, STOP_TIMEOUT_MS))) {
    process.kill(info.pid, 'SIGKILL')
    await waitForExit(info.pid, KILL_TIMEOUT_MS)
  }
  rmSync(paths.serverInfo, {force: true})
  return {stopped: true, pid: info.pid}
}

export async function localStatus(options: {stateDir: string}): Promise<LocalStatusResult> {
  const paths = statePaths(options.stateDir)
  const info = readServerInfo(paths)
  const token = readToken(paths)
  if (!info || !token || !pidAlive(info.pid) || !(await answers(info.url, token))) return {running: false, state_dir: paths.root}
  return {
    running: true,
    url: info.url,
    pid: info.pid,
    port: info.port,
    uptime_seconds: Math.max(0, Math.floor((Date.now() - info.started_at) / 1000)),
    state_dir: paths.root,
  }
}

export async function localReset(options: {stateDir: string}): Promise<LocalResetResult> {
  const paths = statePaths(options.stateDir)
  const {stopped} = await localDown(options)
  const leftovers = existsSync(paths.root) ? readdirSync(paths.root).filter(isTemporaryFile).map((name) => path.join(paths.root, name)) : []
  const removed: string[] = []
  for (const entry of [...dataEntries(paths), ...leftovers]) {
    if (!existsSync(entry)) continue
    rmSync(entry, {recursive: true, force: true})
    removed.push(path.relative(paths.root, entry))
  }
  return {state_dir: paths.root, stopped, removed: removed.sort()}
}

// -------------------------------------------------------------------------------------------------

/** How to start the server: the compiled main.js, or main.ts through tsx when running from source. */
function serverEntry(): string[] {
  const self = import.meta.url
  if (self.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(self).resolve('tsx')).href
    return ['--import', tsx, fileURLToPath(new URL('./main.ts', self))]
  }
  return [fileURLToPath(new URL('./main.js', self))]
}

/** The token file's token, generated when missing; the file is kept at mode 0600 either way. */
function ensureToken(paths: StatePaths): string {
  let token = readToken(paths)
  if (!token) {
    token = `lkl_${randomBytes(32).toString('hex')}`
    writeFileSync(paths.token, token, {mode: 0o600})
  }
  // The mode option only applies when the file is created: tighten a file that was loosened since.
  if ((statSync(paths.token).mode & 0o777) !== 0o600) chmodSync(paths.token, 0o600)
  return token
}

function upResult(info: ServerInfo, paths: StatePaths): Omit<LocalUpResult, 'already_running'> {
  return {url: info.url, port: info.port, pid: info.pid, state_dir: paths.root}
}

/** Does the server at `url` accept the token (SCIM Me answers 200)? */
async function answers(url: string, token: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/2.0/preview/scim/v2/Me`, {headers: {authorization: `Bearer ${token}`}, signal: AbortSignal.timeout(2000)})
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

/** Is this pid a local workspace on this state folder (by its command line, where /proc exists)? */
function ownsStateDir(pid: number, paths: StatePaths): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(paths.root)
  } catch {
    return false
  }
}

/** Guards signals against a pid reused by an unrelated process. */
async function isOurServer(info: ServerInfo, paths: StatePaths): Promise<boolean> {
  const token = readToken(paths)
  return ownsStateDir(info.pid, paths) || (token !== undefined && (await answers(info.url, token)))
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true
    await sleep(POLL_MS)
  }
  return !pidAlive(pid)
}

/** The requested port (must be free), else the previous one when free, else an ephemeral one. */
async function choosePort(paths: StatePaths, requested: number | undefined): Promise<number> {
  if (requested !== undefined && requested !== 0) {
    if (!(await portIsFree(requested))) {
      throw new UsageError(`Port ${requested} on 127.0.0.1 is in use.`, {code: 'PORT_IN_USE', hint: 'lakectl local up --port <another port> (or omit --port)'})
    }
    return requested
  }
  if (requested === 0) return 0
  try {
    const previous = (JSON.parse(readFileSync(paths.daemonInfo, 'utf8')) as {port?: number}).port
    if (typeof previous === 'number' && previous > 0 && (await portIsFree(previous))) return previous
  } catch {
    // no previous port
  }
  return 0
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

function startFailure(message: string, paths: StatePaths, logOffset: number): LakectlError {
  let tail = ''
  try {
    tail = readFileSync(paths.serverLog, 'utf8').slice(logOffset).trimEnd().split('\n').slice(-20).join('\n')
  } catch {
    // no log
  }
  return new LakectlError(tail ? `${message}\nLast lines of ${paths.serverLog}:\n${tail}` : message, {
    code: 'LOCAL_START_FAILED',
    hint: `Check ${paths.serverLog}, then run: lakectl local up`,
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
