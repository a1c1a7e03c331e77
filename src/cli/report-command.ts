/** What the report commands share: the window flag and the verdict -> exit code rule. */
import {Flags} from '@oclif/core'

import {ExitCode} from './errors.js'
import type {Output} from './output.js'
import type {Threshold} from '../reports/quality.js'

export const sinceFlag = {since: Flags.integer({description: 'Hours to look back.', default: 24, min: 1})}

export function exitCodeOf(checks: readonly Threshold[]): number {
  return checks.some((c) => c.status === 'BREACH') ? ExitCode.checkFailed : ExitCode.ok
}

export async function renderChecks(out: Output, checks: readonly Threshold[], nothingChecked: string): Promise<void> {
  if (checks.length === 0) {
    out.print(nothingChecked)
    return
  }
  const s = out.style
  await out.table(checks, [
    {header: 'CHECK', value: (c) => c.check},
    {header: 'VALUE', value: (c) => c.value, align: 'right'},
    {header: 'LIMIT', value: (c) => c.limit, align: 'right'},
    {header: 'STATUS', value: (c) => (c.status === 'OK' ? s.green('OK') : s.red('BREACH'))},
  ])
  const breaches = checks.filter((c) => c.status === 'BREACH').length
  out.print(breaches ? `${breaches} threshold${breaches > 1 ? 's' : ''} breached (exit 3).` : 'Every threshold holds.')
}
