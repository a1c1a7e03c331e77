/**
 * Quartz cron expressions, as SQL alert schedules carry them (`quartz_cron_schedule` + `timezone_id`):
 * seconds minutes hours day-of-month month day-of-week [year], with `*`, `?`, lists, ranges, steps and
 * month / weekday names (weekdays 1-7 = SUN-SAT). Quartz's L, W and # are refused (the local workspace
 * does not evaluate them), and so is a schedule that gives both a day of month and a day of week, as
 * Quartz itself refuses it. Matching is per second in the schedule's time zone.
 */
export interface QuartzSchedule {
  matches(at: Date): boolean
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']

interface FieldSpec {
  name: string
  min: number
  max: number
  names?: string[]
  /** The value of the first name (months 1, weekdays 1 = SUN). */
  firstName?: number
}

const FIELDS: FieldSpec[] = [
  {name: 'seconds', min: 0, max: 59},
  {name: 'minutes', min: 0, max: 59},
  {name: 'hours', min: 0, max: 23},
  {name: 'day-of-month', min: 1, max: 31},
  {name: 'month', min: 1, max: 12, names: MONTHS, firstName: 1},
  {name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, firstName: 1},
  {name: 'year', min: 1970, max: 2199},
]

export class QuartzError extends Error {}

export function parseQuartz(expression: string, timezone: string): QuartzSchedule {
  const parts = expression.trim().split(/\s+/)
  if (parts.length < 6 || parts.length > 7) throw new QuartzError(`'${expression}' is not a Quartz cron expression: it needs 6 or 7 fields, it has ${parts.length}.`)
  const [dom, dow] = [parts[3], parts[5]]
  if ((dom === '?') === (dow === '?')) throw new QuartzError(`'${expression}': exactly one of day-of-month and day-of-week must be '?'.`)
  const sets = parts.map((part, i) => (part === '?' ? undefined : parseField(part, FIELDS[i], expression)))
  const partsOf = zonedParts(timezone)
  return {
    matches(at: Date): boolean {
      const p = partsOf(at)
      const values = [p.second, p.minute, p.hour, p.day, p.month, p.weekday, p.year]
      return sets.every((set, i) => set === undefined || set.has(values[i]))
    },
  }
}

/** Whether a time zone id is one this runtime knows (Java and IANA ids agree on the common ones). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: timezone})
    return true
  } catch {
    return false
  }
}

function parseField(text: string, spec: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>()
  const bad = (why: string) => new QuartzError(`'${expression}': the ${spec.name} field '${text}' ${why}.`)
  for (const item of text.split(',')) {
    const unnamed = (spec.names ?? []).reduce((rest, name) => rest.replaceAll(name, ''), item.toUpperCase())
    if (/[LW#]/.test(unnamed)) throw bad('uses L, W or #, which the local workspace does not evaluate')
    const [range, stepText] = item.split('/')
    const step = stepText === undefined ? 1 : Number(stepText)
    if (!Number.isInteger(step) || step < 1) throw bad('has an invalid step')
    let from: number
    let to: number
    if (range === '*') {
      from = spec.min
      to = spec.max
    } else {
      const [a, b] = range.split('-')
      from = value(a, spec, bad)
      // `5/15` runs from 5 to the end of the range.
      to = b === undefined ? (stepText === undefined ? from : spec.max) : value(b, spec, bad)
    }
    if (from > to) throw bad('has a range that ends before it starts')
    for (let v = from; v <= to; v += step) values.add(v)
  }
  return values
}

function value(text: string | undefined, spec: FieldSpec, bad: (why: string) => QuartzError): number {
  if (text === undefined || text === '') throw bad('is empty')
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1
  const v = named >= 0 ? named + spec.firstName! : /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(v) || v < spec.min || v > spec.max) throw bad(`is outside ${spec.min}-${spec.max}`)
  return v
}

interface Parts {
  second: number
  minute: number
  hour: number
  day: number
  month: number
  /** 1 = Sunday, as Quartz counts. */
  weekday: number
  year: number
}

function zonedParts(timezone: string): (at: Date) => Parts {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'short',
  })
  return (at) => {
    const parts = format.formatToParts(at)
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
    const of = (type: string) => Number(get(type))
    return {
      second: of('second'),
      minute: of('minute'),
      hour: of('hour'),
      day: of('day'),
      month: of('month'),
      weekday: WEEKDAYS.indexOf(get('weekday').toUpperCase()) + 1,
      year: of('year'),
    }
  }
}
