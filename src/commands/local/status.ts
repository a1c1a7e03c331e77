import {EXIT_CODES_HELP, LakectlCommand} from '../../cli/base-command.js'
import {stateDirFlag} from '../../cli/local-flags.js'
import {formatDuration} from '../../cli/output.js'
import {localStateDir} from '../../config/targets.js'

interface StatusResult {
  running: boolean
  url?: string
  pid?: number
  port?: number
  uptime_seconds?: number
  state_dir: string
}

export default class LocalStatus extends LakectlCommand<typeof LocalStatus, StatusResult> {
  static summary = 'Show whether the local workspace is running, and where.'
  static description = `Exits 0 when it runs and answers, 3 when it does not.

${EXIT_CODES_HELP}`

  static flags = {'state-dir': stateDirFlag}

  async execute(): Promise<StatusResult> {
    const {localStatus} = await import('../../local/daemon.js')
    return localStatus({stateDir: localStateDir(process.env, this.settings.projectDir, this.flags['state-dir'])})
  }

  protected exitCodeFor(result: StatusResult): number {
    return result.running ? 0 : 3
  }

  render(result: StatusResult): void {
    if (!result.running) {
      this.out.print(`The local workspace is not running (state in ${result.state_dir}).`)
      this.out.print('Next: lakectl local up')
      return
    }
    const uptime = result.uptime_seconds === undefined ? '' : `, up ${formatDuration(result.uptime_seconds * 1000)}`
    this.out.print(`The local workspace is running at ${result.url} (pid ${result.pid}${uptime}, state in ${result.state_dir}).`)
  }
}
