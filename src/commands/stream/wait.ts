import {Flags} from '../../cli/flags.js'

import {LakectlCommand} from '../../cli/base-command.js'
import {layerArgs} from '../../cli/stream-command.js'
import {resolveWarehouse} from '../../databricks/warehouses.js'
import {parseLayers} from '../../streams/layers.js'
import {waitCaughtUp, type WaitResult} from '../../streams/wait.js'

export default class StreamWait extends LakectlCommand<typeof StreamWait, WaitResult> {
  static summary = 'Wait until the layers have processed everything their upstream holds.'
  static description = `For runbooks: produce, wait, then report. Bronze is caught up when it has read the topic up to its
latest offsets, Silver when it has processed every Bronze batch, Gold every Silver batch (all layers,
or the ones named). Prints each change of progress; exits 8 at --timeout while a layer is still
behind, and 1 at once when a layer that is behind is stopped.`

  static examples = ['<%= config.bin %> stream wait', '<%= config.bin %> stream wait gold --timeout 120', '<%= config.bin %> stream wait --json']
  static strict = false
  static args = layerArgs
  static flags = {
    timeout: Flags.integer({description: 'Seconds to wait before exiting 8.', default: 300, min: 1}),
  }

  async execute(): Promise<WaitResult> {
    const layers = parseLayers(this.positional)
    const client = await this.client()
    const {target, config} = this.settings
    const warehouse = await resolveWarehouse(client, target.warehouse)
    return this.out.withProgress(`Waiting for ${layers.join(', ')} to catch up...`, (progress) =>
      waitCaughtUp(client, {
        project: config.project,
        catalog: target.catalog,
        warehouseId: warehouse.id,
        layers,
        timeoutSeconds: this.flags.timeout,
        localTopic: target.kind === 'local' ? config.source.topic : undefined,
        onProgress: (text) => progress.update(text),
      }),
    )
  }

  render(result: WaitResult): void {
    this.out.print(`Caught up: ${result.layers.map((l) => l.layer).join(', ')} (waited ${result.waited_seconds} s).`)
    this.out.print('Next: lakectl stream status, or lakectl report quality')
  }
}
