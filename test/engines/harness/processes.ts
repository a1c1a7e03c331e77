/**
 * Child processes of the tier (a Kafka broker, an MLflow server, Spark drivers): each in its own process
 * group, its output in a log file, stopped by stopAll() after the tests, and by a handler if the test
 * process exits first. kill9() kills the whole group at once, as when a driver's machine dies.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {openSync, closeSync, readFileSync} from 'node:fs'

export interface Managed {
  readonly name: string
  readonly pid: number
  readonly log: string
  /** Resolves with the exit code (or signal name) when the process has exited. */
  readonly exited: Promise<number | string>
  readonly running: boolean
  /** SIGTERM to the group, then SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>
  /** SIGKILL to the whole process group, no warning. */
  kill9(): Promise<void>
  /** The log file's text so far. */
  output(): string
}

const live = new Set<Managed>()

export function startProcess(options: {name: string; command: string; args: string[]; log: string; env?: NodeJS.ProcessEnv; cwd?: string}): Managed {
  const fd = openSync(options.log, 'a')
  let child: ChildProcess
  try {
    child = spawn(options.command, options.args, {env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', fd, fd], detached: true})
  } finally {
    closeSync(fd)
  }
  if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`)
  const pid = child.pid
  let running = true
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false
      live.delete(managed)
      resolve(code ?? signal ?? 'unknown')
    })
  })
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal)
    } catch {
      // already gone
    }
  }
  const managed: Managed = {
    name: options.name,
    pid,
    log: options.log,
    exited,
    get running() {
      return running
    },
    async stop(graceMs = 20_000) {
      if (!running) return
      signalGroup('SIGTERM')
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
      signalGroup('SIGKILL') // children left in the group (Python workers)
    },
    async kill9() {
      signalGroup('SIGKILL')
      await exited
    },
    output: () => readFileSync(options.log, 'utf8'),
  }
  live.add(managed)
  return managed
}

/** Stops every process this test process started and that still runs. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(10_000)))
}

process.once('exit', () => {
  for (const p of live) {
    try {
      process.kill(-p.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})
