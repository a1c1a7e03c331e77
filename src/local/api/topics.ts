/**
 * The local topics (not part of the Databricks API; only the local workspace serves them):
 *   POST /api/2.0/lakectl/topics/{topic}/records  {records: [{key?, value}]} -> {topic, appended, partitions: [{partition, start_offset, end_offset}]}
 *   GET  /api/2.0/lakectl/topics/{topic}          -> {topic, partitions: [{partition, earliest, latest}]}
 *   GET  /api/2.0/lakectl/topics                  -> {topics: [{topic, partitions: [...]}]}
 * A topic is created by its first record. Values and keys are strings (null: a tombstone / no key).
 */
import {ApiError, invalidParameter, notFound} from '../http/errors.js'
import type {Routes} from '../http/router.js'
import type {LocalServices} from '../services.js'
import {TOPIC_NAME, type TopicRecord} from '../streaming/topics.js'

export const TOPICS_PREFIX = '/api/2.0/lakectl/topics'

export function registerTopicRoutes(routes: Routes, services: LocalServices): void {
  const {topics} = services
  routes
    .get('', () => ({topics: topics.names().map((topic) => ({topic, partitions: topics.offsets(topic)}))}))
    .get('/{topic}', ({params}) => {
      const partitions = topics.offsets(validTopic(params.topic))
      if (!partitions) throw notFound('RESOURCE_DOES_NOT_EXIST', `Topic '${params.topic}' does not exist.`)
      return {topic: params.topic, partitions}
    })
    .post('/{topic}/records', async ({params, body}) => {
      const topic = validTopic(params.topic)
      const records = parseRecords(body.records)
      const partitions = await topics.append(topic, records)
      return {topic, appended: records.length, partitions}
    })
}

function validTopic(name: string): string {
  if (!TOPIC_NAME.test(name)) throw invalidParameter(`Invalid topic name '${name}': use 1-249 letters, digits, '.', '_' or '-'.`)
  return name
}

/** Checked by hand rather than with a schema: batches hold hundreds of thousands of records. */
function parseRecords(records: unknown): TopicRecord[] {
  if (!Array.isArray(records)) throw invalidParameter('Missing required field: records (an array of {key?, value}).')
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as {key?: unknown; value?: unknown} | null
    if (typeof record !== 'object' || record === null) throw badRecord(i, 'is not an object')
    if (record.value !== null && typeof record.value !== 'string') throw badRecord(i, 'needs a string value (or null)')
    if (record.key !== undefined && record.key !== null && typeof record.key !== 'string') throw badRecord(i, 'has a key that is not a string')
  }
  return records as TopicRecord[]
}

function badRecord(index: number, problem: string): ApiError {
  return invalidParameter(`records[${index}] ${problem}.`)
}
