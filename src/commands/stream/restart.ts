import {LakectlCommand} from '../../cli/base-command.js'
import {parseLayers} from '../../streams/layers.js'
import {layerArgs, renderChanges, type StreamChangeResult, waitFlags, waitOptions} from '../../cli/stream-command.js'
import {startLayers, stopLayers} from '../../streams/control.js'

export default class StreamRestart extends LakectlCommand<typeof StreamRestart, StreamChangeResult> {
  static summary = 'Stop, then start the streaming jobs.'
  static strict = false
  static args = layerArgs
  static flags = waitFlags

  async execute(): Promise<StreamChangeResult> {
    const layers = parseLayers(this.positional)
    const client = await this.client()
    const {project} = this.settings.config
    return this.out.withProgress('', async (progress) => {
      const stopped = await stopLayers(client, project, layers, waitOptions(this.out, progress, {...this.flags, wait: true}))
      const started = await startLayers(client, project, layers, waitOptions(this.out, progress, this.flags))
      return {layers: [...stopped, ...started]}
    })
  }

  render(result: StreamChangeResult): void {
    renderChanges(this.out, result, 'lakectl stream status')
  }
}
