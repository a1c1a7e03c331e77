import {Args, Flags} from '../cli/flags.js'

import {LakectlCommand} from '../cli/base-command.js'
import {UsageError} from '../errors.js'
import {type ParamValue, type QueryResult, runStatement} from '../databricks/sql.js'
import {resolveWarehouse} from '../databricks/warehouses.js'

export default class Sql extends LakectlCommand<typeof Sql, QueryResult> {
  static summary = 'Run a SQL statement on the target\'s SQL warehouse.'
  static description = `Runs through the Statement Execution API with named parameters (:name markers); values are sent as
typed parameters, never spliced into the text. SQL errors exit 1 with the engine's message.`

  static examples = [
    `<%= config.bin %> sql "SELECT count(*) AS n FROM lakehouse.gold.sentiment_summary"`,
    `<%= config.bin %> sql "SELECT * FROM t WHERE customer_id = :id" --param id=C000123`,
    `<%= config.bin %> sql "INSERT INTO t VALUES (:n, :d)" -p n:INT=42 -p d:DATE=2026-11-26`,
  ]

  static args = {
    statement: Args.string({description: 'The SQL statement.', required: true}),
  }

  static flags = {
    param: Flags.string({char: 'p', description: 'A named parameter, name=value or name:TYPE=value (TYPE e.g. INT, DECIMAL(10,2), DATE).', multiple: true}),
    warehouse: Flags.string({description: 'SQL warehouse id (default: the target\'s warehouse).'}),
    catalog: Flags.string({description: 'Default catalog for unqualified names.'}),
    schema: Flags.string({description: 'Default schema for unqualified names.'}),
  }

  async execute(): Promise<QueryResult> {
    const parameters = parseParams(this.flags.param ?? [])
    const client = await this.client()
    const warehouse = await resolveWarehouse(client, this.flags.warehouse ?? this.settings.target.warehouse)
    return runStatement(client, {
      statement: this.args.statement,
      warehouseId: warehouse.id,
      catalog: this.flags.catalog,
      schema: this.flags.schema,
      parameters,
      // Return at once with the statement id, so a Ctrl-C at any moment can cancel the statement.
      waitSeconds: 0,
    })
  }

  async render(result: QueryResult): Promise<void> {
    if (result.columns.length === 0) {
      this.out.print('OK')
      return
    }
    await this.out.table(result.rows, result.columns.map((c) => ({header: c.name, value: (row: Record<string, unknown>) => row[c.name], raw: true})))
    this.out.info(`${result.row_count} row${result.row_count === 1 ? '' : 's'}.`)
  }
}

const PARAM = /^([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+(?:\(\s*\d+\s*(?:,\s*\d+\s*)?\))?))?=(.*)$/s

export function parseParams(raw: string[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {}
  for (const item of raw) {
    const match = PARAM.exec(item)
    if (!match) throw new UsageError(`Invalid --param '${item}'.`, {hint: '--param name=value or --param name:TYPE=value'})
    const [, name, type, value] = match
    if (name in out) throw new UsageError(`Parameter '${name}' is given twice.`)
    out[name] = {value, type: type ? type.toUpperCase() : 'STRING'}
  }
  return out
}
