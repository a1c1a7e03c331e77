/**
 * The texts in a serving query body (reference 7): exactly one of dataframe_split {columns, data},
 * dataframe_records [{col: v}], instances or inputs (a list of texts or of records, or inputs as
 * columns {col: [v...]}). The model reads the `review_text` column, or the only column there is.
 */
import {ApiError} from '../http/errors.js'

const INPUT_FIELDS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const
const TEXT_COLUMN = 'review_text'

function badInput(message: string): ApiError {
  return new ApiError(400, 'BAD_REQUEST', message)
}

export function queryTexts(body: Record<string, unknown>): Array<string | null> {
  const given = INPUT_FIELDS.filter((field) => body[field] !== undefined)
  if (given.length !== 1) {
    throw badInput(`Invalid input. The input must be a JSON dictionary with exactly one of the input fields ${INPUT_FIELDS.map((f) => `'${f}'`).join(', ')}.`)
  }
  const field = given[0]
  const input = body[field]
  if (field === 'dataframe_split') return fromSplit(input)
  if (field === 'dataframe_records') return fromRecords(input, field)
  if (!Array.isArray(input) && typeof input === 'object' && input !== null && field === 'inputs') return fromColumns(input as Record<string, unknown>)
  if (!Array.isArray(input)) throw badInput(`'${field}' must be a list.`)
  return input.every((item) => typeof item === 'string' || item === null) ? (input as Array<string | null>) : fromRecords(input, field)
}

function fromSplit(input: unknown): Array<string | null> {
  const split = input as {columns?: unknown; data?: unknown}
  if (typeof input !== 'object' || input === null || !Array.isArray(split.columns) || !Array.isArray(split.data)) {
    throw badInput("'dataframe_split' must be an object with 'columns' and 'data' lists.")
  }
  const column = textColumn(split.columns.map(String))
  const index = split.columns.indexOf(column)
  return split.data.map((row, i) => {
    if (!Array.isArray(row)) throw badInput(`'dataframe_split.data[${i}]' must be a list.`)
    return text(row[index], `dataframe_split.data[${i}]`)
  })
}

function fromRecords(input: unknown, field: string): Array<string | null> {
  if (!Array.isArray(input) || input.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) throw badInput(`'${field}' must be a list of records.`)
  const records = input as Array<Record<string, unknown>>
  if (records.length === 0) return []
  const column = textColumn([...new Set(records.flatMap((r) => Object.keys(r)))])
  return records.map((record, i) => text(record[column], `${field}[${i}].${column}`))
}

function fromColumns(input: Record<string, unknown>): Array<string | null> {
  const column = textColumn(Object.keys(input))
  const values = input[column]
  if (!Array.isArray(values)) throw badInput(`'inputs.${column}' must be a list.`)
  return values.map((value, i) => text(value, `inputs.${column}[${i}]`))
}

function textColumn(columns: string[]): string {
  if (columns.includes(TEXT_COLUMN)) return TEXT_COLUMN
  if (columns.length === 1) return columns[0]
  throw badInput(`The model expects a '${TEXT_COLUMN}' column (or a single text column), got ${columns.length ? columns.map((c) => `'${c}'`).join(', ') : 'none'}.`)
}

function text(value: unknown, where: string): string | null {
  if (value === null || value === undefined) return null
  if (typeof value !== 'string') throw badInput(`'${where}' must be a string or null.`)
  return value
}
