/**
 * An independent, plain-TypeScript model of DESIGN section 1 (Silver's rules, Gold's aggregates), used
 * by tests to check the SQL: feed it the same Bronze records in the same micro-batches and compare.
 * It is written from the DESIGN text, not from the SQL: it parses with JSON.parse, validates dates by
 * hand and does decimal arithmetic in integer cents.
 *
 * Representations (what tests select from the tables to compare): timestamps as epoch microseconds,
 * dates as 'YYYY-MM-DD', decimals as text with two decimals ('12.50').
 */
import type {SentimentScorer} from './duckdb.js'
import type {ReferenceData} from './reference-data.js'

export const REJECT_REASONS = [
  'MALFORMED_JSON',
  'MISSING_FIELD',
  'INVALID_EVENT_TYPE',
  'INVALID_TIMESTAMP',
  'INVALID_AMOUNT',
  'INVALID_RATING',
  'MISSING_REVIEW_TEXT',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

const EVENT_TYPES = new Set(['view', 'click', 'add_to_cart', 'purchase', 'review'])
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:Z|([+-])(\d{2}):(\d{2}))$/
/** Text that reads as a number: an optional sign, digits, optional fraction and exponent. */
const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/
const HOUR_US = 3_600_000_000

/** A Bronze row: where the record sat in Kafka and when Bronze landed it. */
export interface BronzeRecord {
  topic: string
  partition: number
  offset: number
  value: string | null
  key?: string | null
  kafkaTimestamp?: Date | null
  ingestTs: Date
}

export interface ValidEvent {
  event_id: string
  customer_id: string
  event_type: string
  product_id: string
  /** Epoch microseconds, UTC. */
  event_ts: number
  session_id: string | null
  /** Two decimals, e.g. '12.50'. */
  amount: string | null
  rating: number | null
  review_text: string | null
}

export type Validation = {reasons: RejectReason[]; event: ValidEvent | null; eventId: string | null}

export interface SilverRow extends ValidEvent {
  event_date: string
  customer_segment: string | null
  country: string | null
  product_category: string | null
  sentiment_score: number | null
  sentiment_label: string | null
  model_version: string | null
  /** Epoch microseconds. */
  ingest_ts: number
  source_topic: string
  source_partition: number
  source_offset: number
  silver_batch_id: number
}

export interface QuarantineRow {
  value: string | null
  reasons: string
  event_id: string | null
  source_topic: string
  source_partition: number
  source_offset: number
  silver_batch_id: number
}

export interface SilverFigures {
  rows_in: number
  rows_valid: number
  rows_quarantined: number
  duplicates_dropped: number
  rows_written: number
  /** Among the rows written: distinct customers and the event-time range (epoch microseconds). */
  distinct_customers: number
  min_event_ts: number | null
  max_event_ts: number | null
  /** Rows written with a sentiment score, their mean score and the newest version that scored them. */
  scored_rows: number
  mean_score: number | null
  model_version: string | null
  reason_counts: Record<RejectReason, number>
}

/** The event and score figures of the rows a Silver batch wrote (silver/figures.sql). */
function eventFigures(rows: SilverRow[]): Pick<SilverFigures, 'distinct_customers' | 'min_event_ts' | 'max_event_ts' | 'scored_rows' | 'mean_score' | 'model_version'> {
  const times = rows.map((row) => row.event_ts)
  const scored = rows.filter((row) => row.sentiment_score !== null)
  const versions = scored.map((row) => row.model_version).filter((v): v is string => v !== null)
  return {
    distinct_customers: new Set(rows.map((row) => row.customer_id)).size,
    min_event_ts: times.length ? Math.min(...times) : null,
    max_event_ts: times.length ? Math.max(...times) : null,
    scored_rows: scored.length,
    mean_score: scored.length ? scored.reduce((sum, row) => sum + row.sentiment_score!, 0) / scored.length : null,
    // max() over strings, as the SQL takes it.
    model_version: versions.length ? versions.reduce((a, b) => (b > a ? b : a)) : null,
  }
}

export interface DailyRow {
  customer_id: string
  event_date: string
  events: number
  views: number
  clicks: number
  add_to_carts: number
  purchases: number
  reviews: number
  sessions: number
  revenue: string
  avg_sentiment: number | null
  avg_rating: number | null
  first_event_ts: number
  last_event_ts: number
}

export interface SummaryRow {
  /** Epoch microseconds of the start of the UTC hour. */
  event_hour: number
  product_category: string
  event_date: string
  reviews: number
  scored_reviews: number
  avg_sentiment: number | null
  positive_reviews: number
  neutral_reviews: number
  negative_reviews: number
  avg_rating: number | null
}

export interface FeatureRow {
  customer_id: string
  as_of_date: string
  recency_days: number | null
  frequency_30d: number
  monetary_30d: string
  events_30d: number
  sessions_30d: number
  active_days_30d: number
  reviews_30d: number
  avg_sentiment_30d: number | null
  avg_rating_30d: number | null
  tenure_days: number
  lifetime_events: number
  lifetime_revenue: string
}

export interface GoldFigures {
  rows_in: number
  daily_rows_written: number
  summary_rows_written: number
  feature_rows_written: number
}

/** Applies DESIGN section 1's rules to one record value. */
export function validateRecord(value: string | null): Validation {
  let parsed: unknown
  try {
    parsed = value === null ? undefined : JSON.parse(value)
  } catch {
    parsed = undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {reasons: ['MALFORMED_JSON'], event: null, eventId: null}
  const record = parsed as Record<string, unknown>
  const text = (key: string): string | null => {
    const field = record[key]
    if (field === undefined || field === null) return null
    return typeof field === 'string' ? field : JSON.stringify(field)
  }
  const [eventId, customerId, productId, eventType, timestamp] = ['event_id', 'customer_id', 'product_id', 'event_type', 'timestamp'].map(text)
  const amount = text('amount')
  const rating = text('rating')
  const reviewText = text('review_text')
  const eventTs = timestamp === null ? null : parseTimestamp(timestamp)

  const reasons: RejectReason[] = []
  if ([eventId, customerId, productId, eventType, timestamp].some((field) => !field)) reasons.push('MISSING_FIELD')
  if (eventType && !EVENT_TYPES.has(eventType)) reasons.push('INVALID_EVENT_TYPE')
  if (timestamp && eventTs === null) reasons.push('INVALID_TIMESTAMP')
  const amountCents = amount === null ? null : decimalCents(amount)
  const ratingValue = rating === null ? null : decimalCents(rating)
  if ((eventType === 'purchase' && amount === null) || (amount !== null && (amountCents === null || amountCents < 0n))) reasons.push('INVALID_AMOUNT')
  const validRating = ratingValue !== null && ratingValue % 100n === 0n && ratingValue >= 100n && ratingValue <= 500n
  if ((eventType === 'review' && rating === null) || (rating !== null && !validRating)) reasons.push('INVALID_RATING')
  if (eventType === 'review' && !reviewText) reasons.push('MISSING_REVIEW_TEXT')
  if (reasons.length > 0) return {reasons, event: null, eventId}
  return {
    reasons,
    eventId,
    event: {
      event_id: eventId!,
      customer_id: customerId!,
      event_type: eventType!,
      product_id: productId!,
      event_ts: eventTs!,
      session_id: text('session_id'),
      amount: amountCents === null ? null : centsText(Number(amountCents)),
      rating: ratingValue === null ? null : Number(ratingValue / 100n),
      review_text: reviewText,
    },
  }
}

/** ISO-8601 with 'Z' or a ±hh:mm offset, checked field by field; epoch microseconds or null. */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text)
  if (!m) return null
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null
  const offsetMinutes = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0
  if (m[8] && (Number(m[9]) > 18 || Number(m[10]) > 59)) return null
  const micros = m[7] ? Number(m[7].padEnd(6, '0')) : 0
  return (Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000) * 1000 + micros
}

export function utcDate(epochMicros: number): string {
  return new Date(Math.floor(epochMicros / 1000)).toISOString().slice(0, 10)
}

/**
 * A number's exact value in hundredths, from its text (a JSON number as JavaScript renders it, or a
 * string's content): null when the text is not a number, has a non-zero digit past the second decimal,
 * or has more than ten digits before the point (DECIMAL(12,2)). 4, 4.0 and 4e0 are all 400.
 */
function decimalCents(text: string): bigint | null {
  const m = NUMBER.exec(text)
  if (!m) return null
  const [, sign, whole, fraction = '', exponent = '0'] = m
  const digits = whole + fraction
  const shift = Number(exponent) - fraction.length + 2
  if (!Number.isSafeInteger(shift) || shift > 20) return null
  let value: bigint
  if (shift >= 0) {
    value = BigInt(digits) * 10n ** BigInt(shift)
  } else {
    const kept = digits.length + shift
    if (/[1-9]/.test(digits.slice(Math.max(0, kept)))) return null
    value = kept > 0 ? BigInt(digits.slice(0, kept)) : 0n
  }
  if (value >= 10n ** 12n) return null
  return sign === '-' && value !== 0n ? -value : value
}

function cents(amount: string | null): number {
  return amount === null ? 0 : Math.round(Number(amount) * 100)
}

function centsText(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`
}

function labelOf(score: number | null): string | null {
  if (score === null) return null
  return score >= 0.6 ? 'positive' : score <= 0.4 ? 'negative' : 'neutral'
}

function average(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null)
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length
}

function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 86_400_000
}

/**
 * The lakehouse after a sequence of micro-batches. Silver keeps the first valid copy of each event_id in
 * ingestion order (Bronze ingest time, topic, partition, offset) and never replaces a row; quarantine
 * keeps each rejected Bronze position once; quality figures are kept once per (stream, batch).
 * Gold recomputes the keys each batch's new Silver rows touched from all of Silver.
 */
export class ExpectedLakehouse {
  readonly silver = new Map<string, SilverRow>()
  readonly quarantine = new Map<string, QuarantineRow>()
  readonly silverFigures = new Map<string, SilverFigures>()
  readonly daily = new Map<string, DailyRow>()
  readonly summary = new Map<string, SummaryRow>()
  readonly features = new Map<string, FeatureRow>()
  private readonly byCustomer = new Map<string, SilverRow[]>()
  private readonly reviewsByHour = new Map<string, SilverRow[]>()

  constructor(
    private readonly reference: ReferenceData,
    private readonly scorer: SentimentScorer | null,
  ) {}

  /** Runs one Silver micro-batch and returns its figures and the rows it inserted. */
  runSilver(records: BronzeRecord[], batchId: number, stream = 'silver'): {figures: SilverFigures; inserted: SilverRow[]} {
    const ordered = [...records].sort(
      (a, b) =>
        a.ingestTs.getTime() - b.ingestTs.getTime() || compareText(a.topic, b.topic) || a.partition - b.partition || a.offset - b.offset,
    )
    const reasonCounts = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>
    const inserted: SilverRow[] = []
    let valid = 0
    let rejected = 0
    for (const record of ordered) {
      const {reasons, event, eventId} = validateRecord(record.value)
      if (!event) {
        rejected++
        for (const reason of reasons) reasonCounts[reason]++
        const key = `${record.topic}/${record.partition}/${record.offset}`
        if (!this.quarantine.has(key)) {
          this.quarantine.set(key, {
            value: record.value,
            reasons: reasons.join(','),
            event_id: eventId,
            source_topic: record.topic,
            source_partition: record.partition,
            source_offset: record.offset,
            silver_batch_id: batchId,
          })
        }
        continue
      }
      valid++
      if (this.silver.has(event.event_id)) continue
      const row = this.enrich(event, record, batchId)
      this.silver.set(row.event_id, row)
      inserted.push(row)
    }
    this.score(inserted)
    for (const row of inserted) this.index(row)
    const figures: SilverFigures = {
      rows_in: records.length,
      rows_valid: valid,
      rows_quarantined: rejected,
      duplicates_dropped: valid - inserted.length,
      rows_written: inserted.length,
      ...eventFigures(inserted),
      reason_counts: reasonCounts,
    }
    const figuresKey = `${stream}/${batchId}`
    if (!this.silverFigures.has(figuresKey)) this.silverFigures.set(figuresKey, figures)
    return {figures, inserted}
  }

  /** Runs one Gold micro-batch over the given Silver rows (the rows a Silver batch inserted). */
  runGold(batch: SilverRow[]): GoldFigures {
    const days = new Set(batch.map((r) => `${r.customer_id}|${r.event_date}`))
    const hours = new Set(batch.filter((r) => r.event_type === 'review').map((r) => hourKey(r)))
    const customers = new Set(batch.map((r) => r.customer_id))
    for (const key of days) {
      const [customer, date] = key.split('|')
      this.daily.set(key, this.dailyRow(customer, date))
    }
    for (const key of hours) this.summary.set(key, this.summaryRow(this.reviewsByHour.get(key)!))
    for (const customer of customers) {
      const row = this.featureRow(customer)
      this.features.set(`${customer}|${row.as_of_date}`, row)
    }
    return {rows_in: batch.length, daily_rows_written: days.size, summary_rows_written: hours.size, feature_rows_written: customers.size}
  }

  private enrich(event: ValidEvent, record: BronzeRecord, batchId: number): SilverRow {
    const customer = this.reference.customers.get(event.customer_id)
    const product = this.reference.products.get(event.product_id)
    return {
      ...event,
      event_date: utcDate(event.event_ts),
      customer_segment: customer?.customer_segment ?? null,
      country: customer?.country ?? null,
      product_category: product?.product_category ?? null,
      sentiment_score: null,
      sentiment_label: null,
      model_version: null,
      ingest_ts: record.ingestTs.getTime() * 1000,
      source_topic: record.topic,
      source_partition: record.partition,
      source_offset: record.offset,
      silver_batch_id: batchId,
    }
  }

  private score(rows: SilverRow[]): void {
    const reviews = rows.filter((row) => row.event_type === 'review')
    if (!this.scorer || reviews.length === 0) return
    const scores = this.scorer.score(reviews.map((row) => row.review_text))
    reviews.forEach((row, i) => {
      row.sentiment_score = scores[i]
      row.sentiment_label = labelOf(scores[i])
      row.model_version = scores[i] === null ? null : this.scorer!.version
    })
  }

  private index(row: SilverRow): void {
    const rows = this.byCustomer.get(row.customer_id) ?? []
    rows.push(row)
    this.byCustomer.set(row.customer_id, rows)
    if (row.event_type === 'review') {
      const reviews = this.reviewsByHour.get(hourKey(row)) ?? []
      reviews.push(row)
      this.reviewsByHour.set(hourKey(row), reviews)
    }
  }

  private dailyRow(customer: string, date: string): DailyRow {
    const rows = this.byCustomer.get(customer)!.filter((r) => r.event_date === date)
    const count = (type: string) => rows.filter((r) => r.event_type === type).length
    const reviews = rows.filter((r) => r.event_type === 'review')
    return {
      customer_id: customer,
      event_date: date,
      events: rows.length,
      views: count('view'),
      clicks: count('click'),
      add_to_carts: count('add_to_cart'),
      purchases: count('purchase'),
      reviews: reviews.length,
      sessions: new Set(rows.map((r) => r.session_id).filter((s) => s !== null)).size,
      revenue: centsText(rows.filter((r) => r.event_type === 'purchase').reduce((sum, r) => sum + cents(r.amount), 0)),
      avg_sentiment: average(reviews.map((r) => r.sentiment_score)),
      avg_rating: average(reviews.map((r) => r.rating)),
      first_event_ts: Math.min(...rows.map((r) => r.event_ts)),
      last_event_ts: Math.max(...rows.map((r) => r.event_ts)),
    }
  }

  private summaryRow(reviews: SilverRow[]): SummaryRow {
    const hour = Math.floor(reviews[0].event_ts / HOUR_US) * HOUR_US
    const labels = (label: string) => reviews.filter((r) => r.sentiment_label === label).length
    return {
      event_hour: hour,
      product_category: reviews[0].product_category ?? 'unknown',
      event_date: utcDate(hour),
      reviews: reviews.length,
      scored_reviews: reviews.filter((r) => r.sentiment_score !== null).length,
      avg_sentiment: average(reviews.map((r) => r.sentiment_score)),
      positive_reviews: labels('positive'),
      neutral_reviews: labels('neutral'),
      negative_reviews: labels('negative'),
      avg_rating: average(reviews.map((r) => r.rating)),
    }
  }

  private featureRow(customer: string): FeatureRow {
    const rows = this.byCustomer.get(customer)!
    const asOf = Math.max(...rows.map((r) => dayNumber(r.event_date)))
    const window = rows.filter((r) => asOf - dayNumber(r.event_date) < 30)
    const purchases = rows.filter((r) => r.event_type === 'purchase')
    const windowPurchases = window.filter((r) => r.event_type === 'purchase')
    const windowReviews = window.filter((r) => r.event_type === 'review')
    const asOfDate = new Date(asOf * 86_400_000).toISOString().slice(0, 10)
    return {
      customer_id: customer,
      as_of_date: asOfDate,
      recency_days: purchases.length === 0 ? null : asOf - Math.max(...purchases.map((r) => dayNumber(r.event_date))),
      frequency_30d: windowPurchases.length,
      monetary_30d: centsText(windowPurchases.reduce((sum, r) => sum + cents(r.amount), 0)),
      events_30d: window.length,
      sessions_30d: new Set(window.map((r) => r.session_id).filter((s) => s !== null)).size,
      active_days_30d: new Set(window.map((r) => r.event_date)).size,
      reviews_30d: windowReviews.length,
      avg_sentiment_30d: average(windowReviews.map((r) => r.sentiment_score)),
      avg_rating_30d: average(windowReviews.map((r) => r.rating)),
      tenure_days: asOf - Math.min(...rows.map((r) => dayNumber(r.event_date))),
      lifetime_events: rows.length,
      lifetime_revenue: centsText(purchases.reduce((sum, r) => sum + cents(r.amount), 0)),
    }
  }
}

function hourKey(row: SilverRow): string {
  return `${Math.floor(row.event_ts / HOUR_US)}|${row.product_category ?? 'unknown'}`
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

