import {BackfillDriveCommand} from '../../cli/backfill-command.js'
import {resumeBackfill} from '../../backfill/service.js'

export default class BackfillResume extends BackfillDriveCommand {
  static summary = 'Continue a backfill that was interrupted, timed out or killed, with its original parameters.'
  static description = `Runs every partition not succeeded yet: a run that is still going is waited for (never started
twice: each attempt's run-now carries the same idempotency token), a failed partition with attempts
left and a cancelled one run again, and the layers downstream (from lineage) follow the dates that changed.`

  static examples = ['<%= config.bin %> backfill resume bf-20261203-142455-a1b2c3', '<%= config.bin %> backfill resume bf-20261203-142455-a1b2c3 --timeout 600 --json']

  protected drive = resumeBackfill
}
