/** Runs the built CLI as a child process. */
import {type ChildProcess, spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  ms: number
  json<T = any>(): T
}

export function runCli(args: string[], options: {env: Record<string, string>; cwd: string; input?: string}): Promise<CliResult> {
  return startCli(args, options).result
}

/** Starts the CLI and returns the child (to signal it) with the promise of its result. */
export function startCli(args: string[], options: {env: Record<string, string>; cwd: string; input?: string}): {child: ChildProcess; result: Promise<CliResult>} {
  const started = Date.now()
  const child = spawn(process.execPath, [BIN, ...args], {env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']})
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('error', reject)
    child.on('close', (code) => {
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        ms: Date.now() - started,
        json() {
          try {
            return JSON.parse(stdout)
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`)
          }
        },
      })
    })
    child.stdin.end(options.input ?? '')
  })
  return {child, result}
}
