import {Flags} from '../../cli/flags.js'

import {LakectlCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../cli/errors.js'
import {formatDuration, formatLag, formatRate} from '../../cli/output.js'
import {sparkline, statusText} from '../../cli/report-command.js'
import {layerArgs} from '../../cli/stream-command.js'
import {resolveWarehouse} from '../../databricks/warehouses.js'
import {InterruptedError} from '../../errors.js'
import {parseLayers} from '../../streams/layers.js'
import {type LayerStatus, streamStatus, type StreamStatus, statusProblems} from '../../streams/status.js'

export default class StreamStatusCommand extends LakectlCommand<typeof StreamStatusCommand, StreamStatus> {
  static summary = 'Show each layer: state, run, uptime, rows/s, offsets and seconds behind, health, Burrow lag status.'
  static description = `Rates are a running layer's input and processed rows per second over its recent batches of the
current run (- for a layer that does not run); AGE is how old those figures are. Health compares
seconds behind with the lag SLO of lakectl.yaml: OK, WARN (above warn_ratio of the SLO) or BREACH.
LAG judges the last monitoring.lag_window progress rows as Burrow does: OK (caught up in the window,
or idle with nothing to read), WARN (the backlog never shrinks), STALL (batches commit no progress),
STOP (nothing committed for longer than the window, or the job is not running), REWIND (offsets went
backwards).

--check exits 3 when a layer is not running, breaches its SLO or its lag is STALL, STOP or REWIND.
--watch redraws the table in place every --interval seconds on a terminal (plain blocks one after the
other otherwise) until Ctrl-C, which ends it with exit 130.`

  static examples = ['<%= config.bin %> stream status', '<%= config.bin %> stream status --check --json', '<%= config.bin %> stream status --watch --interval 5']
  static strict = false
  static args = layerArgs
  static flags = {
    watch: Flags.boolean({description: 'Refresh until Ctrl-C (exit 130).'}),
    interval: Flags.integer({description: 'Seconds between refreshes with --watch.', default: 2, min: 1}),
    check: Flags.boolean({description: 'Exit 3 when a layer is not running, breaches its lag SLO or its lag is STALL, STOP or REWIND.'}),
  }

  /** A watch ended by Ctrl-C: exit 130, with the last status as the result. */
  private watchInterrupted = false

  async execute(): Promise<StreamStatus> {
    const layers = parseLayers(this.positional)
    const client = await this.client()
    const {target, config} = this.settings
    const warehouseId = resolveWarehouse(client, target.warehouse).then((w) => w.id)
    const read = () => streamStatus(client, {config, target: target.name, catalog: target.catalog, warehouseId, layers})
    let status = await read()
    if (!this.flags.watch || this.out.json) return status
    try {
      for (;;) {
        this.out.redraw(`Every ${this.flags.interval} s, Ctrl-C to quit.\n${await this.block(status)}`)
        await client.sleep(this.flags.interval * 1000)
        status = await read()
      }
    } catch (error) {
      if (!(error instanceof InterruptedError)) throw error
      this.watchInterrupted = true
      return status
    }
  }

  protected exitCodeFor(status: StreamStatus): number {
    if (this.watchInterrupted) return ExitCode.interrupted
    return this.flags.check && statusProblems(status).length ? ExitCode.checkFailed : ExitCode.ok
  }

  async render(status: StreamStatus): Promise<void> {
    if (this.flags.watch) return
    this.out.print(await this.block(status))
    const problems = statusProblems(status)
    if (this.flags.check && problems.length) for (const p of problems) this.out.info(`check failed: ${p}`)
  }

  private async block(status: StreamStatus): Promise<string> {
    const s = this.out.style
    const health = (l: LayerStatus) => ({OK: s.green('OK'), WARN: s.yellow('WARN'), BREACH: s.red('BREACH'), STOPPED: s.dim('-')})[l.health]
    const table = await this.out.renderTable(status.layers, [
      {header: 'LAYER', value: (l) => l.layer},
      {header: 'STATE', value: (l) => l.state},
      {header: 'JOB', value: (l) => l.job_id, raw: true},
      {header: 'RUN', value: (l) => l.run_id, raw: true},
      {header: 'UPTIME', value: (l) => (l.uptime_seconds === null ? null : formatDuration(l.uptime_seconds * 1000))},
      {header: 'IN ROWS/S', value: (l) => formatRate(l.input_rows_per_second), align: 'right'},
      {header: 'OUT ROWS/S', value: (l) => formatRate(l.processed_rows_per_second), align: 'right'},
      {header: 'AGE', value: (l) => (l.rate_age_seconds === null ? null : formatDuration(l.rate_age_seconds * 1000)), align: 'right'},
      {header: 'BEHIND', value: (l) => l.offsets_behind, align: 'right'},
      {header: 'LAG S', value: (l) => formatLag(l.seconds_behind), align: 'right'},
      {header: 'HEALTH', value: health},
      {header: 'LAG', value: (l) => statusText(s, l.lag_status)},
      ...(this.out.stdoutIsTTY ? [{header: 'TREND', value: (l: LayerStatus) => sparkline(l.recent_rows_per_second)}] : []),
    ])
    const failures = status.layers.filter((l) => l.failure).map((l) => `${l.layer} failed: ${l.failure}`)
    // A stopped job's STOP needs no sentence: its STATE says it.
    const lags = status.layers.filter((l) => l.lag_status !== 'OK' && l.lag_cause && !(l.lag_status === 'STOP' && l.state !== 'RUNNING')).map((l) => `${l.layer} lag ${l.lag_status}${l.lag_since ? ` since ${l.lag_since}` : ''}: ${l.lag_cause}`)
    return [`Streams of ${status.target} (catalog ${status.catalog}) at ${status.checked_at}`, table, ...failures, ...lags].join('\n')
  }
}

