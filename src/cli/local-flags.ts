import {Flags} from './flags.js'

/** The state folder of the local workspace, shared by every `lakectl local` command. */
export const stateDirFlag = Flags.string({
  description: 'State folder of the local workspace (default: .lakectl/local next to lakectl.yaml).',
  env: 'LAKECTL_STATE_DIR',
})
