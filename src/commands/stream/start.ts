import {LakectlCommand} from '../../cli/base-command.js'
import {parseLayers} from '../../streams/layers.js'
import {layerArgs, renderChanges, type StreamChangeResult, waitFlags, waitOptions} from '../../cli/stream-command.js'
import {startLayers} from '../../streams/control.js'

export default class StreamStart extends LakectlCommand<typeof StreamStart, StreamChangeResult> {
  static summary = 'Start the Bronze, Silver and Gold streaming jobs (in that order).'
  static description = `Unpauses each continuous job and waits until its run is RUNNING. A layer that already runs is left
alone; starting a layer whose upstream is stopped warns.`

  static examples = ['<%= config.bin %> stream start', '<%= config.bin %> stream start silver gold --timeout 120', '<%= config.bin %> stream start --no-wait --json']
  static strict = false
  static args = layerArgs
  static flags = waitFlags

  async execute(): Promise<StreamChangeResult> {
    const layers = parseLayers(this.positional)
    const client = await this.client()
    return this.out.withProgress('', async (progress) => ({
      layers: await startLayers(client, this.settings.config.project, layers, waitOptions(this.out, progress, this.flags)),
    }))
  }

  render(result: StreamChangeResult): void {
    renderChanges(this.out, result, 'lakectl stream status')
  }
}
