/**
 * Where the running local workspace listens and the token it accepts, read from its state folder: all
 * a workspace command needs, without the daemon's process management (child processes, sockets).
 */
import {readFileSync} from 'node:fs'

import {statePaths, type StatePaths} from './state-dir.js'

export interface ServerInfo {
  url: string
  port: number
  pid: number
  started_at: number
}

/** The running local workspace's address and token, for the client factory; undefined when not running. */
export function readLocalEndpoint(stateDir: string): {url: string; token: string} | undefined {
  const paths = statePaths(stateDir)
  const info = readServerInfo(paths)
  const token = readToken(paths)
  return info && token && pidAlive(info.pid) ? {url: info.url, token} : undefined
}

export function readToken(paths: StatePaths): string | undefined {
  try {
    return readFileSync(paths.token, 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

export function readServerInfo(paths: StatePaths): ServerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(paths.serverInfo, 'utf8')) as Partial<ServerInfo>
    if (typeof info.url === 'string' && typeof info.pid === 'number' && typeof info.port === 'number') {
      return {url: info.url, pid: info.pid, port: info.port, started_at: info.started_at ?? Date.now()}
    }
  } catch {
    // absent or half-written: treated as not running
  }
  return undefined
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
