/**
 * The local stand-in for Kafka: append-only topics of N partitions with per-partition offsets, kept in
 * a DuckDB file of the workspace (attached to the engine, so Bronze reads records with SQL and commits
 * its checkpoint in the same transaction as the rows it lands). Records are stamped with the append
 * time (Kafka's LogAppendTime). A topic is created by its first append (auto.create.topics).
 *
 * Appends are serialised per workspace, and the offsets they assign become visible to readers (the
 * in-memory `latest`) only after they committed, so a reader that takes `latest` and then begins a
 * transaction sees every record below it.
 */
import {DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection} from '@duckdb/node-api'

import {quoteIdent, quoteLiteral, type Engine} from '../engine/engine.js'

export const TOPICS_DATABASE = 'lakectl-topics'
/** `"lakectl-topics".main.records`: a name no Unity Catalog catalog can take (identifiers have no '-'). */
export const RECORDS_TABLE = `${quoteIdent(TOPICS_DATABASE)}.main.records`
const TOPICS_TABLE = `${quoteIdent(TOPICS_DATABASE)}.main.topics`
export const DEFAULT_PARTITIONS = 4
export const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/
/** Joins record values for one bulk insert; a batch with a value containing it takes the slower path. */
const SEPARATOR = '\u001e'

export interface TopicRecord {
  key?: string | null
  value: string | null
}

export interface PartitionOffsets {
  partition: number
  /** First offset held (records are never deleted locally: 0). */
  earliest: number
  /** The next offset to be written (Kafka's log end offset). */
  latest: number
}

/** Offsets one append assigned in a partition: start inclusive, end exclusive. */
export interface AppendedRange {
  partition: number
  start_offset: number
  end_offset: number
}

interface TopicState {
  latest: number[]
  /** Round-robin cursor for records without a key. */
  next: number
}

export class Topics {
  private tail: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly engine: Engine,
    private readonly connection: DuckDBConnection,
    private readonly topics: Map<string, TopicState>,
    private readonly defaultPartitions: number,
  ) {}

  static async open(engine: Engine, file: string, defaultPartitions = DEFAULT_PARTITIONS): Promise<Topics> {
    await engine.execute(
      `ATTACH ${quoteLiteral(file)} AS ${quoteIdent(TOPICS_DATABASE)}`,
      `CREATE TABLE IF NOT EXISTS ${TOPICS_TABLE} (name VARCHAR PRIMARY KEY, partitions INTEGER NOT NULL, created_at TIMESTAMP NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${RECORDS_TABLE} (topic VARCHAR NOT NULL, "partition" INTEGER NOT NULL, "offset" BIGINT NOT NULL, key VARCHAR, value VARCHAR, "timestamp" TIMESTAMP NOT NULL)`,
    )
    const connection = await engine.connect()
    const topics = new Map<string, TopicState>()
    for (const row of (await connection.runAndReadAll(`SELECT name, partitions FROM ${TOPICS_TABLE}`)).getRowObjectsJS()) {
      topics.set(String(row.name), {latest: new Array<number>(Number(row.partitions)).fill(0), next: 0})
    }
    const ends = (await connection.runAndReadAll(`SELECT topic, "partition", max("offset") + 1 AS latest FROM ${RECORDS_TABLE} GROUP BY ALL`)).getRowObjectsJS()
    for (const row of ends) {
      const state = topics.get(String(row.topic))
      if (state) state.latest[Number(row.partition)] = Number(row.latest)
    }
    // The round-robin resumes at the emptiest partition, keeping partitions balanced across restarts.
    for (const state of topics.values()) state.next = state.latest.indexOf(Math.min(...state.latest))
    return new Topics(engine, connection, topics, defaultPartitions)
  }

  names(): string[] {
    return [...this.topics.keys()].sort()
  }

  /** The topic's partitions, or undefined when it does not exist (yet). */
  offsets(topic: string): PartitionOffsets[] | undefined {
    return this.topics.get(topic)?.latest.map((latest, partition) => ({partition, earliest: 0, latest}))
  }

  /** Appends records in order; records with a key go to the key's partition, the rest round-robin. */
  append(topic: string, records: TopicRecord[]): Promise<AppendedRange[]> {
    if (!TOPIC_NAME.test(topic)) throw new Error(`invalid topic name '${topic}'`)
    const work = this.tail.then(() => this.appendNow(topic, records))
    this.tail = work.catch(() => undefined)
    return work
  }

  /** Waits for the append in progress, then detaches the topics' file (checkpointing it). */
  async close(): Promise<void> {
    await this.tail
    this.connection.closeSync()
    await this.engine.execute(`DETACH ${quoteIdent(TOPICS_DATABASE)}`)
  }

  private async appendNow(topic: string, records: TopicRecord[]): Promise<AppendedRange[]> {
    const state = await this.topicState(topic)
    if (records.length === 0) return []
    const timestamp = new Date()
    const bulk = records.every((r) => (r.key === undefined || r.key === null) && r.value !== null && !r.value.includes(SEPARATOR))
    const ranges = bulk ? await this.appendBulk(topic, state, records as Array<{value: string}>, timestamp) : await this.appendEach(topic, state, records, timestamp)
    for (const range of ranges) state.latest[range.partition] = range.end_offset
    return ranges.filter((range) => range.end_offset > range.start_offset)
  }

  private async topicState(topic: string): Promise<TopicState> {
    let state = this.topics.get(topic)
    if (!state) {
      await this.connection.run(`INSERT INTO ${TOPICS_TABLE} VALUES ($name, $partitions, now()::TIMESTAMP)`, {name: topic, partitions: this.defaultPartitions})
      state = {latest: new Array<number>(this.defaultPartitions).fill(0), next: 0}
      this.topics.set(topic, state)
    }
    return state
  }

  /**
   * The fast path (unkeyed, non-null values): one INSERT that splits the joined values inside DuckDB
   * and computes partition and offset from the record's index. Record j goes to partition
   * (cursor + j) % n at offset latest[p] + floor(j / n).
   */
  private async appendBulk(topic: string, state: TopicState, records: Array<{value: string}>, timestamp: Date): Promise<AppendedRange[]> {
    const n = state.latest.length
    const cursor = state.next
    const bases = `CASE p ${state.latest.map((latest, p) => `WHEN ${p} THEN ${latest}`).join(' ')} END`
    await this.connection.run(
      `INSERT INTO ${RECORDS_TABLE}
       SELECT $topic, p, ${bases} + (i - 1) // ${n}, NULL, v, CAST($ts AS TIMESTAMP)
       FROM (SELECT v, i, CAST((${cursor} + i - 1) % ${n} AS INTEGER) AS p
             FROM (SELECT unnest(s) AS v, generate_subscripts(s, 1) AS i FROM (SELECT string_split($values, chr(30)) AS s)))`,
      {topic, ts: timestamp.toISOString().replace('T', ' ').replace('Z', ''), values: records.map((r) => r.value).join(SEPARATOR)},
    )
    state.next = (cursor + records.length) % n
    return state.latest.map((latest, partition) => {
      const first = (partition - cursor + n) % n
      const count = first < records.length ? Math.floor((records.length - 1 - first) / n) + 1 : 0
      return {partition, start_offset: latest, end_offset: latest + count}
    })
  }

  /** The general path: keys hash to partitions (FNV-1a), NULL values (tombstones) allowed. */
  private async appendEach(topic: string, state: TopicState, records: TopicRecord[], timestamp: Date): Promise<AppendedRange[]> {
    const n = state.latest.length
    const next = [...state.latest]
    const appender: DuckDBAppender = await this.connection.createAppender('records', 'main', TOPICS_DATABASE)
    const stamp = new DuckDBTimestampValue(BigInt(timestamp.getTime()) * 1000n)
    try {
      for (const record of records) {
        const key = record.key ?? null
        const partition = key === null ? state.next++ % n : fnv1a(key) % n
        appender.appendVarchar(topic)
        appender.appendInteger(partition)
        appender.appendBigInt(BigInt(next[partition]++))
        if (key === null) appender.appendNull()
        else appender.appendVarchar(key)
        if (record.value === null) appender.appendNull()
        else appender.appendVarchar(record.value)
        appender.appendTimestamp(stamp)
        appender.endRow()
      }
      appender.flushSync()
    } finally {
      appender.closeSync()
    }
    state.next %= n
    return state.latest.map((latest, partition) => ({partition, start_offset: latest, end_offset: next[partition]}))
  }
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
