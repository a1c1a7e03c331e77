/** One builder for the StreamingQueryProgress JSON and the ops.stream_progress row. */
import {describe, expect, it} from 'vitest'

import {buildStreamProgress, insertStreamProgress} from '../../src/pipeline/index.js'
import {CATALOG, createTestLakehouse, query} from './helpers.js'

const TRIGGER = new Date('2026-11-26T08:00:10.000Z')
const BRONZE = {
  stream: 'bronze',
  queryId: 'b5c3a5f0-0000-4000-8000-000000000001',
  runId: 'b5c3a5f0-0000-4000-8000-000000000002',
  batchId: 7,
  triggerStart: TRIGGER,
  previousTriggerStart: new Date('2026-11-26T08:00:08.000Z'),
  durationMs: 500,
  durations: {addBatch: 400, walCommit: 20},
  numInputRows: 1000,
  numOutputRows: 1000,
  source: {
    description: 'KafkaV2[Subscribe[customer-events]]',
    startOffset: {'customer-events': {'0': 100, '1': 200}},
    endOffset: {'customer-events': {'0': 600, '1': 700}},
    latestOffset: {'customer-events': {'0': 650, '1': 900}},
  },
  sinkDescription: 'DeltaSink[lakehouse.bronze.customer_events_raw]',
  maxEventTime: new Date('2026-11-26T08:00:05.000Z'),
  newestInputTime: new Date('2026-11-26T08:00:05.000Z'),
  recordedAt: new Date('2026-11-26T08:00:11.000Z'),
}

describe('buildStreamProgress', () => {
  it('computes rates, lag and Kafka offsets behind latest as Spark reports them', () => {
    const {progress, row} = buildStreamProgress(BRONZE)
    expect(progress).toMatchObject({
      id: BRONZE.queryId,
      runId: BRONZE.runId,
      timestamp: '2026-11-26T08:00:10.000Z',
      batchId: 7,
      numInputRows: 1000,
      inputRowsPerSecond: 500,
      processedRowsPerSecond: 2000,
      durationMs: {addBatch: 400, walCommit: 20, triggerExecution: 500},
      eventTime: {max: '2026-11-26T08:00:05.000Z'},
      sink: {numOutputRows: 1000},
    })
    expect(progress.sources[0].metrics).toEqual({minOffsetsBehindLatest: '50', maxOffsetsBehindLatest: '200', avgOffsetsBehindLatest: '125.0'})
    expect(row).toMatchObject({
      stream: 'bronze',
      batch_id: 7,
      offsets_behind_latest: 250,
      ingest_lag_seconds: 6,
      batch_duration_ms: 500,
      end_offset: '{"customer-events":{"0":600,"1":700}}',
      progress_date: '2026-11-26',
    })
    expect(JSON.parse(row.progress_json)).toEqual(progress)
  })

  it('handles a first batch and a non-Kafka source', () => {
    const {progress, row} = buildStreamProgress({
      ...BRONZE,
      stream: 'silver',
      previousTriggerStart: null,
      numOutputRows: undefined,
      source: {description: 'DeltaSource[bronze]', startOffset: null, endOffset: '{"reservoirVersion":3}'},
      maxEventTime: null,
      newestInputTime: null,
    })
    expect(progress.inputRowsPerSecond).toBe(0)
    expect(progress.sink.numOutputRows).toBe(-1)
    expect(progress).not.toHaveProperty('eventTime')
    expect(row).toMatchObject({start_offset: null, end_offset: '{"reservoirVersion":3}', offsets_behind_latest: null, ingest_lag_seconds: null})
  })

  it('appends the row to ops.stream_progress', async () => {
    const {connection} = await createTestLakehouse(null)
    try {
      const {row} = buildStreamProgress(BRONZE)
      await insertStreamProgress(connection, CATALOG, row)
      const [stored] = await query(
        connection,
        `SELECT stream, batch_id, num_input_rows, offsets_behind_latest, ingest_lag_seconds, CAST(trigger_ts AS VARCHAR) AS trigger_ts,
           CAST(progress_date AS VARCHAR) AS progress_date, num_output_rows, latest_offset, max_event_time IS NOT NULL AS has_event_time
         FROM ${CATALOG}.ops.stream_progress`,
      )
      expect(stored).toEqual({
        stream: 'bronze',
        batch_id: 7,
        num_input_rows: 1000,
        offsets_behind_latest: 250,
        ingest_lag_seconds: 6,
        trigger_ts: '2026-11-26 08:00:10',
        progress_date: '2026-11-26',
        num_output_rows: 1000,
        latest_offset: '{"customer-events":{"0":650,"1":900}}',
        has_event_time: true,
      })
    } finally {
      connection.closeSync()
    }
  })
})
