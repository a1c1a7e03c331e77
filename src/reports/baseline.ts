/**
 * Robust seasonal baselines for hourly metrics. Each hour is judged against the hours before it that
 * share its season (hour of day; hour of week once there are enough weeks): their median, and a band of
 * k x 1.4826 x MAD around it (1.4826 x MAD estimates a standard deviation without being moved by
 * outliers). Hours judged anomalous are left out of the baseline of the hours after them, so an incident
 * does not teach the baseline that it is normal. Until minHistoryDays of history exist, a metric is
 * LEARNING: shown, never an alarm.
 *
 * A season has few samples (one a day), so its MAD alone is a shaky spread: three floors keep the band
 * from collapsing. The MAD is taken over the neighbouring seasons too (hour - 1, hour, hour + 1, each
 * against its own median); it is never narrower than the MAD of the whole history's residuals (relative
 * to each season's median for counts, so a daily cycle scales it); and never narrower than the noise the
 * kind of metric has by nature (Poisson for counts, binomial for ratios of rows, a fixed floor for times).
 */

export type MetricKind = 'count' | 'ratio' | 'seconds'

export interface HourPoint {
  /** Start of the hour, epoch ms (UTC). */
  hour: number
  /** null: nothing to judge that hour (a ratio of no rows). */
  value: number | null
  /** Ratios: the rows the ratio is of (the binomial floor needs it). */
  weight?: number
}

export interface BaselineOptions {
  k: number
  minHistoryDays: number
  historyDays: number
  weeklyAfterWeeks: number
}

export interface SeriesSpec {
  kind: MetricKind
  /** 'up': only values above the band are anomalous (null rates, quarantine, freshness). */
  direction: 'both' | 'up'
  /** Seconds: the least spread the band assumes (default 30 s). */
  secondsFloor?: number
}

export type PointStatus = 'OK' | 'ANOMALY' | 'LEARNING' | 'UNKNOWN'

export interface JudgedPoint {
  hour: number
  value: number | null
  median: number | null
  low: number | null
  high: number | null
  status: PointStatus
}

export const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
const WEEK_HOURS = 168
/** 1.4826 x MAD estimates the standard deviation of normally distributed values. */
export const MAD_SCALE = 1.4826
/** A season needs this many samples before its median means anything. */
const MIN_SEASON_SAMPLES = 3
/** Variance of a sample median relative to the spread, times n: (pi / 2) for normal data. */
const MEDIAN_ERROR = Math.PI / 2

interface Sample {
  hour: number
  value: number
}

/** Judges every point in order; `points` are hourly, oldest first, one per hour (gaps filled by the caller). */
export function judgeSeries(points: readonly HourPoint[], spec: SeriesSpec, options: BaselineOptions): JudgedPoint[] {
  if (points.length === 0) return []
  const start = points[0].hour
  const history = {daily: new Seasons(false), weekly: new Seasons(true)}
  const judged: JudgedPoint[] = []
  let pooled: {day: number; spread: number} | undefined
  for (const point of points) {
    const base = {hour: point.hour, value: point.value, median: null, low: null, high: null}
    // The baseline: earlier hours within historyDays that were not outliers.
    const oldest = point.hour - options.historyDays * DAY_MS
    const spanDays = (point.hour - start) / DAY_MS
    const seasons = spanDays >= options.weeklyAfterWeeks * 7 ? history.weekly : history.daily
    const band = spanDays < options.minHistoryDays ? undefined : bandFor(point, seasons, oldest, spec, options, () => {
      const day = Math.floor(point.hour / DAY_MS)
      if (pooled?.day !== day) pooled = {day, spread: pooledSpread(history.daily, oldest, spec)}
      return pooled.spread
    })
    let status: PointStatus
    // Outliers on either side stay out of the baseline (leaving out only the alarmed side would drag the
    // median towards the other one); only the alarmed side is an anomaly.
    const high = band !== undefined && point.value !== null && point.value > band.high
    const low = band !== undefined && point.value !== null && point.value < band.low
    if (point.value === null) status = 'UNKNOWN'
    else if (!band) status = 'LEARNING'
    else status = high || (spec.direction === 'both' && low) ? 'ANOMALY' : 'OK'
    judged.push(band ? {...base, ...band, status} : {...base, status})
    if (point.value !== null && !high && !low) {
      history.daily.add(point.hour, point.value)
      history.weekly.add(point.hour, point.value)
    }
  }
  return judged
}

/** Samples by season (hour of day or hour of week), oldest first within each. */
class Seasons {
  readonly count: number
  private readonly samples = new Map<number, Sample[]>()

  constructor(readonly weekly: boolean) {
    this.count = weekly ? WEEK_HOURS : 24
  }

  add(hour: number, value: number): void {
    const season = seasonOf(hour, this.weekly)
    let list = this.samples.get(season)
    if (!list) this.samples.set(season, (list = []))
    list.push({hour, value})
  }

  /** The values of a season since `oldest` (older ones are dropped for good). */
  values(season: number, oldest: number): number[] {
    const list = this.samples.get(((season % this.count) + this.count) % this.count)
    if (!list) return []
    while (list.length && list[0].hour < oldest) list.shift()
    return list.map((s) => s.value)
  }

  seasonOf(hour: number): number {
    return seasonOf(hour, this.weekly)
  }
}

function bandFor(
  point: HourPoint,
  seasons: Seasons,
  oldest: number,
  spec: SeriesSpec,
  options: BaselineOptions,
  pooled: () => number,
): {median: number; low: number; high: number} | undefined {
  const season = seasons.seasonOf(point.hour)
  const own = seasons.values(season, oldest)
  if (own.length < MIN_SEASON_SAMPLES) return undefined
  const median = medianOf(own)
  const residuals: number[] = []
  for (const values of [seasons.values(season - 1, oldest), own, seasons.values(season + 1, oldest)]) {
    if (values.length < MIN_SEASON_SAMPLES) continue
    const m = medianOf(values)
    for (const v of values) residuals.push(Math.abs(v - m))
  }
  const seasonal = MAD_SCALE * medianOf(residuals)
  const relative = spec.kind === 'count'
  // The median of n samples is itself off by about 1.2533 x spread / sqrt(n): the band allows for it.
  const spread = Math.max(seasonal, relative ? pooled() * median : pooled(), natural(spec, median, point.weight)) * Math.sqrt(1 + MEDIAN_ERROR / own.length)
  const k = options.k
  const low = Math.max(0, median - k * spread)
  const high = spec.kind === 'ratio' ? Math.min(1, median + k * spread) : median + k * spread
  return {median, low, high}
}

/**
 * The spread of the whole history: 1.4826 x MAD of every sample against the median of the other samples
 * of its hour of day (relative to it for counts), scaled back by the error that median itself adds. Hour
 * of day even when seasons are weekly (more samples per season); leave-one-out because a sample pulls a
 * median that includes it towards itself, which makes small seasons look calm.
 */
function pooledSpread(daily: Seasons, oldest: number, spec: SeriesSpec): number {
  const residuals: number[] = []
  let inflation = 0
  for (let season = 0; season < daily.count; season++) {
    const values = daily.values(season, oldest)
    if (values.length <= MIN_SEASON_SAMPLES) continue
    const sorted = values.sort((a, b) => a - b)
    for (let i = 0; i < sorted.length; i++) {
      const m = medianWithout(sorted, i)
      if (spec.kind !== 'count') residuals.push(Math.abs(sorted[i] - m))
      else if (m > 0) residuals.push(Math.abs(sorted[i] / m - 1))
      else continue
      inflation += 1 + MEDIAN_ERROR / (sorted.length - 1)
    }
  }
  return residuals.length ? (MAD_SCALE * medianOf(residuals)) / Math.sqrt(inflation / residuals.length) : 0
}

/** The spread a metric of this kind has even without any real change (sampling noise). */
function natural(spec: SeriesSpec, median: number, weight: number | undefined): number {
  if (spec.kind === 'count') return Math.sqrt(Math.max(1, median))
  if (spec.kind === 'seconds') return spec.secondsFloor ?? 30
  const n = Math.max(1, weight ?? 1)
  const p = Math.min(1, Math.max(median, 1 / n))
  return Math.sqrt((p * (1 - p)) / n) || 1 / n
}

function seasonOf(hour: number, weekly: boolean): number {
  const hours = Math.floor(hour / HOUR_MS)
  // Epoch hour 0 is a Thursday 00:00 UTC; hour of week counts from Monday 00:00.
  return weekly ? (hours + 72) % WEEK_HOURS : hours % 24
}

export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The median of `sorted` without its element at `skip`. */
function medianWithout(sorted: readonly number[], skip: number): number {
  const at = (k: number) => sorted[k < skip ? k : k + 1]
  const n = sorted.length - 1
  return n % 2 ? at(n >> 1) : (at(n / 2 - 1) + at(n / 2)) / 2
}

/** The first hour of the anomalous run that ends at the last judged point (undefined when it is not anomalous). */
export function anomalySince(judged: readonly JudgedPoint[]): number | undefined {
  let since: number | undefined
  for (let i = judged.length - 1; i >= 0 && judged[i].status === 'ANOMALY'; i--) since = judged[i].hour
  return since
}
