/**
 * Renders DuckDB values the way the Statement Execution API's JSON_ARRAY format does: every non-null
 * value is a string; dates `2026-11-26`, timestamps ISO-8601 in UTC like Spark
 * (`2026-11-26T08:00:00.000Z`), decimals with their scale, doubles like Java, nested values as JSON.
 */
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api'

export type ValueRenderer = (value: DuckDBValue) => string | null

/** The renderer for a column: DuckDB hands integers, floats and doubles alike as JS numbers. */
export function valueRenderer(type: DuckDBType): ValueRenderer {
  if (type.typeId === DuckDBTypeId.DOUBLE) return (value) => (typeof value === 'number' ? formatDouble(value) : renderValue(value))
  if (type.typeId === DuckDBTypeId.FLOAT) return (value) => (typeof value === 'number' ? formatFloat(value) : renderValue(value))
  return renderValue
}

/** Any value whose JS type tells how to print it (numbers print as integers). */
export function renderValue(value: DuckDBValue): string | null {
  if (value === null) return null
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'bigint' || typeof value === 'number') return value.toString()
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return formatMicros(value.micros, value.isFinite)
  if (value instanceof DuckDBTimestampMillisecondsValue) return formatMicros(value.millis * 1000n, value.isFinite)
  if (value instanceof DuckDBTimestampSecondsValue) return formatMicros(value.seconds * 1_000_000n, value.isFinite)
  if (value instanceof DuckDBTimestampNanosecondsValue) return formatMicros(value.nanos / 1000n, value.isFinite)
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('base64')
  if (isNested(value)) return JSON.stringify(toJson(value))
  // Dates, decimals, UUIDs, intervals and times already print as Spark does.
  return value.toString()
}

function isNested(value: DuckDBValue): boolean {
  return value instanceof DuckDBListValue || value instanceof DuckDBArrayValue || value instanceof DuckDBStructValue || value instanceof DuckDBMapValue
}

/** Nested values as Spark's `to_json` writes them: numbers and booleans stay JSON scalars. */
function toJson(value: DuckDBValue): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : formatDouble(value)
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  if (value instanceof DuckDBDecimalValue) return Number(value.toString())
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(toJson)
  if (value instanceof DuckDBStructValue) return Object.fromEntries(Object.entries(value.entries).map(([key, item]) => [key, toJson(item)]))
  if (value instanceof DuckDBMapValue) return Object.fromEntries(value.entries.map((entry) => [String(renderValue(entry.key)), toJson(entry.value)]))
  if (value instanceof DuckDBDateValue) return value.toString()
  return renderValue(value)
}

/** Java's Float.toString: the shortest digits that read back as the same 32-bit float. */
export function formatFloat(value: number): string {
  if (!Number.isFinite(value)) return formatDouble(value)
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits))
    if (Math.fround(candidate) === value) return formatDouble(candidate)
  }
  return formatDouble(value)
}

/** Java's Double.toString: `1.0`, `0.001`, `1.0E7`, `1.5E-4`, `NaN`, `Infinity`. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity'
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0'
  const magnitude = Math.abs(value)
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value)
    return text.includes('.') ? text : `${text}.0`
  }
  const [mantissa, exponent] = value.toExponential().split('e')
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`
}

function formatMicros(micros: bigint, finite: boolean): string {
  if (!finite) return micros > 0n ? 'infinity' : '-infinity'
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n)
  const extraMicros = Number(micros - millis * 1000n)
  const iso = new Date(Number(millis)).toISOString()
  // Milliseconds always (as Spark prints them); microseconds only when present.
  return extraMicros === 0 ? iso : `${iso.slice(0, -1)}${String(extraMicros).padStart(3, '0')}Z`
}
