/**
 * The published dashboard's page in a real headless browser (Debian's chromium, installed by
 * test/engines/setup/setup.d/chromium.sh): after bootstrap and rows in Gold and ops, the page the
 * local workspace serves at the dashboard's URL draws every widget with all the points its dataset
 * gives, fetches nothing (every host resolves to nothing, the page's CSP forbids fetching) and logs
 * nothing to the console; a screenshot is kept as an artefact (.cache/artifacts/dashboard.png).
 */
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestWorkspace} from '../helpers/workspace.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const ARTIFACTS = path.join(REPO, '.cache', 'artifacts')
const chromium = spawnSync('sh', ['-c', 'command -v chromium'], {encoding: 'utf8'}).stdout.trim()
const work = mkdtempSync(path.join(tmpdir(), 'lakectl-dashboard-'))

/**
 * Runs headless chromium on the page with a fresh profile; returns stdout and the console lines it logged.
 * Asynchronous: the local workspace that serves the page runs in this process.
 */
async function browse(url: string, extra: string[]): Promise<{stdout: string; console: string[]}> {
  const profile = mkdtempSync(path.join(work, 'profile-'))
  try {
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--user-data-dir=${profile}`,
      '--enable-logging=stderr', '--v=0', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--window-size=1400,2400',
      ...extra, url,
    ]
    const {code, stdout, stderr} = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
      const child = spawn(chromium, args, {stdio: ['ignore', 'pipe', 'pipe']})
      let out = ''
      let err = ''
      child.stdout.on('data', (c) => (out += c))
      child.stderr.on('data', (c) => (err += c))
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
      child.on('error', reject)
      child.on('close', (exit) => {
        clearTimeout(timer)
        resolve({code: exit, stdout: out, stderr: err})
      })
    })
    if (code !== 0) throw new Error(`chromium exited ${code}: ${stderr}`)
    return {stdout, console: stderr.split('\n').filter((line) => /:CONSOLE/.test(line))}
  } finally {
    rmSync(profile, {recursive: true, force: true})
  }
}

describe.skipIf(!chromium)(`the published dashboard in headless Chromium${chromium ? '' : ' (skipped: chromium is missing; test/engines/setup/setup.d/chromium.sh installs it)'}`, () => {
  let ws: TestWorkspace
  let url: string

  beforeAll(async () => {
    ws = await TestWorkspace.start()
    const bootstrap = await ws.run(['bootstrap', '--yes'])
    if (bootstrap.code !== 0) throw new Error(bootstrap.stderr)
    const statements = [
      `INSERT INTO lakehouse.gold.customer_behavior_daily (customer_id, event_date, events, views, purchases, reviews, revenue, avg_sentiment)
        VALUES ('C1', DATE '2026-11-24', 10, 6, 1, 1, 20.50, 0.5), ('C2', DATE '2026-11-25', 7, 3, 2, 0, 41.00, NULL), ('C1', DATE '2026-11-26', 5, 2, 1, 2, 9.99, -0.2)`,
      `INSERT INTO lakehouse.gold.sentiment_summary (event_hour, product_category, event_date, reviews, scored_reviews, avg_sentiment, positive_reviews, neutral_reviews, negative_reviews)
        VALUES (TIMESTAMP '2026-11-26 08:00:00', 'books', DATE '2026-11-26', 4, 4, 0.4, 3, 0, 1), (TIMESTAMP '2026-11-26 09:00:00', 'books', DATE '2026-11-26', 2, 2, -0.1, 1, 0, 1),
               (TIMESTAMP '2026-11-26 08:00:00', 'garden', DATE '2026-11-26', 3, 3, 0.7, 3, 0, 0)`,
      `INSERT INTO lakehouse.ops.quality_metrics (stream, batch_id, table_name, rows_in, rows_quarantined, duplicates_dropped, recorded_at, recorded_date)
        VALUES ('silver', 1, 'silver.customer_events_cleaned', 1000, 20, 5, TIMESTAMP '2026-11-26 08:10:00', DATE '2026-11-26'), ('silver', 2, 'silver.customer_events_cleaned', 800, 40, 1, TIMESTAMP '2026-11-26 09:10:00', DATE '2026-11-26')`,
      `INSERT INTO lakehouse.ops.stream_progress (stream, batch_id, trigger_ts, ingest_lag_seconds, recorded_at, progress_date)
        VALUES ('silver', 1, TIMESTAMP '2026-11-26 08:10:00', 3.5, TIMESTAMP '2026-11-26 08:10:01', DATE '2026-11-26'), ('silver', 2, TIMESTAMP '2026-11-26 09:10:00', 12.0, TIMESTAMP '2026-11-26 09:10:01', DATE '2026-11-26')`,
    ]
    for (const statement of statements) {
      const result = await ws.run(['sql', statement])
      if (result.code !== 0) throw new Error(result.stderr)
    }
    url = (await ws.run(['dashboard', '--json'])).json().url
  }, 180_000)

  afterAll(async () => {
    await ws?.stop()
    rmSync(work, {recursive: true, force: true})
  })

  it('draws every widget with the points of its dataset, with a silent console, and keeps a screenshot', async () => {
    const {stdout: dom, console} = await browse(url, ['--dump-dom'])
    expect(console).toEqual([])
    expect(dom).toMatch(/<html[^>]* data-rendered="ok"/)
    expect(dom).toMatch(/data-widgets="5"/)
    const sections = [...dom.matchAll(/<section><h2>([^<]+)<\/h2>([\s\S]*?)<\/section>/g)].map((m) => ({title: m[1], body: m[2]}))
    expect(sections.map((s) => s.title)).toEqual(['Events per day', 'Revenue per day', 'Sentiment by product category and hour', 'Data quality over time', 'Lag over time'])
    const points = (body: string) => [...body.matchAll(/<svg id="chart-\d+" data-points="(\d+)"[^>]*>([\s\S]*?)<\/svg>/g)].map((m) => [Number(m[1]), (m[2].match(/<circle class="point/g) ?? []).length])
    // Per chart: [points the page says it has, points drawn]; one chart per series of a colour encoding.
    expect(sections.map((s) => points(s.body))).toEqual([
      [[3, 3]],
      [[3, 3]],
      [[2, 2], [1, 1]],
      [[2, 2]],
      [[2, 2]],
    ])
    mkdirSync(ARTIFACTS, {recursive: true})
    const screenshot = path.join(ARTIFACTS, 'dashboard.png')
    const shot = await browse(url, [`--screenshot=${screenshot}`])
    expect(shot.console).toEqual([])
    expect(statSync(screenshot).size).toBeGreaterThan(20_000)
    expect(execFileSync('file', [screenshot], {encoding: 'utf8'})).toMatch(/PNG image data, 1400 x 2400/)
  }, 240_000)

  it('serves no page for a dashboard that is not published', async () => {
    const id = url.split('/').at(-2)!
    await ws.api('DELETE', `/api/2.0/lakeview/dashboards/${id}/published`)
    expect((await fetch(url)).status).toBe(404)
  })
})
