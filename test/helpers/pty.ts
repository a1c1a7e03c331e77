/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), so that stdin, stdout and stderr are
 * TTYs of a given size: prompts, spinners, colours and in-place redraws are what a user sees.
 */
import {type ChildProcess, spawn} from 'node:child_process'

import {BIN} from './cli.js'

export interface PtySession {
  child: ChildProcess
  /** Everything the terminal received so far (stdout and stderr together, as on a screen). */
  output(): string
  /** Types into the terminal ("y\r", "\u0003" for Ctrl-C). */
  write(text: string): void
  /** Resolves once the output matches, fails at the deadline. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  result: Promise<{code: number; output: string}>
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`

export function startPty(args: string[], options: {env: Record<string, string>; cwd: string; columns?: number; rows?: number}): PtySession {
  const command = `stty cols ${options.columns ?? 100} rows ${options.rows ?? 30}; exec ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}`
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {env: {TERM: 'xterm-256color', ...options.env}, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']})
  let output = ''
  const waiters = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8')
    for (const check of waiters) check()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const result = new Promise<{code: number; output: string}>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? -1, output}))
  })
  return {
    child,
    output: () => output,
    write: (text) => void child.stdin!.write(text),
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no ${pattern} on the terminal within ${timeoutMs} ms; it shows:\n${output}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
    result,
  }
}

/** The text a terminal shows, without colour and cursor sequences, with plain newlines. */
export function screenText(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replace(/\r\n/g, '\n').replace(/\r/g, '')
}
