/**
 * The HTML reports in a real headless browser (Debian's chromium, installed by the engines set-up:
 * test/engines/setup/setup.d/chromium.sh): each page renders, every chart exists and drew the number of
 * points its data has, flagged points are drawn as such, the console stays silent (no error, no refused
 * request: every host resolves to nothing and the page's CSP forbids fetching), and a screenshot of the
 * quality report is kept as an artefact (.cache/artifacts/).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, describe, expect, it} from 'vitest'

import {loadConfig} from '../../src/config/load.js'
import {HOUR_MS} from '../../src/reports/baseline.js'
import {renderHtml} from '../../src/reports/html.js'
import type {LagReport} from '../../src/reports/lag.js'
import {lagPage, qualityPage} from '../../src/reports/pages.js'
import {qualityFindings, type QualityReport} from '../../src/reports/quality.js'
import {qualityHistory, steadyHistory} from '../helpers/history.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const ARTIFACTS = path.join(REPO, '.cache', 'artifacts')
const chromium = spawnSync('sh', ['-c', 'command -v chromium'], {encoding: 'utf8'}).stdout.trim()
const work = mkdtempSync(path.join(tmpdir(), 'lakectl-html-'))

/** Runs headless chromium on a file with a fresh profile; returns stdout and the console lines it logged. */
function browse(file: string, extra: string[]): {stdout: string; console: string[]} {
  const profile = mkdtempSync(path.join(work, 'profile-'))
  try {
    const result = spawnSync(
      chromium,
      [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--user-data-dir=${profile}`,
        '--enable-logging=stderr', '--v=0', '--host-resolver-rules=MAP * ~NOTFOUND', '--window-size=1400,2200',
        ...extra, `file://${file}`,
      ],
      {encoding: 'utf8', timeout: 120_000},
    )
    if (result.status !== 0) throw new Error(`chromium exited ${result.status}: ${result.stderr}`)
    return {stdout: result.stdout, console: result.stderr.split('\n').filter((line) => /:CONSOLE/.test(line))}
  } finally {
    rmSync(profile, {recursive: true, force: true})
  }
}

function qualityFixture(): QualityReport {
  const config = loadConfig({cwd: work}).config
  const start = Date.UTC(2026, 0, 5)
  const hours = 10 * 7 * 24
  const now = start + hours * HOUR_MS + 10 * 60_000
  const steady = steadyHistory({start, hours, seed: 8}, (hour, i) => {
    if (i >= hours - 3) hour.nulls.country = Math.round(hour.rows * 0.4)
  })
  const {findings, series} = qualityFindings(qualityHistory(steady, {now}), {config, now, sinceHours: 48})
  return {
    catalog: 'lakehouse', since: new Date(now - 48 * HOUR_MS).toISOString(), checked_at: new Date(now).toISOString(),
    batches: 48, rows_in: 1, rows_valid: 1, rows_quarantined: 0, duplicates_dropped: 0, rows_written: 1, reject_reasons: {}, null_counts: {}, findings, series,
  }
}

function lagFixture(): LagReport {
  const t0 = Date.UTC(2026, 10, 26, 8)
  const point = (i: number, lag: number) => ({at: new Date(t0 + i * 60_000).toISOString(), lag_seconds: lag, offsets_behind: lag * 10, rows: 100})
  const layer = (name: 'bronze' | 'silver' | 'gold', status: LagReport['layers'][number]['lag_status']) => ({
    layer: name, batches: 60, rows: 6000, avg_rows_per_second: 100, lag_p50_seconds: 2, lag_p95_seconds: 9, lag_max_seconds: 140, current_lag_seconds: 3,
    offsets_behind: 30, slo_seconds: name === 'gold' ? 300 : 60, lag_status: status, lag_since: null, lag_cause: status === 'OK' ? null : 'the backlog never shrank',
  })
  return {
    catalog: 'lakehouse', since: new Date(t0).toISOString(), checked_at: new Date(t0 + 3600_000).toISOString(),
    layers: [layer('bronze', 'OK'), layer('silver', 'WARN'), layer('gold', 'OK')],
    findings: [{metric: 'lag status of silver', observed: 30, expected: null, status: 'WARN', since: null, cause: 'the backlog never shrank'}],
    series: {
      bronze: Array.from({length: 60}, (_, i) => point(i, 1 + (i % 3))),
      silver: Array.from({length: 60}, (_, i) => point(i, i === 30 ? 140 : 2 + (i % 5))),
      gold: [],
    },
  }
}

describe.skipIf(!chromium)('HTML reports in headless Chromium', () => {
  afterAll(() => rmSync(work, {recursive: true, force: true}))

  it('renders the quality report: every chart with all its points, the anomalies flagged, a silent console, a screenshot', () => {
    const report = qualityFixture()
    const file = path.join(work, 'quality.html')
    writeFileSync(file, renderHtml(qualityPage(report)))
    const {stdout: dom, console} = browse(file, ['--dump-dom'])
    expect(console).toEqual([])
    expect(dom).toMatch(/<html[^>]* data-rendered="ok"/)
    expect(dom).toMatch(new RegExp(`data-charts="${report.series.length}"`))
    for (const [i, series] of report.series.entries()) {
      const svg = new RegExp(`<svg id="chart-${i}" data-points="(\\d+)"[^>]*>([\\s\\S]*?)</svg>`).exec(dom)
      expect(svg, series.metric).not.toBeNull()
      const expected = series.points.filter((p) => p.value !== null).length
      expect(Number(svg![1]), series.metric).toBe(expected)
      expect((svg![2].match(/<circle class="point/g) ?? []).length, series.metric).toBe(expected)
      expect((svg![2].match(/<circle class="point flagged/g) ?? []).length, series.metric).toBe(series.points.filter((p) => p.status === 'ANOMALY' && p.value !== null).length)
    }
    // The injected null-rate jump is drawn red: three flagged hours on its chart.
    const country = report.series.findIndex((s) => s.metric === 'null rate of country')
    expect((new RegExp(`<svg id="chart-${country}"[\\s\\S]*?</svg>`).exec(dom)![0].match(/point flagged/g) ?? []).length).toBe(3)
    mkdirSync(ARTIFACTS, {recursive: true})
    const screenshot = path.join(ARTIFACTS, 'report-quality.png')
    const shot = browse(file, [`--screenshot=${screenshot}`])
    expect(shot.console).toEqual([])
    expect(statSync(screenshot).size).toBeGreaterThan(20_000)
    expect(execFileSync('file', [screenshot], {encoding: 'utf8'})).toMatch(/PNG image data, 1400 x 2200/)
  }, 180_000)

  it('renders the lag report with its SLO bands and the breaching minute flagged', () => {
    const report = lagFixture()
    const file = path.join(work, 'lag.html')
    writeFileSync(file, renderHtml(lagPage(report)))
    const {stdout: dom, console} = browse(file, ['--dump-dom'])
    expect(console).toEqual([])
    expect(dom).toMatch(/data-rendered="ok"/)
    expect(dom).toMatch(/data-charts="6"/)
    expect(dom).toMatch(/<svg id="chart-0" data-points="60"/)
    expect(dom).toMatch(/<svg id="chart-2" data-points="60"[\s\S]*?class="point flagged"/)
    expect(dom).toMatch(/<svg id="chart-4" data-points="0"[^>]*><text class="empty"/)
    expect((dom.match(/<polygon class="band"/g) ?? []).length).toBe(2)
  }, 120_000)

  it('a page that loads something from outside is caught (the check can fail)', () => {
    const file = path.join(work, 'external.html')
    writeFileSync(file, renderHtml(qualityPage(qualityFixture())).replace('</body>', '<img src="https://example.com/pixel.png"></body>'))
    expect(browse(file, ['--dump-dom']).console.join('\n')).toMatch(/Refused to load the image|example\.com/)
  }, 120_000)
})
