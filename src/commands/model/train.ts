import {Flags} from '../../cli/flags.js'

import {LakectlCommand} from '../../cli/base-command.js'
import {modelName} from '../../cli/model-command.js'
import {train, type TrainResult} from '../../models/training.js'

export default class ModelTrain extends LakectlCommand<typeof ModelTrain, TrainResult> {
  static summary = 'Run the training job: a new version of the sentiment model, with its metrics.'
  static description = `The job trains on Silver's labelled reviews, logs an MLflow run and registers a version with the
challenger alias. --wait waits for it and prints the version and its metrics.`

  static examples = ['<%= config.bin %> model train --wait', '<%= config.bin %> model train --json']
  static flags = {
    wait: Flags.boolean({description: 'Wait for the run to finish and print the new version.'}),
    timeout: Flags.integer({description: 'Seconds to wait with --wait before exiting 8.', default: 1800, min: 1}),
  }

  async execute(): Promise<TrainResult> {
    const client = await this.client()
    return this.out.withProgress('Starting the training job...', (progress) =>
      train(client, {
        project: this.settings.config.project,
        model: modelName(this.settings, undefined),
        wait: this.flags.wait,
        timeoutSeconds: this.flags.timeout,
        onState: (state) => progress.update(state),
      }),
    )
  }

  render(result: TrainResult): void {
    if (result.version === null) {
      this.out.print(`Started training run ${result.run_id} (job ${result.job_id}). Follow it with: lakectl model versions`)
      return
    }
    const metrics = Object.entries(result.metrics).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`)
    this.out.print(`Registered ${result.model} version ${result.version} (run ${result.run_id}).`)
    this.out.print(`  ${metrics.join('  ')}`)
    this.out.print(`Next: lakectl model promote --version ${result.version}`)
  }
}
