import {LakectlCommand} from '../../cli/base-command.js'
import {stateDirFlag} from '../../cli/local-flags.js'
import {confirm} from '../../cli/prompts.js'
import {UsageError} from '../../errors.js'
import {localStateDir} from '../../config/targets.js'
import type {LocalResetResult} from '../../local/daemon.js'


export default class LocalReset extends LakectlCommand<typeof LocalReset, LocalResetResult> {
  static summary = 'Stop the local workspace and delete its data (the token is kept).'
  static description = `Destructive: every catalog, table, job and file of the local workspace is removed.
Asks on a terminal; needs --yes otherwise.`

  static flags = {'state-dir': stateDirFlag}

  async execute(): Promise<LocalResetResult> {
    const stateDir = localStateDir(process.env, this.settings.projectDir, this.flags['state-dir'])
    if (!this.flags.yes && !(await confirm(this.out, `Delete all data of the local workspace in ${stateDir}?`, '--yes'))) {
      throw new UsageError('Nothing was deleted.', {code: 'CANCELLED'})
    }
    const {localReset} = await import('../../local/daemon.js')
    return localReset({stateDir})
  }

  render(result: LocalResetResult): void {
    const removed = result.removed.length ? ` (removed ${result.removed.join(', ')})` : ' (it held no data)'
    this.out.print(`Reset the local workspace in ${result.state_dir}${removed}${result.stopped ? '; it was stopped first' : ''}.`)
    this.out.print('Next: lakectl local up, then lakectl bootstrap')
  }
}
