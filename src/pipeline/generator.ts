/**
 * Deterministic synthetic customer events for `lakectl local produce` and the tests: each item is one
 * Kafka record value (a JSON line as in DESIGN section 1). The same options always give the same
 * stream. Besides valid events it emits exact duplicates of earlier valid events (some much later),
 * malformed values, records breaking each Silver rule (and several at once) and late events.
 * Valid events are built with template strings, not JSON.stringify: a million take about a second.
 */

export const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'review'] as const
export type EventType = (typeof EVENT_TYPES)[number]

export interface GeneratorOptions {
  count: number
  seed?: number
  /** Share of records that are exact copies of an earlier valid event. */
  duplicateFraction?: number
  /** Share of records that are not a JSON object. */
  malformedFraction?: number
  /** Share of the other events whose timestamp lies 1 hour to 3 days before their place in the stream. */
  lateFraction?: number
  /** Share of records that are JSON objects breaking one or more Silver rules. */
  invalidFraction?: number
  /**
   * Share of valid events given an edge case where engines tend to differ: amounts such as 12345678.5
   * and 1.000, ratings such as 4.0, event times just before or after a UTC midnight (with Z, +02:00 and
   * -05:00 offsets), unicode and SQL-looking review text. 0 (the default) leaves the stream unchanged.
   */
  edgeCaseFraction?: number
  /** Event time of the first record; later records follow at eventsPerSecond. */
  startTime?: Date | string
  /** Customer ids C000001.. up to this number (resources/data has 500: the rest are unknown). */
  customers?: number
  /** Product ids P0001.. up to this number (resources/data has 100: the rest are unknown). */
  products?: number
  /** Pace of event times. */
  eventsPerSecond?: number
}

export const GENERATOR_DEFAULTS = {
  seed: 1,
  duplicateFraction: 0.05,
  malformedFraction: 0.01,
  lateFraction: 0.02,
  invalidFraction: 0.03,
  edgeCaseFraction: 0,
  startTime: '2026-11-26T00:00:00.000Z',
  customers: 550,
  products: 110,
  eventsPerSecond: 100,
} as const

const TYPE_WEIGHTS: Array<[EventType, number]> = [
  ['view', 0.45],
  ['click', 0.25],
  ['add_to_cart', 0.12],
  ['purchase', 0.08],
  ['review', 0.1],
]
const OFFSETS = [
  ['+02:00', 120],
  ['-05:00', -300],
  ['+05:30', 330],
  ['+00:00', 0],
  ['-03:30', -210],
] as const
const HOUR_MS = 3_600_000
const SESSION_MS = 30 * 60_000
const REMEMBERED = 512

/** Small vocabularies so that a model can learn sentiment from the text (ratings agree with it). */
const NOUNS = ['product', 'quality', 'delivery', 'packaging', 'price', 'design', 'battery', 'fit', 'service', 'material']
const WORDS = {
  positive: ['great', 'excellent', 'fantastic', 'wonderful', 'perfect', 'amazing', 'lovely', 'superb'],
  negative: ['terrible', 'awful', 'broken', 'disappointing', 'poor', 'useless', 'horrible', 'flimsy'],
  neutral: ['okay', 'average', 'fine', 'decent', 'ordinary', 'acceptable'],
}
type Sentiment = keyof typeof WORDS
const TEMPLATES: Record<Sentiment, Array<(noun: string, word: string) => string>> = {
  positive: [
    (n, w) => `The ${n} is ${w}.`,
    (n, w) => `${capitalise(w)} ${n}, would buy again!`,
    (n, w) => `Really ${w} ${n} and fast delivery.`,
  ],
  negative: [
    (n, w) => `The ${n} is ${w}.`,
    (n, w) => `${capitalise(w)} ${n}, would not buy again.`,
    (n, w) => `Not good: the ${n} was ${w}.`,
  ],
  neutral: [
    (n, w) => `The ${n} is ${w}.`,
    (n, w) => `${capitalise(w)} ${n}, nothing special.`,
    (n, w) => `It is ${w} for the price.`,
  ],
}

interface EventFields {
  event_id: string
  customer_id: string
  event_type: string
  product_id: string
  timestamp: string
  session_id: string | null
  /** A number, or the exact JSON text of one (e.g. '1.000'). */
  amount: number | string | null
  rating: number | string | null
  review_text: string | null
}

/** Amounts and ratings written as JSON numbers in spellings that engines render differently. */
const EDGE_AMOUNTS = ['12345678.5', '1.000', '0', '0.10', '1e3', '9999999999.99', '"12.50"']
const EDGE_RATINGS = ['4.0', '5.0', '1e0', '"2"']
const EDGE_REVIEWS = [
  'Très bien, the quality is great — 日本語のレビュー 👍',
  "Great'); DROP TABLE silver.customers; --",
  "1' OR '1'='1 -- terrible",
  'He said "perfect" \\ then \\n left',
  'Ünïcödé ☃ excellent\ttab',
]
/** Times around a UTC midnight: [offset from midnight in ms, UTC offset to write it with]. */
const EDGE_TIMES: Array<[number, string]> = [
  [-1, 'Z'],
  [0, 'Z'],
  [-1000, '+02:00'],
  [0, '+02:00'],
  [1, '-05:00'],
  [-1, '-05:00'],
  [30 * 60_000, '-05:00'],
]

export function* generateEvents(options: GeneratorOptions): Generator<string> {
  const o = {...GENERATOR_DEFAULTS, ...definedOnly(options), count: options.count}
  if (!Number.isSafeInteger(o.count) || o.count < 0) throw new Error(`count must be a non-negative integer, got ${o.count}`)
  for (const key of ['duplicateFraction', 'malformedFraction', 'invalidFraction', 'lateFraction'] as const) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new Error(`${key} must be between 0 and 1`)
  }
  if (o.duplicateFraction + o.malformedFraction + o.invalidFraction > 1) throw new Error('the fractions add up to more than 1')
  const random = mulberry32(o.seed)
  const startMs = new Date(o.startTime).getTime()
  if (Number.isNaN(startMs)) throw new Error(`startTime '${o.startTime}' is not a date`)
  const idPrefix = `evt-${(o.seed >>> 0).toString(16).padStart(8, '0')}-`
  // Duplicates copy a recent event or, a third of the time, one sampled from the whole stream so far.
  const recent: string[] = []
  const sample: string[] = []
  let validSeen = 0

  const makeEvent = (index: number): EventFields => {
    const customer = 1 + Math.floor(random() * o.customers)
    const type = weighted(random(), TYPE_WEIGHTS)
    let timeMs = startMs + Math.floor((index * 1000) / o.eventsPerSecond) + Math.floor(random() * 1000)
    if (random() < o.lateFraction) timeMs -= HOUR_MS + Math.floor(random() * 71 * HOUR_MS)
    const event: EventFields = {
      event_id: idPrefix + index.toString().padStart(9, '0'),
      customer_id: `C${(customer).toString().padStart(6, '0')}`,
      event_type: type,
      product_id: `P${(1 + Math.floor(random() * o.products)).toString().padStart(4, '0')}`,
      timestamp: formatTimestamp(timeMs, random()),
      session_id: random() < 0.9 ? `S${customer}-${Math.floor(timeMs / SESSION_MS)}` : null,
      amount: null,
      rating: null,
      review_text: null,
    }
    if (type === 'purchase' || (type === 'add_to_cart' && random() < 0.5)) event.amount = (100 + Math.floor(random() * 50_000)) / 100
    if (type === 'review') {
      const sentiment: Sentiment = random() < 0.45 ? 'positive' : random() < 0.64 ? 'negative' : 'neutral'
      event.review_text = reviewText(sentiment, random)
      event.rating = sentiment === 'positive' ? 4 + Math.floor(random() * 2) : sentiment === 'negative' ? 1 + Math.floor(random() * 2) : 3
    }
    if (o.edgeCaseFraction > 0 && random() < o.edgeCaseFraction) edgeCase(event, timeMs, random)
    return event
  }

  for (let index = 0; index < o.count; index++) {
    const roll = random()
    if (roll < o.duplicateFraction && validSeen > 0) {
      const pool = sample.length > 0 && random() < 1 / 3 ? sample : recent
      yield pool[Math.floor(random() * pool.length)]
      continue
    }
    if (roll < o.duplicateFraction + o.malformedFraction) {
      yield malformedValue(serialize(makeEvent(index)), random)
      continue
    }
    const event = makeEvent(index)
    if (roll < o.duplicateFraction + o.malformedFraction + o.invalidFraction) {
      yield breakRules(event, random)
      continue
    }
    const json = serialize(event)
    validSeen++
    if (recent.length < REMEMBERED) recent.push(json)
    else recent[validSeen % REMEMBERED] = json
    // Reservoir sampling keeps a uniform sample of every valid event so far.
    if (sample.length < REMEMBERED) sample.push(json)
    else if (random() < REMEMBERED / validSeen) sample[Math.floor(random() * REMEMBERED)] = json
    yield json
  }
}

/** Gives a valid event one edge case (see GeneratorOptions.edgeCaseFraction); it stays valid. */
function edgeCase(event: EventFields, timeMs: number, random: () => number): void {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
  const kind = Math.floor(random() * 4)
  if (kind === 0) {
    event.event_type = 'purchase'
    event.amount = pick(EDGE_AMOUNTS)
  } else if (kind === 1) {
    event.event_type = 'review'
    event.rating = pick(EDGE_RATINGS)
    event.review_text = pick(EDGE_REVIEWS)
  } else if (kind === 2) {
    event.event_type = 'review'
    event.rating = 1 + Math.floor(random() * 5)
    event.review_text = pick(EDGE_REVIEWS)
  } else {
    const [delta, offset] = pick(EDGE_TIMES)
    const midnight = Math.ceil(timeMs / 86_400_000) * 86_400_000
    event.timestamp = withOffset(midnight + delta, offset)
  }
}

/** The instant written in local time at the given UTC offset, with milliseconds. */
function withOffset(instantMs: number, offset: string): string {
  const minutes = offset === 'Z' ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)))
  return new Date(instantMs + minutes * 60_000).toISOString().slice(0, 23) + offset
}

/** The fast path for valid events; absent optional fields are written as null. */
function serialize(e: EventFields): string {
  return (
    `{"event_id":"${e.event_id}","customer_id":"${e.customer_id}","event_type":"${e.event_type}",` +
    `"product_id":"${e.product_id}","timestamp":"${e.timestamp}",` +
    `"session_id":${e.session_id === null ? 'null' : `"${e.session_id}"`},` +
    `"amount":${e.amount === null ? 'null' : e.amount},"rating":${e.rating === null ? 'null' : e.rating},` +
    `"review_text":${e.review_text === null ? 'null' : JSON.stringify(e.review_text)}}`
  )
}

const TWO_DIGITS = Array.from({length: 60}, (_, i) => String(i).padStart(2, '0'))
const THREE_DIGITS = Array.from({length: 1000}, (_, i) => String(i).padStart(3, '0'))
let cachedHour = NaN
let cachedHourPrefix = ''

/** 'YYYY-MM-DDTHH:MM:SS' and the milliseconds; Date.toISOString runs once per hour, not per event. */
function isoSeconds(timeMs: number): [string, number] {
  const hour = Math.floor(timeMs / HOUR_MS)
  if (hour !== cachedHour) {
    cachedHour = hour
    cachedHourPrefix = new Date(hour * HOUR_MS).toISOString().slice(0, 14)
  }
  const inHour = timeMs - hour * HOUR_MS
  const seconds = Math.floor(inHour / 1000)
  return [`${cachedHourPrefix}${TWO_DIGITS[Math.floor(seconds / 60)]}:${TWO_DIGITS[seconds % 60]}`, inHour % 1000]
}

/** Mostly UTC with milliseconds; some without fractions, some with a UTC offset (the same instant). */
function formatTimestamp(timeMs: number, roll: number): string {
  if (roll < 0.9) {
    const [seconds, millis] = isoSeconds(timeMs)
    return roll < 0.8 ? `${seconds}.${THREE_DIGITS[millis]}Z` : `${seconds}Z`
  }
  const [offset, minutes] = OFFSETS[Math.floor((roll - 0.9) * 10 * OFFSETS.length)]
  const [seconds, millis] = isoSeconds(timeMs + minutes * 60_000)
  return `${seconds}.${THREE_DIGITS[millis]}${offset}`
}

function reviewText(sentiment: Sentiment, random: () => number): string {
  const sentence = () => {
    const template = TEMPLATES[sentiment][Math.floor(random() * TEMPLATES[sentiment].length)]
    return template(NOUNS[Math.floor(random() * NOUNS.length)], WORDS[sentiment][Math.floor(random() * WORDS[sentiment].length)])
  }
  return random() < 0.5 ? sentence() : `${sentence()} ${sentence()}`
}

/** Values Spark and DuckDB both reject as JSON objects (no edge cases where their parsers differ). */
function malformedValue(validJson: string, random: () => number): string {
  const variants = [
    () => validJson.slice(0, 1 + Math.floor(random() * (validJson.length - 2))),
    () => 'not json at all',
    () => '[1,2,3]',
    () => '"just a string"',
    () => 'null',
    () => '42',
    () => '',
    () => '{event_id: 42}',
  ]
  return variants[Math.floor(random() * variants.length)]()
}

const REQUIRED = ['event_id', 'customer_id', 'product_id', 'event_type', 'timestamp'] as const
const BAD_TIMESTAMPS: unknown[] = [
  'not-a-date',
  '2026-13-45T25:61:00Z',
  '2026-02-30T10:00:00Z',
  '2026-11-26 08:00:00Z',
  '2026-11-26T08:00:00',
  '2026-11-26T08:00:00+0200',
  '26/11/2026 08:00',
  1764144000,
]

/** An event breaking one rule (or, for the last cases, several), serialised with JSON.stringify. */
function breakRules(event: EventFields, random: () => number): string {
  const e: Record<string, unknown> = {...event}
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
  const makeReview = () => {
    e.event_type = 'review'
    e.rating = 4
    e.review_text = 'The product is great.'
  }
  const cases = [
    () => {
      const field = pick(REQUIRED)
      const how = random()
      if (how < 0.4) delete e[field]
      else e[field] = how < 0.7 ? '' : null
    },
    () => (e.event_type = pick(['VIEW', 'signup', 'refund', 'Purchase', 'page view'])),
    () => (e.timestamp = pick(BAD_TIMESTAMPS)),
    () => {
      e.event_type = 'purchase'
      const how = random()
      if (how < 0.25) delete e.amount
      else e.amount = pick([-5.5, 'abc', 12.345, '', -0.01])
    },
    () => {
      e.event_type = 'view'
      e.amount = -1
    },
    () => {
      makeReview()
      const how = random()
      if (how < 0.2) delete e.rating
      else e.rating = pick([9, 0, 4.5, 'five', -1])
    },
    () => (e.rating = 7),
    () => {
      makeReview()
      if (random() < 0.5) delete e.review_text
      else e.review_text = ''
    },
    () => {
      makeReview()
      e.rating = 9
      e.review_text = ''
      e.timestamp = 'yesterday'
    },
    () => {
      e.event_type = 'purchase'
      delete e.customer_id
      e.amount = -20
    },
  ]
  pick(cases)()
  return JSON.stringify(e)
}

function weighted<T>(roll: number, weights: Array<[T, number]>): T {
  for (const [value, weight] of weights) {
    if (roll < weight) return value
    roll -= weight
  }
  return weights[weights.length - 1][0]
}

function capitalise(word: string): string {
  return word[0].toUpperCase() + word.slice(1)
}

/** A small, fast, seedable PRNG (uniform in [0, 1)). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
