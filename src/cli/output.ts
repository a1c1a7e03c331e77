/**
 * The one output layer. Results go to stdout (a table or one JSON document); progress, warnings and
 * logs go to stderr. Colour, spinners and relative times only where the terminal rules allow them.
 * chalk, ora and cli-table3 load on first use so that start-up stays fast.
 */
import type {RetryEvent} from '../databricks/retry.js'
import type {LakectlError} from '../errors.js'
import {errorDocument} from './errors.js'

export interface Streams {
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
  stdin: NodeJS.ReadStream
  env: NodeJS.ProcessEnv
}

export interface OutputOptions {
  json: boolean
  noColor: boolean
  noInput: boolean
  streams?: Streams
}

export interface Column<Row> {
  header: string
  value: (row: Row) => unknown
  align?: 'left' | 'right'
  /** Numbers shown as they are: identifiers (job, run, version) and query results. */
  raw?: boolean
}

type Paint = (text: string) => string
export interface Style {
  bold: Paint
  dim: Paint
  red: Paint
  green: Paint
  yellow: Paint
  cyan: Paint
}

const plain: Paint = (text) => text
const plainStyle: Style = {bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain}

export interface Progress {
  /** A new state: the spinner text on a TTY, one plain line otherwise (repeats are dropped). */
  update(text: string): void
  succeed(text?: string): void
  fail(text?: string): void
  stop(): void
  /** Runs `work` (a prompt) with the spinner out of the way. */
  suspend<T>(work: () => Promise<T>): Promise<T>
}

export class Output {
  readonly json: boolean
  /** Prompts are allowed: stdin and stdout are terminals and --no-input is absent. */
  readonly interactive: boolean
  /** Spinners and redraws are allowed on stderr. */
  readonly animated: boolean
  readonly stdoutIsTTY: boolean
  readonly style: Style
  readonly errStyle: Style
  private readonly streams: Streams
  /** The spinner on stderr, if one spins: other stderr lines are written around it. */
  private spinner?: {clear(): void; render(): void; isSpinning: boolean}
  /** Terminal rows of the block redraw() drew last. */
  private drawnRows = 0

  private constructor(options: OutputOptions, streams: Streams, style: Style, errStyle: Style) {
    const {env} = streams
    this.streams = streams
    this.json = options.json
    this.stdoutIsTTY = Boolean(streams.stdout.isTTY)
    this.interactive = Boolean(streams.stdin.isTTY && streams.stdout.isTTY) && !options.noInput && !isCI(env)
    this.animated = Boolean(streams.stderr.isTTY) && !isCI(env) && env.TERM !== 'dumb'
    this.style = style
    this.errStyle = errStyle
  }

  static async create(options: OutputOptions): Promise<Output> {
    const streams = options.streams ?? {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env}
    const colorAllowed = !options.noColor && !options.json && !('NO_COLOR' in streams.env) && streams.env.TERM !== 'dumb'
    const wantOut = colorAllowed && Boolean(streams.stdout.isTTY)
    const wantErr = colorAllowed && Boolean(streams.stderr.isTTY)
    let style = plainStyle
    let errStyle = plainStyle
    if (wantOut || wantErr) {
      const {Chalk} = await import('chalk')
      const painted = new Chalk({level: 1})
      const styleOf = (): Style => ({
        bold: (t) => painted.bold(t),
        dim: (t) => painted.dim(t),
        red: (t) => painted.red(t),
        green: (t) => painted.green(t),
        yellow: (t) => painted.yellow(t),
        cyan: (t) => painted.cyan(t),
      })
      if (wantOut) style = styleOf()
      if (wantErr) errStyle = styleOf()
    }
    return new Output(options, streams, style, errStyle)
  }

  /** A line of human result text on stdout (silent under --json). */
  print(text = ''): void {
    if (!this.json) this.streams.stdout.write(text + '\n')
  }

  /** The single JSON document of a command. */
  printJson(value: unknown): void {
    this.streams.stdout.write(JSON.stringify(value, null, 2) + '\n')
  }

  /** A message for the human on stderr (progress, notes); kept under --json because stdout stays clean. */
  info(text: string): void {
    this.stderrLine(text)
  }

  warn(text: string): void {
    this.stderrLine(this.errStyle.yellow('Warning: ') + text)
  }

  /** Raw write to stderr, for the --debug trace. */
  debug(text: string): void {
    this.stderrLine(text)
  }

  /**
   * One line per retry, of any kind (HTTP, network, a backfill partition): what failed and why, the
   * attempt, and when the next one comes.
   */
  retry(event: RetryEvent): void {
    this.stderrLine(`${event.what}: ${event.cause}; attempt ${event.attempt} failed, next try in ${formatSeconds(event.delayMs)} s`)
  }

  private stderrLine(text: string): void {
    const spinning = this.spinner?.isSpinning ? this.spinner : undefined
    spinning?.clear()
    this.streams.stderr.write(text + '\n')
    spinning?.render()
  }

  async table<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): Promise<void> {
    if (this.json) return
    this.streams.stdout.write((await this.renderTable(rows, columns)) + '\n')
  }

  /**
   * A table: on a terminal a cli-table3 box without lines between rows; through a pipe plain columns
   * aligned with spaces (no borders), so that `grep`, `awk` and `cut` work on it.
   */
  async renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): Promise<string> {
    const cells = rows.map((row) => columns.map((c) => formatCell(c.value(row), c.raw)))
    if (!this.stdoutIsTTY) return plainColumns(columns, cells)
    const {default: Table} = await import('cli-table3')
    const table = new Table({
      head: columns.map((c) => this.style.bold(c.header)),
      colAligns: columns.map((c) => c.align ?? 'left'),
      // Without an explicit empty style cli-table3 paints the head and borders in colour.
      style: {head: [], border: [], compact: true},
    })
    for (const row of cells) table.push(row)
    return table.toString()
  }

  /**
   * An error: `Error (CODE): message` and `Try: hint` on stderr, or under --json the document
   * {"error": {code, message, hint, exit_code}} on stdout. `oneLine` keeps the hint on the error's line.
   */
  error(error: LakectlError, options: {oneLine?: boolean} = {}): void {
    if (this.json) {
      this.printJson({error: errorDocument(error)})
      return
    }
    const s = this.errStyle
    const hint = error.hint ? `${s.dim('Try:')} ${error.hint}` : ''
    const line = `${s.red('Error')} (${error.code}): ${error.message}`
    this.streams.stderr.write(options.oneLine && hint ? `${line} ${hint}\n` : `${line}\n${hint ? `${hint}\n` : ''}`)
  }

  async progress(text: string): Promise<Progress> {
    if (this.animated) {
      const {default: ora} = await import('ora')
      const spinner = ora({text, stream: this.streams.stderr, color: 'cyan'}).start()
      this.spinner = spinner
      return {
        update: (t) => { spinner.text = t },
        succeed: (t) => { spinner.succeed(t) },
        fail: (t) => { spinner.fail(t) },
        stop: () => { spinner.stop() },
        suspend: async (work) => {
          spinner.stop()
          try {
            return await work()
          } finally {
            spinner.start()
          }
        },
      }
    }
    let last = ''
    const line = (t: string) => {
      if (t && t !== last) this.info(t)
      last = t
    }
    line(text)
    return {update: line, succeed: (t) => t && line(t), fail: (t) => t && line(t), stop: () => {}, suspend: (work) => work()}
  }

  /** Runs `work` with a progress indicator that is stopped however the work ends. */
  async withProgress<T>(text: string, work: (progress: Progress) => Promise<T>): Promise<T> {
    const progress = await this.progress(text)
    try {
      return await work(progress)
    } finally {
      progress.stop()
    }
  }

  /**
   * Redraws a block in place on a TTY (watch mode): the cursor goes back up over the previous block and
   * each line is rewritten, nothing else on the screen is cleared. Plain appended blocks otherwise.
   */
  redraw(block: string): void {
    if (!this.stdoutIsTTY || this.json) {
      this.streams.stdout.write(block + '\n')
      return
    }
    const lines = block.split('\n')
    const up = this.drawnRows ? `\u001B[${this.drawnRows}F` : ''
    this.streams.stdout.write(up + lines.map((line) => `\u001B[2K${line}`).join('\n') + '\n\u001B[J')
    // Lines wider than the terminal take several rows.
    const columns = this.streams.stdout.columns || 80
    this.drawnRows = lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(visibleLength(line) / columns)), 0)
  }

  /** Times: relative on a terminal, RFC 3339 otherwise (and always in JSON). */
  time(epochMs: number | null | undefined, now = Date.now()): string {
    if (!epochMs) return '-'
    if (!this.stdoutIsTTY) return new Date(epochMs).toISOString()
    return `${formatDuration(now - epochMs)} ago`
  }
}

/** Header and rows in columns two spaces apart, padded to the widest cell (colour codes not counted). */
function plainColumns<Row>(columns: readonly Column<Row>[], cells: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => visibleLength(row[i]))))
  const line = (row: string[]) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i] - visibleLength(cell))
        return columns[i].align === 'right' ? pad + cell : i === row.length - 1 ? cell : cell + pad
      })
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;]*m/g, '').length
}

// Made on first use: the first Intl formatter loads ICU data (about 20 ms), which a command that prints
// no number should not pay at start-up.
let formatters: {grouped: Intl.NumberFormat; decimals: Intl.NumberFormat} | undefined
const numberFormats = () =>
  (formatters ??= {
    grouped: new Intl.NumberFormat('en-US', {maximumFractionDigits: 0}),
    decimals: new Intl.NumberFormat('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2}),
  })

/** Human numbers: thousands grouped (1,234,567), two decimals for fractions; `raw` keeps them as they are. */
export function formatNumber(value: number, raw = false): string {
  if (raw || !Number.isFinite(value)) return String(value)
  return Number.isInteger(value) ? numberFormats().grouped.format(value) : numberFormats().decimals.format(value)
}

/** Rows per second, in one format everywhere: whole and grouped (JSON keeps the exact value). */
export function formatRate(value: number | null | undefined): string | null {
  return value === null || value === undefined ? null : numberFormats().grouped.format(Math.round(value))
}

/** Seconds of lag, in one format everywhere: one decimal. */
export function formatLag(value: number | null | undefined): string | null {
  return value === null || value === undefined ? null : value.toFixed(1)
}

function formatCell(value: unknown, raw?: boolean): string {
  if (value === null || value === undefined || value === '') return '-'
  if (typeof value === 'number') return formatNumber(value, raw)
  if (Array.isArray(value)) return value.join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** Seconds for a short wait: one decimal below 10 s ("0.5", "2"), whole seconds above. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000
  return seconds < 10 ? String(Math.round(seconds * 10) / 10) : String(Math.round(seconds))
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`
  return `${Math.floor(hours / 24)}d`
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.CI && env.CI !== 'false' && env.CI !== '0')
}
