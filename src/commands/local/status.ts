import {LakectlCommand} from '../../cli/base-command.js'
import {stateDirFlag} from '../../cli/local-flags.js'
import {formatDuration} from '../../cli/output.js'
import {localStateDir} from '../../config/targets.js'
import type {LocalStatusResult} from '../../local/daemon.js'


export default class LocalStatus extends LakectlCommand<typeof LocalStatus, LocalStatusResult> {
  static summary = 'Show whether the local workspace is running, and where.'
  static description = `Exits 0 when it runs and answers, 3 when it does not.`

  static flags = {'state-dir': stateDirFlag}

  async execute(): Promise<LocalStatusResult> {
    const {localStatus} = await import('../../local/daemon.js')
    return localStatus({stateDir: localStateDir(process.env, this.settings.projectDir, this.flags['state-dir'])})
  }

  protected exitCodeFor(result: LocalStatusResult): number {
    return result.running ? 0 : 3
  }

  render(result: LocalStatusResult): void {
    if (!result.running) {
      this.out.print(`The local workspace is not running (state in ${result.state_dir}).`)
      this.out.print('Next: lakectl local up')
      return
    }
    const uptime = result.uptime_seconds === undefined ? '' : `, up ${formatDuration(result.uptime_seconds * 1000)}`
    this.out.print(`The local workspace is running at ${result.url} (pid ${result.pid}${uptime}, state in ${result.state_dir}).`)
  }
}
