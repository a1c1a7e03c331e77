/** Each report as an HTML page (html.ts draws it): its findings as a table, its metrics as charts. */
import type {Finding} from './findings.js'
import type {HtmlPage, HtmlTable} from './html.js'
import type {LagReport} from './lag.js'
import type {ModelReport} from './model.js'
import type {QualityReport} from './quality.js'

export function findingsTable(findings: readonly Finding[]): HtmlTable {
  return {
    headers: ['metric', 'observed', 'expected', 'status', 'since', 'likely cause'],
    rows: findings.map((f) => [f.metric, f.observed, f.expected ? `${f.expected.low ?? ''} .. ${f.expected.high ?? ''}` : null, f.status, f.since, f.cause]),
  }
}

export function qualityPage(r: QualityReport): HtmlPage {
  const byMetric = new Map(r.findings.map((f) => [f.metric, f]))
  return {
    title: `Data quality of ${r.catalog}`,
    subtitle: `Window since ${r.since}, checked at ${r.checked_at}. Bands: the seasonal baseline (median +- k x 1.4826 x MAD); red points: anomalies.`,
    sections: [
      {
        title: 'Window',
        lines: [
          `${r.rows_in} rows received in ${r.batches} batches: ${r.rows_valid} valid, ${r.rows_written} written, ${r.duplicates_dropped} duplicates dropped, ${r.rows_quarantined} quarantined.`,
        ],
        charts: [],
      },
      {title: 'Findings', table: findingsTable(r.findings.filter((f) => f.status !== 'OK')), charts: []},
      {
        title: 'Metrics over time',
        charts: r.series.map((s) => {
          const finding = byMetric.get(s.metric)
          return {
            title: s.metric,
            unit: s.kind === 'seconds' ? 's' : s.kind === 'count' ? 'rows' : undefined,
            status: finding?.status,
            note: finding?.cause,
            points: s.points.map((p) => ({t: Date.parse(p.hour), value: p.value, low: p.low, high: p.high, flagged: p.status === 'ANOMALY'})),
          }
        }),
      },
    ],
  }
}

export function lagPage(r: LagReport): HtmlPage {
  return {
    title: `Streaming lag of ${r.catalog}`,
    subtitle: `Window since ${r.since}, checked at ${r.checked_at}. Bands: 0 up to the lag SLO; red points: over it.`,
    sections: [
      {
        title: 'Layers',
        table: {
          headers: ['layer', 'lag status', 'batches', 'rows', 'rows/s', 'p50 s', 'p95 s', 'max s', 'now s', 'offsets behind', 'SLO s', 'cause'],
          rows: r.layers.map((l) => [l.layer, l.lag_status, l.batches, l.rows, l.avg_rows_per_second, l.lag_p50_seconds, l.lag_p95_seconds, l.lag_max_seconds, l.current_lag_seconds, l.offsets_behind, l.slo_seconds, l.lag_cause]),
        },
        charts: [],
      },
      {title: 'Findings', table: findingsTable(r.findings), charts: []},
      {
        title: 'Lag over time',
        charts: r.layers.flatMap((l) => {
          const points = r.series[l.layer] ?? []
          return [
            {
              title: `seconds behind of ${l.layer}`,
              unit: 's',
              status: l.lag_status,
              note: l.lag_cause,
              points: points.map((p) => ({t: Date.parse(p.at), value: p.lag_seconds, low: 0, high: l.slo_seconds, flagged: (p.lag_seconds ?? 0) > l.slo_seconds})),
            },
            {title: `offsets behind of ${l.layer}`, unit: 'records', points: points.map((p) => ({t: Date.parse(p.at), value: p.offsets_behind}))},
          ]
        }),
      },
    ],
  }
}

export function modelPage(r: ModelReport): HtmlPage {
  return {
    title: `Model ${r.model}`,
    subtitle: `Endpoint ${r.endpoint}, window since ${r.since}, checked at ${r.checked_at}.${r.inference_note ? ` ${r.inference_note}.` : ''}`,
    sections: [
      {
        title: 'Versions',
        table: {
          headers: ['version', 'aliases', 'requests', 'error rate', 'p50 ms', 'p95 ms', 'p99 ms', 'scored', 'PSI', 'labelled', 'accuracy'],
          rows: r.versions.map((v) => [v.version, v.aliases.join(', '), v.requests, v.error_rate, v.latency_p50_ms, v.latency_p95_ms, v.latency_p99_ms, v.scored, v.psi, v.labelled, v.accuracy]),
        },
        charts: [],
      },
      {title: 'Findings', table: findingsTable(r.findings), charts: []},
      {
        title: 'Latency and score distribution',
        charts: [
          ...[...new Set(r.latency.map((l) => l.version))].map((version) => ({
            title: `latency p95 of version ${version} (hourly)`,
            unit: 'ms',
            points: r.latency.filter((l) => l.version === version).map((l) => ({t: Date.parse(l.hour), value: l.p95_ms})),
          })),
          ...r.versions
            .filter((v) => v.bins)
            .map((v) => {
              const total = v.bins!.actual.reduce((a, b) => a + b, 0) || 1
              // One point per score bin, placed at the bin's middle score; the band is the training share.
              return {
                title: `live score share per bin of version ${v.version} (band: training), PSI ${v.psi ?? 'n/a'}`,
                x: 'score' as const,
                points: v.bins!.actual.map((count, i) => ({
                  t: Math.round(((v.bins!.edges[i] + v.bins!.edges[i + 1]) / 2) * 1000),
                  value: Math.round((count / total) * 10_000) / 10_000,
                  low: 0,
                  high: v.bins!.expected[i],
                })),
              }
            }),
        ],
      },
    ],
  }
}
