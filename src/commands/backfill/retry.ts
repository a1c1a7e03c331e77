import {BackfillDriveCommand} from '../../cli/backfill-command.js'
import {retryBackfill} from '../../backfill/service.js'

export default class BackfillRetry extends BackfillDriveCommand {
  static summary = "Run a backfill's failed partitions again, once their cause is fixed; the others stand."
  static description = `Each failed partition gets up to the backfill's max attempts more runs (new attempts, new
idempotency tokens), with its original parameters; the layers downstream (from lineage) follow the dates that changed.`

  static examples = ['<%= config.bin %> backfill retry bf-20261203-142455-a1b2c3', '<%= config.bin %> backfill retry bf-20261203-142455-a1b2c3 --json']

  protected drive = retryBackfill
}
