/**
 * What every report says, in one shape: a finding per metric with the observed value, the expected
 * range, a status, since when and (when known) the likely cause. Fixed thresholds, anomaly baselines,
 * Burrow lag statuses and model limits all end up as findings, so --json and the exit code read alike.
 */

/**
 * OK: within range. LEARNING: too little history to judge (never an alarm). ANOMALY: outside the
 * seasonal baseline. BREACH: over a fixed limit. WARN / STALL / STOP / REWIND: Burrow's lag statuses.
 * UNKNOWN: nothing to judge from (no data, or no source configured).
 */
export type FindingStatus = 'OK' | 'LEARNING' | 'ANOMALY' | 'BREACH' | 'WARN' | 'STALL' | 'STOP' | 'REWIND' | 'UNKNOWN'

export interface ExpectedRange {
  low: number | null
  high: number | null
}

export interface Finding {
  metric: string
  observed: number | null
  expected: ExpectedRange | null
  status: FindingStatus
  /** ISO time the current status began, when known. */
  since: string | null
  cause: string | null
}

/** Statuses that fail a report (exit 3); WARN is shown but holds, as LEARNING and UNKNOWN do. */
const FAILING = new Set<FindingStatus>(['ANOMALY', 'BREACH', 'STALL', 'STOP', 'REWIND'])

export function isFailing(finding: Pick<Finding, 'status'>): boolean {
  return FAILING.has(finding.status)
}

/** A fixed limit: BREACH above `max` (or below `min`). */
export function limitFinding(metric: string, observed: number | null, limit: {min?: number; max?: number}, cause: string | null = null): Finding {
  const expected = {low: limit.min ?? null, high: limit.max ?? null}
  if (observed === null) return {metric, observed, expected, status: 'UNKNOWN', since: null, cause}
  const breached = (limit.max !== undefined && observed > limit.max) || (limit.min !== undefined && observed < limit.min)
  return {metric, observed, expected, status: breached ? 'BREACH' : 'OK', since: null, cause: breached ? cause : null}
}
