/**
 * One self-contained HTML page for a report: charts of metrics over time drawn as inline SVG (the
 * baseline band, the line, every point, flagged points in red), tables, and nothing fetched from
 * anywhere (a Content-Security-Policy forbids it). A few lines of inline script check that every chart
 * drew all of its points and mark the page rendered; they add nothing the page needs to be read.
 */

export interface ChartPoint {
  /** Epoch ms. */
  t: number
  value: number | null
  low?: number | null
  high?: number | null
  flagged?: boolean
}

export interface Chart {
  title: string
  unit?: string
  status?: string
  note?: string | null
  /** What t is: a time (default), or a score in thousandths (score bins). */
  x?: 'time' | 'score'
  points: ChartPoint[]
}

export interface HtmlTable {
  headers: string[]
  rows: Array<Array<string | number | null>>
}

export interface HtmlSection {
  title: string
  lines?: string[]
  table?: HtmlTable
  charts: Chart[]
}

export interface HtmlPage {
  title: string
  subtitle: string
  sections: HtmlSection[]
}

const WIDTH = 640
const HEIGHT = 160
const PAD = {left: 56, right: 12, top: 12, bottom: 26}

export function renderHtml(page: HtmlPage): string {
  const charts = page.sections.flatMap((s) => s.charts)
  const manifest = charts.map((chart, i) => ({id: `chart-${i}`, points: chart.points.filter((p) => p.value !== null).length}))
  let index = 0
  const body = page.sections
    .map((section) => {
      const parts = [`<h2>${escape(section.title)}</h2>`]
      for (const line of section.lines ?? []) parts.push(`<p>${escape(line)}</p>`)
      if (section.table) parts.push(table(section.table))
      if (section.charts.length) parts.push(`<div class="charts">${section.charts.map((chart) => chartSvg(chart, `chart-${index++}`)).join('\n')}</div>`)
      return `<section>${parts.join('\n')}</section>`
    })
    .join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(page.title)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e6eb;padding-bottom:4px}
.subtitle{color:#5c6676;margin:0 0 12px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #e3e6eb;padding:3px 8px;text-align:left}
th{background:#f5f7fa}.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;border:1px solid #e3e6eb;border-radius:6px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}figcaption .status{font-weight:400;margin-left:8px;padding:0 6px;border-radius:3px;background:#eef0f3}
figcaption .status.bad{background:#fde2e1;color:#a61b14}.note{color:#5c6676;font-size:12px;margin:4px 0 0}
.band{fill:#cfe3ff;opacity:.7}.line{fill:none;stroke:#2563eb;stroke-width:1.5}.point{fill:#2563eb}.point.flagged{fill:#dc2626}
.axis{stroke:#9aa3b2;stroke-width:1}.tick{fill:#5c6676;font-size:10px}.empty{fill:#9aa3b2;font-size:12px}
</style>
</head>
<body>
<h1>${escape(page.title)}</h1>
<p class="subtitle">${escape(page.subtitle)}</p>
${body}
<script type="application/json" id="chart-manifest">${JSON.stringify(manifest).replaceAll('<', '\\u003c')}</script>
<script>
(function () {
  var manifest = JSON.parse(document.getElementById('chart-manifest').textContent);
  var bad = 0;
  manifest.forEach(function (chart) {
    var svg = document.getElementById(chart.id);
    var drawn = svg ? svg.querySelectorAll('circle.point').length : -1;
    if (drawn !== chart.points) { bad++; console.error('chart ' + chart.id + ' drew ' + drawn + ' of ' + chart.points + ' points'); }
  });
  document.documentElement.setAttribute('data-rendered', bad ? 'incomplete' : 'ok');
  document.documentElement.setAttribute('data-charts', String(manifest.length));
})();
</script>
</body>
</html>
`
}

function chartSvg(chart: Chart, id: string): string {
  const points = chart.points.filter((p) => p.value !== null) as Array<ChartPoint & {value: number}>
  const status = chart.status ? `<span class="status${/OK|LEARNING|UNKNOWN/.test(chart.status) ? '' : ' bad'}">${escape(chart.status)}</span>` : ''
  const caption = `<figcaption>${escape(chart.title)}${status}</figcaption>`
  const note = chart.note ? `<p class="note">${escape(chart.note)}</p>` : ''
  const inner = points.length ? plot(chart, points) : `<text class="empty" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no data in the window</text>`
  return `<figure>${caption}<svg id="${id}" data-points="${points.length}" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escape(chart.title)}">${inner}</svg>${note}</figure>`
}

function plot(chart: Chart, points: Array<ChartPoint & {value: number}>): string {
  const times = points.map((p) => p.t)
  const t0 = Math.min(...times)
  const t1 = Math.max(...times)
  const highs = chart.points.flatMap((p) => [p.value, p.high ?? null]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const top = niceMax(Math.max(...highs, 0))
  const x = (t: number) => PAD.left + (t1 === t0 ? (WIDTH - PAD.left - PAD.right) / 2 : ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right))
  const y = (v: number) => HEIGHT - PAD.bottom - (top === 0 ? 0 : (v / top) * (HEIGHT - PAD.top - PAD.bottom))
  const coord = (n: number) => n.toFixed(1)
  const banded = chart.points.filter((p) => typeof p.low === 'number' && typeof p.high === 'number')
  const band = banded.length
    ? `<polygon class="band" points="${[...banded.map((p) => `${coord(x(p.t))},${coord(y(p.high!))}`), ...[...banded].reverse().map((p) => `${coord(x(p.t))},${coord(y(p.low!))}`)].join(' ')}"/>`
    : ''
  const line = `<path class="line" d="${points.map((p, i) => `${i ? 'L' : 'M'}${coord(x(p.t))},${coord(y(p.value))}`).join(' ')}"/>`
  const unit = chart.unit ? ` ${chart.unit}` : ''
  const xLabel = (t: number) => (chart.x === 'score' ? `score ${(t / 1000).toFixed(3)}` : shortTime(t))
  const dots = points
    .map((p) => `<circle class="point${p.flagged ? ' flagged' : ''}" cx="${coord(x(p.t))}" cy="${coord(y(p.value))}" r="${p.flagged ? 3.5 : 2}"><title>${escape(`${chart.x === 'score' ? xLabel(p.t) : new Date(p.t).toISOString()}: ${formatValue(p.value)}${unit}${typeof p.low === 'number' && typeof p.high === 'number' ? ` (expected ${formatValue(p.low)} .. ${formatValue(p.high)})` : ''}`)}</title></circle>`)
    .join('')
  const axes = `<line class="axis" x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}"/><line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}"/>`
  const ticks = [
    `<text class="tick" x="${PAD.left - 4}" y="${coord(y(top) + 4)}" text-anchor="end">${escape(formatValue(top))}</text>`,
    `<text class="tick" x="${PAD.left - 4}" y="${HEIGHT - PAD.bottom}" text-anchor="end">0</text>`,
    `<text class="tick" x="${PAD.left}" y="${HEIGHT - 8}">${escape(xLabel(t0))}</text>`,
    `<text class="tick" x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">${escape(xLabel(t1))}</text>`,
  ]
  return band + axes + ticks.join('') + line + dots
}

function table(t: HtmlTable): string {
  const head = `<tr>${t.headers.map((h) => `<th>${escape(h)}</th>`).join('')}</tr>`
  const rows = t.rows.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell === null ? '-' : String(cell))}</td>`).join('')}</tr>`).join('')
  return `<table>${head}${rows}</table>`
}

function niceMax(value: number): number {
  if (value <= 0) return 1
  const magnitude = 10 ** Math.floor(Math.log10(value))
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value) ?? value
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value)
  return Math.abs(value) < 1 ? value.toFixed(4) : value.toFixed(1)
}

function shortTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
}

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
}
