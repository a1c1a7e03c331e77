import {LakectlCommand} from '../../cli/base-command.js'
import {parseLayers} from '../../streams/layers.js'
import {layerArgs, renderChanges, type StreamChangeResult, waitFlags, waitOptions} from '../../cli/stream-command.js'
import {stopLayers} from '../../streams/control.js'

export default class StreamStop extends LakectlCommand<typeof StreamStop, StreamChangeResult> {
  static summary = 'Stop the streaming jobs (gold, silver, bronze: downstream first).'
  static description = `Pauses each continuous job, cancels its active run and waits until no run is active.
Checkpoints are kept: the next start resumes where this one stopped.`

  static examples = ['<%= config.bin %> stream stop', '<%= config.bin %> stream stop gold']
  static strict = false
  static args = layerArgs
  static flags = waitFlags

  async execute(): Promise<StreamChangeResult> {
    const layers = parseLayers(this.positional)
    const client = await this.client()
    return this.out.withProgress('', async (progress) => ({
      layers: await stopLayers(client, this.settings.config.project, layers, waitOptions(this.out, progress, this.flags)),
    }))
  }

  render(result: StreamChangeResult): void {
    renderChanges(this.out, result, 'lakectl stream status   (checkpoints are kept: lakectl stream start resumes where each layer stopped)')
  }
}
