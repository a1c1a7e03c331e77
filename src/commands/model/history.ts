import {LakectlCommand} from '../../cli/base-command.js'
import {modelArg, modelName} from '../../cli/model-command.js'
import {UsageError} from '../../errors.js'
import {type AliasMove, movesOf, tagsByVersion} from '../../models/history.js'
import {isUnityCatalogName} from '../../models/registry.js'

interface HistoryResult {
  model: string
  moves: AliasMove[]
}

export default class ModelHistory extends LakectlCommand<typeof ModelHistory, HistoryResult> {
  static summary = 'Every alias move lakectl made: time, alias, from, to, forced reason, user.'
  static description = `Read from where promote and rollback record each move: a tag on the version the alias moved to
(lakectl.move.<time>), so an audit needs no other tool. Newest first. Unity Catalog models only (the
workspace registry keeps its own stage transition history).`

  static examples = ['<%= config.bin %> model history', '<%= config.bin %> model history lakehouse.ml.sentiment --json']
  static args = modelArg

  async execute(): Promise<HistoryResult> {
    const model = modelName(this.settings, this.args.model)
    if (!isUnityCatalogName(model)) {
      throw new UsageError(`${model} is in the workspace registry: its stage transitions are in its own history, not lakectl's.`, {code: 'NO_HISTORY', hint: `lakectl model history <catalog>.<schema>.<model>`})
    }
    return {model, moves: movesOf(await tagsByVersion(await this.client(), model))}
  }

  async render(result: HistoryResult): Promise<void> {
    if (!result.moves.length) {
      this.out.print(`lakectl has moved no alias of ${result.model} yet. Next: lakectl model promote --from-alias challenger`)
      return
    }
    await this.out.table(result.moves, [
      {header: 'TIME', value: (m) => this.out.time(Date.parse(m.at))},
      {header: 'ALIAS', value: (m) => m.alias},
      {header: 'FROM', value: (m) => m.from, raw: true, align: 'right'},
      {header: 'TO', value: (m) => m.to, raw: true, align: 'right'},
      {header: 'ACTION', value: (m) => m.action},
      {header: 'REASON', value: (m) => m.reason},
      {header: 'USER', value: (m) => m.user},
    ])
  }
}
