/** What the report commands share: the window and --html flags, findings -> exit code, the findings table, sparklines. */
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {Flags} from './flags.js'

import {type Finding, isFailing} from '../reports/findings.js'
import {UsageError} from '../errors.js'
import {ExitCode} from './errors.js'
import type {Output, Style} from './output.js'

export const reportFlags = {
  since: Flags.integer({description: 'Hours to look back.', default: 24, min: 1}),
  at: Flags.string({description: 'Judge as of this time (ISO-8601, default now): the report a post-mortem needs.'}),
  html: Flags.string({description: 'Also write the report as one self-contained HTML page (charts) to this file.'}),
}

/** --at as epoch ms (undefined: now). */
export function reportTime(at: string | undefined): number | undefined {
  if (at === undefined) return undefined
  const ms = Date.parse(at)
  if (!/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(ms)) throw new UsageError(`--at must be an ISO-8601 time like 2026-11-26T08:00:00Z, got '${at}'.`)
  return ms
}

export function exitCodeOf(findings: readonly Finding[]): number {
  return findings.some(isFailing) ? ExitCode.checkFailed : ExitCode.ok
}

/** Writes the HTML page; says where on stderr (stdout keeps the result). */
export function writeHtml(out: Output, file: string, html: string): void {
  try {
    writeFileSync(file, html)
  } catch (error) {
    throw new UsageError(`Cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? error}.`, {hint: '--html PATH   (a writable file)'})
  }
  out.info(`Wrote ${path.resolve(file)}`)
}

export function statusText(s: Style, status: Finding['status']): string {
  if (status === 'OK') return s.green(status)
  if (status === 'LEARNING' || status === 'UNKNOWN') return s.dim(status)
  if (status === 'WARN') return s.yellow(status)
  return s.red(status)
}

/**
 * The findings as a table (with a sparkline of each metric's recent values on a terminal) and one
 * closing sentence; OK rows are folded into a count unless `all`.
 */
export async function renderFindings(out: Output, findings: readonly Finding[], options: {trend?: (f: Finding) => number[] | undefined; all?: boolean} = {}): Promise<void> {
  const s = out.style
  const shown = options.all ? findings : findings.filter((f) => f.status !== 'OK')
  if (shown.length) {
    await out.table(shown, [
      {header: 'METRIC', value: (f) => f.metric},
      {header: 'OBSERVED', value: (f) => f.observed, align: 'right'},
      {header: 'EXPECTED', value: (f) => range(f)},
      {header: 'STATUS', value: (f) => statusText(s, f.status)},
      {header: 'SINCE', value: (f) => f.since},
      ...(out.stdoutIsTTY && options.trend ? [{header: 'TREND', value: (f: Finding) => sparkline(options.trend!(f) ?? [])}] : []),
      {header: 'LIKELY CAUSE', value: (f) => f.cause},
    ])
  }
  const failing = findings.filter(isFailing).length
  const learning = findings.filter((f) => f.status === 'LEARNING').length
  const ok = findings.filter((f) => f.status === 'OK').length
  const notes = [`${ok} OK`, ...(learning ? [`${learning} learning (too little history to judge)`] : [])].join(', ')
  out.print(failing ? `${failing} finding${failing > 1 ? 's' : ''} need attention (exit 3); ${notes}.` : `Healthy: ${notes}.`)
}

function range(f: Finding): string | null {
  if (!f.expected) return null
  const {low, high} = f.expected
  if (low !== null && high !== null) return `${fmt(low)} .. ${fmt(high)}`
  if (high !== null) return `<= ${fmt(high)}`
  if (low !== null) return `>= ${fmt(low)}`
  return null
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : Math.abs(n) < 1 ? n.toFixed(4) : n.toFixed(1)
}

const BARS = '▁▂▃▄▅▆▇█'

/** Values as a line of bars scaled to their maximum (blank for no values). */
export function sparkline(values: ReadonlyArray<number | null>): string {
  const present = values.filter((v): v is number => typeof v === 'number')
  if (!present.length) return ''
  const max = Math.max(...present)
  const min = Math.min(0, ...present)
  const span = max - min || 1
  return values.map((v) => (v === null ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor(((v - min) / span) * (BARS.length - 1)))])).join('')
}
