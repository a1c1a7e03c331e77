/**
 * What a backfill recomputes after its own layer (--downstream): the backfill layers whose tables the
 * lineage graph reaches from the tables the backfilled layer writes, each after the layers upstream of
 * it. Lineage is read through the lineage service (the lineage-tracking API); where the workspace has
 * none (the endpoint answers 404, or lineage is not enabled) or has recorded nothing downstream yet,
 * the layers after it in the pipeline manifest's order of backfills are used, and the result says so.
 */
import type {DatabricksClient} from '../databricks/client.js'
import {ApiError} from '../databricks/errors.js'
import {nodeId, type LineageGraph} from '../lineage/graph.js'
import {downstreamGraphs} from '../lineage/service.js'
import {loadManifest, type PipelineManifest} from '../pipeline/manifest.js'
import type {BackfillLayer} from './partitions.js'

export type DownstreamSource = 'lineage' | 'manifest'

export interface Downstream {
  /** The layers that follow the backfilled one, each after every layer upstream of it. */
  layers: BackfillLayer[]
  source: DownstreamSource
  /** Why the manifest's order was used. */
  fallback?: string
}

/** Error codes of a workspace without lineage (besides a 404 on the endpoint). */
const NO_LINEAGE = /ENDPOINT_NOT_FOUND|FEATURE_DISABLED|NOT_IMPLEMENTED/

/**
 * The tables (schema.table) each backfill layer recomputes: the write and replace targets of its
 * manifest steps (appends are per-batch figures in ops, not the layer's data).
 */
export function layerTables(manifest: PipelineManifest): Record<BackfillLayer, string[]> {
  const tables = (layer: BackfillLayer) => {
    const found = new Set<string>()
    for (const steps of Object.values(manifest.backfills[layer].modes)) {
      for (const step of steps) {
        if ('write' in step) found.add(step.write)
        else if ('replace' in step) found.add(step.replace)
      }
    }
    return [...found].sort()
  }
  return {silver: tables('silver'), gold: tables('gold')}
}

/** The backfill layers in the manifest's order. */
export function manifestOrder(manifest: PipelineManifest): BackfillLayer[] {
  return Object.keys(manifest.backfills) as BackfillLayer[]
}

/**
 * The backfill layers (other than `layer`) whose tables the downstream graphs of `layer`'s tables
 * reach, ordered so a layer comes after every other one upstream of it (ties and cycles in `order`);
 * undefined when the graphs hold no edge at all (nothing recorded: the graph cannot tell).
 */
export function layersFromLineage(
  graphs: Array<Pick<LineageGraph, 'nodes' | 'edges'>>,
  layer: BackfillLayer,
  tables: Record<BackfillLayer, string[]>,
  catalog: string,
  order: BackfillLayer[],
): BackfillLayer[] | undefined {
  if (graphs.every((graph) => graph.edges.length === 0)) return undefined
  const owner = new Map<string, BackfillLayer>()
  for (const l of order) for (const table of tables[l]) owner.set(nodeId('table', `${catalog}.${table}`), l)
  const next = new Map<string, Set<string>>()
  for (const graph of graphs) {
    for (const edge of graph.edges) {
      if (edge.from === edge.to) continue
      const set = next.get(edge.from) ?? new Set<string>()
      set.add(edge.to)
      next.set(edge.from, set)
    }
  }
  const reached = new Set<BackfillLayer>()
  for (const graph of graphs) {
    for (const node of graph.nodes) {
      const l = owner.get(node.id)
      if (node.depth > 0 && l && l !== layer) reached.add(l)
    }
  }
  // The layers each reached layer's tables lead to (through any tables, views or entities).
  const leadsTo = new Map<BackfillLayer, Set<BackfillLayer>>()
  for (const from of reached) {
    const seen = new Set<string>(tables[from].map((table) => nodeId('table', `${catalog}.${table}`)))
    const queue = [...seen]
    while (queue.length) {
      for (const to of next.get(queue.shift()!) ?? []) {
        if (seen.has(to)) continue
        seen.add(to)
        queue.push(to)
      }
    }
    leadsTo.set(from, new Set([...seen].map((id) => owner.get(id)).filter((l): l is BackfillLayer => l !== undefined && l !== from)))
  }
  const remaining = order.filter((l) => reached.has(l))
  const result: BackfillLayer[] = []
  while (remaining.length) {
    const free = remaining.findIndex((l) => !remaining.some((other) => other !== l && leadsTo.get(other)!.has(l) && !leadsTo.get(l)!.has(other)))
    result.push(...remaining.splice(Math.max(free, 0), 1))
  }
  return result
}

/** The layers to recompute after `layer`, from the target's lineage or, without it, the manifest. */
export async function findDownstream(client: DatabricksClient, catalog: string, layer: BackfillLayer): Promise<Downstream> {
  const manifest = loadManifest()
  const tables = layerTables(manifest)
  const order = manifestOrder(manifest)
  const fromManifest = (fallback: string): Downstream => ({layers: order.slice(order.indexOf(layer) + 1), source: 'manifest', fallback})
  let graphs: LineageGraph[]
  try {
    graphs = await downstreamGraphs(client, tables[layer].map((table) => `${catalog}.${table}`))
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.missingApi || NO_LINEAGE.test(error.errorCode))) {
      return fromManifest(`lineage is not available here (${error.errorCode})`)
    }
    throw error
  }
  const layers = layersFromLineage(graphs, layer, tables, catalog, order)
  return layers ? {layers, source: 'lineage'} : fromManifest(`lineage records nothing downstream of ${layer} yet`)
}
