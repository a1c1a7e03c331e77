import {Flags} from '../../cli/flags.js'

import {LakectlCommand} from '../../cli/base-command.js'
import {stateDirFlag} from '../../cli/local-flags.js'
import {localStateDir} from '../../config/targets.js'
import {DEFAULT_LIMITS} from '../../local/limits.js'
import type {LocalUpResult} from '../../local/daemon.js'


export default class LocalUp extends LakectlCommand<typeof LocalUp, LocalUpResult> {
  static summary = 'Start the embedded local workspace in the background.'
  static description = `A Databricks-compatible REST server on 127.0.0.1 backed by DuckDB. Its address and a generated
bearer token (mode 0600) are written to the state folder; state persists across restarts.
Returns once the server answers.`

  static examples = ['<%= config.bin %> local up', '<%= config.bin %> local up --port 8787 --state-dir /tmp/lakectl']

  static flags = {
    port: Flags.integer({description: 'Port on 127.0.0.1 (default: the previous one if free, else any free port).', min: 0, max: 65535}),
    'state-dir': stateDirFlag,
    'memory-limit': Flags.integer({
      description: `Megabytes of memory DuckDB may hold (default ${DEFAULT_LIMITS.engineMemoryLimitMb}); a query that needs more spills to the state folder.`,
      min: 128,
    }),
    'enable-test-control': Flags.boolean({hidden: true, description: 'Serve the fault-injection endpoints (tests only).'}),
  }

  async execute(): Promise<LocalUpResult> {
    const {localUp} = await import('../../local/daemon.js')
    return localUp({
      stateDir: localStateDir(process.env, this.settings.projectDir, this.flags['state-dir']),
      port: this.flags.port,
      memoryLimitMb: this.flags['memory-limit'],
      enableControl: this.flags['enable-test-control'],
    })
  }

  render(result: LocalUpResult): void {
    this.out.print(
      result.already_running
        ? `The local workspace is already running at ${result.url} (pid ${result.pid}).`
        : `Started the local workspace at ${result.url} (pid ${result.pid}, state in ${result.state_dir}).`,
    )
    this.out.print('Next: lakectl doctor')
  }
}
