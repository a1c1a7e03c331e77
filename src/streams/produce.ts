/**
 * `lakectl local produce`: writes customer events to a topic of the local workspace through its
 * topic endpoint (`POST /api/2.0/lakectl/topics/{topic}/records`, which only the local workspace
 * serves), either generated (src/pipeline/generator.ts) or replayed from a JSONL file, in batches,
 * optionally paced to a rate. Each request's body is built while the previous one is in flight.
 */
import {readFileSync} from 'node:fs'

import {UsageError} from '../errors.js'
import type {DatabricksClient} from '../databricks/client.js'
import {generateEvents, type GeneratorOptions} from '../pipeline/generator.js'

export const TOPICS_PATH = '/api/2.0/lakectl/topics'

export type EventSource = {kind: 'generator'; options: GeneratorOptions} | {kind: 'file'; path: string; lines: string[]}

export interface ProduceOptions {
  topic: string
  source: EventSource
  /** Events per second; undefined = as fast as the workspace takes them. */
  rate?: number
  batchSize: number
  onProgress?: (produced: number, total: number) => void
}

export interface ProduceResult {
  topic: string
  source: 'generator' | 'file'
  produced: number
  /** Latest offset (the next to be written) per partition after producing. */
  partitions: Record<string, number>
  duration_seconds: number
  events_per_second: number
}

/**
 * The lines of a JSONL file, each kept verbatim as one record value (malformed JSON too); empty lines
 * are skipped, so a trailing newline adds no record. A missing or unreadable file is a usage error.
 */
export function readEventFile(file: string): string[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`
    throw new UsageError(`--from-file ${file} ${reason}.`, {code: 'BAD_INPUT_FILE', hint: 'give a JSONL file with one event per line'})
  }
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)).filter((line) => line !== '')
}

export async function produceEvents(client: DatabricksClient, options: ProduceOptions): Promise<ProduceResult> {
  const total = options.source.kind === 'file' ? options.source.lines.length : options.source.options.count
  const values: Iterator<string> = options.source.kind === 'file' ? options.source.lines[Symbol.iterator]() : generateEvents(options.source.options)
  // Paced batches hold at most a tenth of a second of events, so the pace stays even.
  const batchSize = options.rate ? Math.max(1, Math.min(options.batchSize, Math.ceil(options.rate / 10))) : options.batchSize
  const path = `${TOPICS_PATH}/${encodeURIComponent(options.topic)}/records`
  const started = Date.now()
  let produced = 0
  let inFlight: Promise<unknown> | undefined
  for (;;) {
    const batch = nextBatch(values, batchSize)
    if (batch.length === 0) break
    const body = {records: batch.map((value) => ({value}))}
    await inFlight
    if (options.rate) {
      const due = started + (produced / options.rate) * 1000
      if (due > Date.now()) await client.sleep(due - Date.now())
    }
    // Appends are not idempotent: the client retries them only when the request was never sent.
    produced += batch.length
    const upTo = produced
    inFlight = client.post(path, body).then(() => options.onProgress?.(upTo, total))
  }
  await inFlight
  const seconds = (Date.now() - started) / 1000
  // Producing nothing to a new topic leaves it uncreated.
  const topic = await client.find<{partitions: Array<{partition: number; latest: number}>}>(`${TOPICS_PATH}/${encodeURIComponent(options.topic)}`)
  return {
    topic: options.topic,
    source: options.source.kind,
    produced,
    partitions: Object.fromEntries((topic?.partitions ?? []).map((p) => [String(p.partition), p.latest])),
    duration_seconds: Math.round(seconds * 1000) / 1000,
    events_per_second: seconds > 0 ? Math.round(produced / seconds) : produced,
  }
}

function nextBatch(values: Iterator<string>, size: number): string[] {
  const batch: string[] = []
  while (batch.length < size) {
    const next = values.next()
    if (next.done) break
    batch.push(next.value)
  }
  return batch
}
