/** Table specs parsed from the DDL files, the manifest's cross-checks and SQL rendering. */
import {describe, expect, it} from 'vitest'

import {fullTableName, loadManifest, loadTableSpecs, parseTableDdl, renderSql, type StepParameters} from '../../src/pipeline/index.js'

describe('loadTableSpecs', () => {
  const specs = loadTableSpecs()
  const byId = new Map(specs.map((s) => [s.id, s]))

  it('describes every table of DESIGN section 1', () => {
    expect(specs.map((s) => s.id).sort()).toEqual([
      'bronze.customer_events_raw',
      'gold.customer_behavior_daily',
      'gold.customer_features',
      'gold.sentiment_summary',
      'ops.backfill_partitions',
      'ops.backfills',
      'ops.quality_metrics',
      'ops.stream_progress',
      'silver.customer_events_cleaned',
      'silver.customer_events_quarantine',
      'silver.customers',
      'silver.products',
    ])
    expect(fullTableName('lakehouse_dev', byId.get('ops.quality_metrics')!)).toBe('lakehouse_dev.ops.quality_metrics')
  })

  it('gives Unity Catalog type text, nullability, partitions and properties', () => {
    const bronze = byId.get('bronze.customer_events_raw')!
    expect(bronze.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'key string',
      'value string',
      'topic string',
      'partition int',
      'offset bigint',
      'kafka_timestamp timestamp',
      'ingest_ts timestamp',
      'ingest_date date',
    ])
    expect(bronze.columns.find((c) => c.name === 'offset')!.nullable).toBe(false)
    expect(bronze.partitionColumns).toEqual(['ingest_date'])
    expect(bronze.properties['delta.appendOnly']).toBe('true')
    expect(bronze.file).toBe('ddl/bronze.customer_events_raw.sql')
    const silver = byId.get('silver.customer_events_cleaned')!
    expect(silver.columns.find((c) => c.name === 'amount')!.type).toBe('decimal(12,2)')
    expect(silver.properties['delta.enableChangeDataFeed']).toBe('true')
    expect(silver.partitionColumns).toEqual(['event_date'])
  })

  it('carries the StreamingQueryProgress fields and the quality counters', () => {
    const progress = byId.get('ops.stream_progress')!.columns.map((c) => c.name)
    for (const name of ['stream', 'query_id', 'run_id', 'batch_id', 'trigger_ts', 'num_input_rows', 'input_rows_per_second', 'processed_rows_per_second', 'batch_duration_ms', 'start_offset', 'end_offset', 'latest_offset', 'offsets_behind_latest', 'max_event_time', 'ingest_lag_seconds', 'progress_json']) {
      expect(progress).toContain(name)
    }
    const quality = byId.get('ops.quality_metrics')!.columns.map((c) => c.name)
    for (const name of ['rows_in', 'rows_valid', 'rows_quarantined', 'duplicates_dropped', 'malformed_json', 'missing_field', 'invalid_event_type', 'invalid_timestamp', 'invalid_amount', 'invalid_rating', 'missing_review_text', 'null_counts', 'rule_violations', 'recorded_at']) {
      expect(quality).toContain(name)
    }
  })

  it('rejects DDL outside the portable subset', () => {
    const ddl = (columns: string, tail = 'USING DELTA') => `CREATE TABLE IF NOT EXISTS {{catalog}}.s.t (${columns}) ${tail}`
    expect(parseTableDdl(ddl("a STRING NOT NULL COMMENT 'it''s'"), 'x.sql').columns).toEqual([{name: 'a', type: 'string', nullable: false, comment: "it's"}])
    expect(() => parseTableDdl(ddl('a MAP<STRING, STRING>'), 'x.sql')).toThrow()
    expect(() => parseTableDdl(ddl('a VARCHAR(10)'), 'x.sql')).toThrow(/portable/)
    expect(() => parseTableDdl(ddl('a STRING', 'USING PARQUET'), 'x.sql')).toThrow(/Delta/)
    expect(() => parseTableDdl(ddl('a STRING', 'USING DELTA PARTITIONED BY (b)'), 'x.sql')).toThrow(/partition column b/)
    expect(() => parseTableDdl('CREATE TABLE IF NOT EXISTS lakehouse.s.t (a STRING)', 'x.sql')).toThrow(/\{\{catalog\}\}/)
  })
})

describe('manifest and SQL rendering', () => {
  it('loads the manifest with both layers and their inputs', () => {
    const manifest = loadManifest()
    expect(manifest.layers.silver.input).toMatchObject({view: 'bronze_batch', shape: 'bronze.customer_events_raw'})
    expect(manifest.layers.gold.input).toMatchObject({view: 'silver_batch', shape: 'silver.customer_events_cleaned'})
    const parameters: Record<keyof StepParameters, true> = {
      batch_id: true,
      stream: true,
      recorded_at: true,
      partition_date: true,
      first_event_date: true,
      last_event_date: true,
      first_ingest_date: true,
      last_ingest_date: true,
    }
    expect(Object.keys(manifest.parameters).sort()).toEqual(Object.keys(parameters).sort())
  })

  it('renders only a valid catalog', () => {
    expect(renderSql('ddl/silver.products.sql', {catalog: 'lakehouse_dev'})).toContain('lakehouse_dev.silver.products (')
    expect(() => renderSql('ddl/silver.products.sql', {catalog: 'x; DROP TABLE y'})).toThrow(/Invalid catalog name/)
  })
})
