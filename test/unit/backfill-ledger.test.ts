/**
 * The backfill record's statements as the SQL warehouse receives them: Spark SQL that the Spark grammar
 * parses, every value a typed statement parameter (none spliced into the text), the catalog's names
 * quoted, one write at a time in the order asked; a write that lost a Delta conflict runs again.
 */
import {beforeAll, describe, expect, it} from 'vitest'

import {Ledger} from '../../src/backfill/ledger.js'
import {recordingWarehouse, type SentStatement} from '../helpers/recording-warehouse.js'
import {loadSparkSqlParser, type SparkSqlParser} from '../pipeline/spark-sql-parser.js'

/** A warehouse that answers every statement at once; `fail` decides a FAILED answer. */
function ledger(fail?: Parameters<typeof recordingWarehouse>[0]): {ledger: Ledger; sent: SentStatement[]} {
  const {client, sent} = recordingWarehouse(fail)
  return {ledger: new Ledger(client, {warehouseId: 'w', catalog: 'lakehouse'}), sent}
}

const RECORD = {
  backfill_id: 'bf-20261203-142455-a1b2c3',
  layer: 'silver' as const,
  mode: 'replace' as const,
  from_date: '2026-11-20',
  to_date: '2026-11-26',
  partition_order: 'oldest' as const,
  concurrency: 2,
  max_attempts: 3,
  downstream: true,
  job_id: 1003,
  requested_by: "o'brien@example.com",
  state: 'running' as const,
  partitions: 7,
  succeeded: 0,
  failed: 0,
  skipped: 0,
  cancelled: 0,
  created_at: Date.parse('2026-12-03T14:24:55Z'),
  updated_at: Date.parse('2026-12-03T14:24:55Z'),
  ended_at: null,
}

describe('the backfill record', () => {
  let parser: SparkSqlParser

  beforeAll(async () => {
    parser = await loadSparkSqlParser()
  })

  it('writes and reads with Spark SQL and statement parameters only', async () => {
    const {ledger: record, sent} = ledger()
    const key = {layer: 'silver' as const, partition_date: '2026-11-20', attempt: 1}
    await record.create(RECORD, [key, {layer: 'silver', partition_date: '2026-11-21'}])
    await record.updateAttempt(RECORD.backfill_id, key, {state: 'running', run_id: 77, rows_before: 10, started_at: Date.now(), error: null})
    await record.updateBackfill(RECORD.backfill_id, {state: 'succeeded', partitions: 2, succeeded: 2, failed: 0, skipped: 0, cancelled: 0, ended_at: Date.now()})
    await record.load(RECORD.backfill_id)
    await record.list(5)
    await record.countPartition('gold', '2026-11-20')
    expect(sent).toHaveLength(8)
    for (const {statement, parameters} of sent) {
      // dt-sql-parser takes two-part names where Spark takes three: drop the quoted catalog.
      expect(parser.validate(statement.replaceAll('`lakehouse`.', '')), statement).toEqual([])
      // No value in the text: no string literal but the fixed states, no number but the fixed counts.
      expect(statement.replace(/'(pending)'/g, '').match(/'[^']*'/g), statement).toBeNull()
      expect(statement).not.toContain(RECORD.backfill_id)
      expect(statement).not.toContain('2026-11')
      for (const parameter of parameters ?? []) expect(parameter.type, `${parameter.name} in ${statement}`).toMatch(/^(STRING|INT|BIGINT|DATE|TIMESTAMP|BOOLEAN)$/)
      expect(statement).toMatch(/`lakehouse`\.`(ops|silver|gold)`\.`[a-z_]+`/)
    }
    const update = sent[2]
    expect(update.statement).toMatch(/^UPDATE `lakehouse`\.`ops`\.`backfill_partitions` SET state = :state, run_id = :run_id, rows_before = :rows_before, started_at = :started_at, error = :error, updated_at = :now/)
    expect(update.parameters).toEqual(expect.arrayContaining([{name: 'run_id', value: '77', type: 'BIGINT'}, {name: 'error', type: 'STRING'}, {name: 'day', value: '2026-11-20', type: 'DATE'}]))
    expect(sent[0].parameters).toEqual(expect.arrayContaining([{name: 'requested_by', value: "o'brien@example.com", type: 'STRING'}]))
  })

  it('runs its writes one at a time, in order, and runs one again that lost a write conflict', async () => {
    const {ledger: record, sent} = ledger((_, index) => (index === 1 ? '[DELTA_CONCURRENT_APPEND] Files were added to the root of the table by a concurrent update.' : undefined))
    const key = (day: string) => ({layer: 'gold' as const, partition_date: day, attempt: 1})
    await Promise.all(['2026-11-20', '2026-11-21', '2026-11-22'].map((day) => record.updateAttempt(RECORD.backfill_id, key(day), {state: 'succeeded'})))
    expect(sent.map((s) => s.parameters.find((p) => p.name === 'day')!.value)).toEqual(['2026-11-20', '2026-11-21', '2026-11-21', '2026-11-22'])
    const {ledger: failing} = ledger(() => '[TABLE_OR_VIEW_NOT_FOUND] The table or view `lakehouse`.`ops`.`backfills` cannot be found.')
    await expect(failing.list(1)).rejects.toMatchObject({code: 'LEDGER_MISSING', hint: expect.stringContaining('lakectl bootstrap --yes')})
  })
})
