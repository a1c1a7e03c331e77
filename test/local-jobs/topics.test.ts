/** The local topic endpoints: appends with per-partition offsets, keys, validation, durability. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TestServer} from '../local/harness.js'

const TOPICS = '/api/2.0/lakectl/topics'
let server: TestServer

beforeAll(async () => {
  server = await TestServer.start()
})

afterAll(async () => {
  await server?.stop()
})

describe('local topics', () => {
  it('appends round-robin over 4 partitions with contiguous offsets per partition', async () => {
    const first = await server.ok('POST', `${TOPICS}/orders/records`, {records: Array.from({length: 10}, (_, i) => ({value: `{"n":${i}}`}))})
    expect(first).toEqual({
      topic: 'orders',
      appended: 10,
      partitions: [
        {partition: 0, start_offset: 0, end_offset: 3},
        {partition: 1, start_offset: 0, end_offset: 3},
        {partition: 2, start_offset: 0, end_offset: 2},
        {partition: 3, start_offset: 0, end_offset: 2},
      ],
    })
    // The round-robin continues where the last append stopped.
    const second = await server.ok('POST', `${TOPICS}/orders/records`, {records: [{value: 'a'}, {value: 'b'}]})
    expect(second.partitions).toEqual([
      {partition: 2, start_offset: 2, end_offset: 3},
      {partition: 3, start_offset: 2, end_offset: 3},
    ])
    expect(await server.ok('GET', `${TOPICS}/orders`)).toEqual({
      topic: 'orders',
      partitions: [0, 1, 2, 3].map((partition) => ({partition, earliest: 0, latest: 3})),
    })
  })

  it('sends records with the same key to the same partition, and keeps null values and odd characters', async () => {
    const records = [
      {key: 'C000001', value: 'x'},
      {key: 'C000001', value: null},
      {key: 'C000001', value: 'with \u001e separator and "quotes"'},
    ]
    const appended = await server.ok('POST', `${TOPICS}/keyed/records`, {records})
    expect(appended.partitions).toHaveLength(1)
    expect(appended.partitions[0]).toMatchObject({start_offset: 0, end_offset: 3})
  })

  it('keeps records across a restart and continues their offsets', async () => {
    await server.ok('POST', `${TOPICS}/durable/records`, {records: [{value: '1'}, {value: '2'}, {value: '3'}, {value: '4'}, {value: '5'}]})
    await server.restart()
    const appended = await server.ok('POST', `${TOPICS}/durable/records`, {records: [{value: '6'}]})
    expect(appended.partitions).toEqual([{partition: 1, start_offset: 1, end_offset: 2}])
    expect((await server.ok('GET', TOPICS)).topics.map((t: any) => t.topic)).toEqual(expect.arrayContaining(['durable', 'keyed', 'orders']))
  })

  it('rejects bad bodies and names with 400, unknown topics with 404, and requests without the token with 401', async () => {
    for (const body of [{}, {records: 'x'}, {records: [{value: 1}]}, {records: [null]}, {records: [{value: 'v', key: 3}]}]) {
      const response = await server.call('POST', `${TOPICS}/bad/records`, body)
      expect(response.status).toBe(400)
      expect(response.body.error_code).toBe('INVALID_PARAMETER_VALUE')
    }
    expect((await server.call('POST', `${TOPICS}/${encodeURIComponent('no spaces')}/records`, {records: []})).status).toBe(400)
    expect((await server.call('GET', `${TOPICS}/bad`)).status).toBe(404)
    expect((await server.call('GET', `${TOPICS}/orders`, undefined, null)).status).toBe(401)
  })
})
