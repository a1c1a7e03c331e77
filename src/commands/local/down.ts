import {LakectlCommand} from '../../cli/base-command.js'
import {stateDirFlag} from '../../cli/local-flags.js'
import {localStateDir} from '../../config/targets.js'
import type {LocalDownResult} from '../../local/daemon.js'


export default class LocalDown extends LakectlCommand<typeof LocalDown, LocalDownResult> {
  static summary = 'Stop the local workspace (its state is kept).'
  static flags = {'state-dir': stateDirFlag}

  async execute(): Promise<LocalDownResult> {
    const {localDown} = await import('../../local/daemon.js')
    return localDown({stateDir: localStateDir(process.env, this.settings.projectDir, this.flags['state-dir'])})
  }

  render(result: LocalDownResult): void {
    this.out.print(result.stopped ? `Stopped the local workspace (pid ${result.pid}).` : 'The local workspace was not running.')
  }
}
