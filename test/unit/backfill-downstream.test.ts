/**
 * backfill --downstream: the backfill layers a downstream lineage graph reaches, ordered so each comes
 * after the layers upstream of it, from graphs built here (no workspace); and the tables each layer
 * recomputes, read from the real pipeline manifest.
 */
import {describe, expect, it} from 'vitest'

import {layersFromLineage, layerTables, manifestOrder} from '../../src/backfill/downstream.js'
import {nextLayer} from '../../src/backfill/run.js'
import type {LineageGraph} from '../../src/lineage/graph.js'
import {loadManifest} from '../../src/pipeline/manifest.js'

type Graph = Pick<LineageGraph, 'nodes' | 'edges'>

/** A downstream graph from `root` with these edges (names without the catalog); depth by BFS. */
function graph(root: string, edges: Array<[string, string]>): Graph {
  const id = (name: string) => (name.startsWith('job:') || name.startsWith('dashboard:') ? name : `table:c.${name}`)
  const depth = new Map([[id(root), 0]])
  const queue = [id(root)]
  while (queue.length) {
    const at = queue.shift()!
    for (const [from, to] of edges) if (id(from) === at && !depth.has(id(to))) depth.set(id(to), depth.get(at)! + 1), queue.push(id(to))
  }
  return {
    nodes: [...depth].map(([node, d]) => ({id: node, kind: node.startsWith('table:') ? 'table' : 'job', name: node.slice(node.indexOf(':') + 1), depth: d})),
    edges: edges.map(([from, to]) => ({from: id(from), to: id(to), via: [], last_seen: null})),
  }
}

// Three layers stand in for a manifest with more than two, to show the order is the graph's.
const TABLES = {silver: ['silver.events', 'silver.quarantine'], gold: ['gold.daily'], platinum: ['platinum.kpis']} as unknown as Record<'silver' | 'gold', string[]>
const ORDER = ['silver', 'platinum', 'gold'] as unknown as Array<'silver' | 'gold'>

describe('the layers downstream of a backfill, from lineage', () => {
  it('follows the graph through views to the layer tables it reaches, not the manifest order', () => {
    const graphs = [
      graph('silver.events', [['silver.events', 'gold.daily'], ['gold.daily', 'gold.views_kpis'], ['gold.views_kpis', 'platinum.kpis'], ['gold.daily', 'gold.daily'], ['gold.daily', 'dashboard:d1']]),
      graph('silver.quarantine', []),
    ]
    // platinum comes before gold in ORDER, but is built from gold: it follows gold.
    expect(layersFromLineage(graphs, 'silver', TABLES, 'c', ORDER)).toEqual(['gold', 'platinum'])
  })

  it('leaves out layers the graph does not reach, and the backfilled layer itself', () => {
    const graphs = [graph('silver.events', [['silver.events', 'gold.daily'], ['silver.events', 'silver.events']])]
    expect(layersFromLineage(graphs, 'silver', TABLES, 'c', ORDER)).toEqual(['gold'])
    // Gold's tables lead only to views and a dashboard: nothing to recompute.
    expect(layersFromLineage([graph('gold.daily', [['gold.daily', 'gold.v'], ['gold.v', 'dashboard:d1']])], 'gold' as never, TABLES, 'c', ORDER)).toEqual([])
  })

  it('orders layers in a cycle by the manifest, and says nothing when no edge is recorded', () => {
    const cycle = [graph('silver.events', [['silver.events', 'gold.daily'], ['silver.events', 'platinum.kpis'], ['gold.daily', 'platinum.kpis'], ['platinum.kpis', 'gold.daily']])]
    expect(layersFromLineage(cycle, 'silver', TABLES, 'c', ORDER)).toEqual(['platinum', 'gold'])
    expect(layersFromLineage([graph('silver.events', []), graph('silver.quarantine', [])], 'silver', TABLES, 'c', ORDER)).toBeUndefined()
  })

  it('only counts tables of this catalog', () => {
    const other = {nodes: [{id: 'table:c.silver.events', kind: 'table' as const, name: 'c.silver.events', depth: 0}, {id: 'table:x.gold.daily', kind: 'table' as const, name: 'x.gold.daily', depth: 1}], edges: [{from: 'table:c.silver.events', to: 'table:x.gold.daily', via: [], last_seen: null}]}
    expect(layersFromLineage([other], 'silver', TABLES, 'c', ORDER)).toEqual([])
  })

  it("reads each layer's tables from the manifest's write and replace steps, and chains the layers", () => {
    const manifest = loadManifest()
    expect(manifestOrder(manifest)).toEqual(['silver', 'gold'])
    expect(layerTables(manifest)).toEqual({
      silver: ['silver.customer_events_cleaned', 'silver.customer_events_quarantine'],
      gold: ['gold.customer_behavior_daily', 'gold.customer_features', 'gold.sentiment_summary'],
    })
    expect(nextLayer('silver', ['gold'], 'silver')).toBe('gold')
    expect(nextLayer('silver', ['gold'], 'gold')).toBeUndefined()
    expect(nextLayer('silver', [], 'silver')).toBeUndefined()
  })
})
