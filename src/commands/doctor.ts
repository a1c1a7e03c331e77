import {LakectlCommand} from '../cli/base-command.js'
import {ExitCode} from '../cli/errors.js'
import {type DoctorReport, runDoctor} from '../lakehouse/doctor.js'

export default class Doctor extends LakectlCommand<typeof Doctor, DoctorReport> {
  static summary = 'Check the config, the target workspace, identity, warehouse, catalog and privileges.'
  static description = `One line per check. Exits 0 when nothing failed, 4 when a check failed on credentials or
privileges, 1 otherwise.`

  static examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --target dev --json']

  async execute(): Promise<DoctorReport> {
    return runDoctor(this.settings, () => this.client())
  }

  protected exitCodeFor(report: DoctorReport): number {
    const failed = report.checks.filter((c) => c.status === 'fail')
    if (failed.length === 0) return ExitCode.ok
    return failed.some((c) => c.auth) ? ExitCode.auth : ExitCode.failure
  }

  render(report: DoctorReport): void {
    const s = this.out.style
    const mark = this.out.stdoutIsTTY
      ? {ok: s.green('✓'), warn: s.yellow('!'), fail: s.red('✗'), skip: s.dim('-')}
      : {ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip'}
    this.out.print(`Target ${s.bold(report.target)}${report.host ? ` (${report.host})` : ''}`)
    for (const c of report.checks) {
      this.out.print(`${mark[c.status]} ${c.name.padEnd(11)} ${c.detail}`)
      if (c.hint && c.status !== 'ok') this.out.print(`  ${s.dim('Try:')} ${c.hint}`)
    }
  }
}
