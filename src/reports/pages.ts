/** Each report as an HTML page (html.ts draws it): its findings as a table, its metrics as charts. */
import type {Finding} from './findings.js'
import type {HtmlPage, HtmlTable} from './html.js'
import type {LagReport} from './lag.js'
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
