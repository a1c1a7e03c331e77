import {EXIT_CODES_HELP, LakectlCommand} from '../../cli/base-command.js'
import {stateDirFlag} from '../../cli/local-flags.js'
import {confirm} from '../../cli/prompts.js'
import {UsageError} from '../../cli/errors.js'
import {localStateDir} from '../../config/targets.js'

type ResetResult = Record<string, unknown>

export default class LocalReset extends LakectlCommand<typeof LocalReset, ResetResult> {
  static summary = 'Stop the local workspace and delete its data (the token is kept).'
  static description = `Destructive: every catalog, table, job and file of the local workspace is removed.
Asks on a terminal; needs --yes otherwise.

${EXIT_CODES_HELP}`

  static flags = {'state-dir': stateDirFlag}

  async execute(): Promise<ResetResult> {
    const stateDir = localStateDir(process.env, this.settings.projectDir, this.flags['state-dir'])
    if (!this.flags.yes && !(await confirm(this.out, `Delete all data of the local workspace in ${stateDir}?`, '--yes'))) {
      throw new UsageError('Nothing was deleted.', {code: 'CANCELLED'})
    }
    const {localReset} = await import('../../local/daemon.js')
    return localReset({stateDir})
  }

  render(result: ResetResult): void {
    this.out.print(`Reset the local workspace in ${String(result.state_dir ?? '')}.`)
    this.out.print('Next: lakectl local up, then lakectl bootstrap')
  }
}
