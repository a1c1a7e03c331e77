import {Flags} from '../cli/flags.js'

import {LakectlCommand} from '../cli/base-command.js'
import {ExitCode} from '../cli/errors.js'
import {UsageError} from '../errors.js'
import {confirm} from '../cli/prompts.js'
import {applyBootstrap, bootstrapResult, type BootstrapResult, DEFAULT_CONCURRENCY, planBootstrap} from '../lakehouse/bootstrap.js'
import {type Action, pendingChanges} from '../lakehouse/plan.js'

export default class Bootstrap extends LakectlCommand<typeof Bootstrap, BootstrapResult> {
  static summary = 'Plan and apply the whole Unity Catalog lakehouse described by lakectl.yaml.'
  static description = `Catalog, schemas, tables, reference data, grants per role and layer, pipeline files, jobs (with
their health rules and notifications), the SQL alerts over the ops tables (lakectl alerts) and the
BI serving layer: the analyst views in gold, SELECT on them and CAN_USE on the SQL warehouse for the
analysts (serving.analysts).
Shows the plan first (create / update / unchanged per object; grants as + and - per principal),
then applies it in dependency order. A second run changes nothing. Never drops, truncates or
replaces a table, and never touches the grants of principals the config does not name; a column
that was dropped or retyped is shown as blocked for a human to resolve.

Without a terminal, applying changes needs --yes. --plan --exit-code is a drift gate for CI:
exit 0 when converged, 3 when changes are pending.`

  static examples = [
    '<%= config.bin %> bootstrap --plan',
    '<%= config.bin %> bootstrap --yes',
    '<%= config.bin %> bootstrap --plan --exit-code --target prod --json',
  ]

  static flags = {
    plan: Flags.boolean({description: 'Only show the plan; change nothing.'}),
    'exit-code': Flags.boolean({description: 'With --plan: exit 3 when changes are pending.', dependsOn: ['plan']}),
    concurrency: Flags.integer({description: 'Requests in flight at once.', default: DEFAULT_CONCURRENCY, min: 1, max: 32, hidden: true}),
  }

  async execute(): Promise<BootstrapResult> {
    const settings = this.settings
    const client = await this.client()
    const actions = await this.out.withProgress(`Reading the state of ${settings.target.name}...`, () => planBootstrap(client, settings, this.flags.concurrency))
    const pending = pendingChanges(actions)
    if (this.flags.plan || pending === 0) return bootstrapResult(settings, actions, 'plan')

    if (!this.flags.yes) {
      if (!this.out.interactive) {
        if (!this.out.json) await this.renderPlan(bootstrapResult(settings, actions, 'plan'))
        throw new UsageError(`${pending} change${pending === 1 ? '' : 's'} pending and no terminal to confirm them.`, {code: 'CONFIRMATION_REQUIRED', hint: 'lakectl bootstrap --yes   (or --plan to only look)'})
      }
      await this.renderPlan(bootstrapResult(settings, actions, 'plan'))
      if (!(await confirm(this.out, `Apply ${pending} change${pending === 1 ? '' : 's'} to ${settings.target.name}?`, '--yes'))) {
        throw new UsageError('Nothing was changed.', {code: 'CANCELLED'})
      }
    }
    await this.out.withProgress(`Applying ${pending} changes...`, (progress) =>
      applyBootstrap(client, actions, this.flags.concurrency, (done, total, action) => {
        progress.update(`Applying ${done}/${total}: ${action.object_type} ${action.full_name}${action.outcome === 'failed' ? ' (failed)' : ''}`)
      }),
    )
    return bootstrapResult(settings, actions, 'apply')
  }

  protected exitCodeFor(result: BootstrapResult): number {
    if (result.failed) return ExitCode.failure
    if (result.summary.blocked) return ExitCode.checkFailed
    if (result.mode === 'plan' && result.pending && this.flags['exit-code']) return ExitCode.checkFailed
    return ExitCode.ok
  }

  async render(result: BootstrapResult): Promise<void> {
    if (result.mode === 'plan') {
      await this.renderPlan(result)
      if (result.pending) this.out.print(this.flags.plan ? 'Apply it with: lakectl bootstrap --yes' : '')
      return
    }
    const s = this.out.style
    const failed = result.actions.filter((a) => a.outcome === 'failed')
    const applied = result.actions.filter((a) => a.outcome === 'applied')
    for (const a of applied) this.out.print(`${s.green('✓')} ${verb(a)} ${a.object_type} ${a.full_name}`)
    for (const a of failed) this.out.print(`${s.red('✗')} ${a.object_type} ${a.full_name}: ${a.error}`)
    const skipped = result.actions.filter((a) => a.outcome === 'skipped').length
    this.out.print(
      failed.length
        ? `Applied ${applied.length} changes; ${failed.length} failed${skipped ? `, ${skipped} not attempted` : ''}. Fix the cause and run lakectl bootstrap again: it continues from here.`
        : `Applied ${applied.length} changes to ${result.target} (catalog ${result.catalog}). A second run will find nothing to do.`,
    )
    this.renderBlocked(result.actions)
    if (!failed.length) this.out.print('Next: lakectl stream start, then lakectl stream status')
  }

  private async renderPlan(result: BootstrapResult): Promise<void> {
    const s = this.out.style
    const {summary} = result
    const sign = {create: s.green('+'), update: s.yellow('~'), blocked: s.red('!'), unchanged: ' '}
    this.out.print(
      `Plan for ${s.bold(result.target)} (catalog ${result.catalog}): ${summary.create} to create, ${summary.update} to update, ${summary.unchanged} unchanged${summary.blocked ? `, ${summary.blocked} blocked` : ''}.`,
    )
    for (const a of result.actions.filter((x) => x.action === 'create' || x.action === 'update')) {
      this.out.print(`${sign[a.action]} ${a.object_type.padEnd(9)} ${a.full_name}`)
      for (const line of a.diff.slice(0, 25)) this.out.print(`      ${colourDiff(line, s)}`)
      if (a.diff.length > 25) this.out.print(`      ... ${a.diff.length - 25} more`)
    }
    this.renderBlocked(result.actions)
    if (!result.pending && !summary.blocked) this.out.print('Nothing to do: the workspace matches lakectl.yaml.')
  }

  private renderBlocked(actions: Action[]): void {
    const s = this.out.style
    for (const a of actions.filter((x) => x.action === 'blocked')) {
      this.out.print(`${s.red('!')} ${a.object_type.padEnd(9)} ${a.full_name} (blocked: needs a human)`)
      for (const line of a.diff) this.out.print(`      ${line}`)
    }
  }
}

function verb(action: Action): string {
  return action.action === 'create' ? 'created' : 'updated'
}

function colourDiff(line: string, s: {green: (t: string) => string; red: (t: string) => string}): string {
  if (line.startsWith('+')) return s.green(line)
  if (line.startsWith('-')) return s.red(line)
  return line
}
