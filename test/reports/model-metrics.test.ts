/** The model report's statistics (src/reports/model-metrics.ts): percentiles, score bins, PSI. */
import {describe, expect, it} from 'vitest'

import {binCounts, parseScoreBins, percentile, psi, scoreBins} from '../../src/reports/model-metrics.js'
import {seeded} from '../helpers/history.js'

describe('model metrics', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({length: 100}, (_, i) => i + 1)
    expect([percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99), percentile(values, 1)]).toEqual([50, 95, 99, 100])
    expect(percentile([7], 0.99)).toBe(7)
    expect(percentile([], 0.5)).toBeNull()
  })

  it('bins training scores by quantiles, each bin holding about a tenth', () => {
    const random = seeded(1)
    const scores = Array.from({length: 5000}, () => random() ** 2)
    const bins = scoreBins(scores)
    expect(bins.edges[0]).toBe(0)
    expect(bins.edges.at(-1)).toBe(1)
    expect(bins.expected).toHaveLength(10)
    for (const share of bins.expected) expect(share).toBeCloseTo(0.1, 1)
    expect(parseScoreBins(JSON.stringify(bins))).toEqual(bins)
    expect(parseScoreBins('{"edges":[0,1]}')).toBeUndefined()
  })

  it('gives a PSI near 0 for the same distribution and a large one for a shifted one', () => {
    const random = seeded(2)
    const training = Array.from({length: 20_000}, () => random())
    const bins = scoreBins(training)
    const same = Array.from({length: 20_000}, () => random())
    const shifted = Array.from({length: 20_000}, () => Math.min(1, random() * 0.6 + 0.4))
    expect(psi(bins.expected, binCounts(same, bins.edges))!).toBeLessThan(0.01)
    expect(psi(bins.expected, binCounts(shifted, bins.edges))!).toBeGreaterThan(0.25)
    expect(psi(bins.expected, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toBeNull()
  })
})
