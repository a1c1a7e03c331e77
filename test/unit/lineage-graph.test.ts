/**
 * The lineage walk over a fake source: one hop per level for the whole frontier, the depth limit,
 * cycles and nodes reached twice (expanded once, every edge kept), entities as leaves.
 */
import {describe, expect, it} from 'vitest'

import {GraphBuilder, type LineageReader, type Neighbour} from '../../src/lineage/graph.js'

/** downstream edges of a small graph: a -> b -> c -> a (a cycle), a -> d -> c (c reached twice), b read by dashboard x. */
const DOWN: Record<string, Neighbour[]> = {
  a: [t('b', 'job', '1'), t('d', 'job', '2')],
  b: [t('c', 'job', '1'), {node: {kind: 'dashboard', name: 'x'}, via: [], last_seen: null}],
  c: [t('a', 'job', '3')],
  d: [t('c', 'job', '2')],
}

function t(name: string, kind: 'job', id: string): Neighbour {
  return {node: {kind: 'table', name}, via: [{kind, id}], last_seen: '2026-01-01T00:00:00.000Z'}
}

function reader(): LineageReader & {calls: string[][]} {
  const calls: string[][] = []
  return {
    name: 'lineage-api',
    calls,
    async tables(names, direction) {
      calls.push(names)
      expect(direction).toBe('downstream')
      return new Map(names.map((n) => [n, DOWN[n] ?? []]))
    },
    async columns() {
      throw new Error('not used')
    },
  }
}

describe('the lineage walk', () => {
  it('follows every hop once per level, expands each node once and keeps every edge (cycle included)', async () => {
    const source = reader()
    const builder = new GraphBuilder({kind: 'table', name: 'a'})
    await builder.walk(source, 'downstream', null)
    const graph = builder.result({direction: 'downstream', depth: null, source: 'lineage-api'})
    expect(source.calls).toEqual([['a'], ['b', 'd'], ['c']])
    expect(graph.nodes.map((n) => [n.id, n.depth])).toEqual([
      ['table:a', 0],
      ['table:b', 1],
      ['table:d', 1],
      ['dashboard:x', 2],
      ['table:c', 2],
    ])
    expect(graph.edges.map((e) => `${e.from}>${e.to}:${e.via.map((v) => v.id).join(',')}`)).toEqual([
      'table:a>table:b:1',
      'table:a>table:d:2',
      'table:b>dashboard:x:',
      'table:b>table:c:1',
      'table:c>table:a:3',
      'table:d>table:c:2',
    ])
  })

  it('stops at the depth limit', async () => {
    const source = reader()
    const builder = new GraphBuilder({kind: 'table', name: 'a'})
    await builder.walk(source, 'downstream', 1)
    const graph = builder.result({direction: 'downstream', depth: 1, source: 'lineage-api'})
    expect(source.calls).toEqual([['a']])
    expect(graph.nodes.map((n) => n.id)).toEqual(['table:a', 'table:b', 'table:d'])
  })

  it('labels entities wherever they appear', async () => {
    const builder = new GraphBuilder({kind: 'table', name: 'a'})
    await builder.walk(reader(), 'downstream', null)
    expect(builder.entities().map((e) => `${e.kind}:${e.id}`).sort()).toEqual(['dashboard:x', 'job:1', 'job:2', 'job:3'])
    builder.label(new Map([['job:1', 'silver stream'], ['dashboard:x', 'KPIs']]))
    const graph = builder.result({direction: 'downstream', depth: null, source: 'lineage-api'})
    expect(graph.nodes.find((n) => n.id === 'dashboard:x')?.label).toBe('KPIs')
    expect(graph.edges.find((e) => e.to === 'table:b')?.via).toEqual([{kind: 'job', id: '1', label: 'silver stream'}])
  })
})
