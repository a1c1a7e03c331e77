/**
 * Lineage as a graph: tables, views and the entities connected to them (jobs, pipelines, notebooks,
 * queries, dashboards, alerts, models), found hop by hop from a root up to a depth (default: all),
 * each node expanded once, so cycles and nodes reached twice end the walk there.
 */
export type NodeKind = 'table' | 'view' | 'column' | 'job' | 'notebook' | 'pipeline' | 'dashboard' | 'query' | 'alert' | 'model'
export type Direction = 'upstream' | 'downstream'

export interface LineageNode {
  /** `kind:name`, e.g. `table:lakehouse.gold.daily_kpis`, `job:123`. */
  id: string
  kind: NodeKind
  /** Full name of a table, view, column or model; the id of any other entity. */
  name: string
  /** A readable name where the workspace has one (a job's or a dashboard's name). */
  label?: string
  /** Hops from the root (0 for the root). */
  depth: number
}

/** An entity that made an edge: the job (or statement, pipeline...) that read `from` and wrote `to`. */
export interface EntityRef {
  kind: NodeKind | 'statement'
  id: string
  label?: string
}

export interface LineageEdge {
  from: string
  to: string
  via: EntityRef[]
  /** When the edge was last recorded (RFC 3339), if the source says. */
  last_seen: string | null
}

export interface LineageGraph {
  root: string
  direction: Direction | 'both'
  /** The hop limit (null: all). */
  depth: number | null
  /** Which source answered. */
  source: LineageSourceName
  /** Why the preferred source did not answer, when it fell back. */
  fallback?: string
  nodes: LineageNode[]
  edges: LineageEdge[]
}

export type LineageSourceName = 'system-tables' | 'lineage-api'

/** One related node of a node, as a source returns it. */
export interface Neighbour {
  node: {kind: NodeKind; name: string}
  via: EntityRef[]
  last_seen: string | null
}

/** What a lineage source can answer, one hop for many nodes at once. */
export interface LineageReader {
  readonly name: LineageSourceName
  /** The neighbours of each table or view (by full name) in one direction. */
  tables(names: string[], direction: Direction): Promise<Map<string, Neighbour[]>>
  /** The neighbours of each column (`table.column`) in one direction. */
  columns(names: string[], direction: Direction): Promise<Map<string, Neighbour[]>>
}

/** Kinds whose lineage can be asked for in turn (everything else is a leaf). */
const EXPANDABLE = new Set<NodeKind>(['table', 'view', 'column'])

export function nodeId(kind: NodeKind, name: string): string {
  return `${kind === 'view' ? 'table' : kind}:${name}`
}

export class GraphBuilder {
  private readonly nodes = new Map<string, LineageNode>()
  private readonly edges = new Map<string, LineageEdge>()

  constructor(
    readonly root: {kind: NodeKind; name: string},
  ) {
    this.node(root.kind, root.name, 0)
  }

  node(kind: NodeKind, name: string, depth: number): LineageNode {
    const id = nodeId(kind, name)
    const known = this.nodes.get(id)
    if (known) {
      // A table first seen as a plain table may turn out to be a view.
      if (kind === 'view') known.kind = 'view'
      return known
    }
    const node: LineageNode = {id, kind, name, depth}
    this.nodes.set(id, node)
    return node
  }

  edge(from: string, to: string, via: EntityRef[], lastSeen: string | null): void {
    const key = `${from}\u0000${to}`
    const known = this.edges.get(key)
    if (!known) {
      this.edges.set(key, {from, to, via: dedupe(via), last_seen: lastSeen})
      return
    }
    known.via = dedupe([...known.via, ...via])
    if (lastSeen && (!known.last_seen || lastSeen > known.last_seen)) known.last_seen = lastSeen
  }

  /**
   * Breadth-first from the root: one hop of the source per level for the whole frontier; a node is
   * expanded the first time it is reached, never again (a cycle or a second path only adds an edge).
   */
  async walk(reader: LineageReader, direction: Direction, maxDepth: number | null): Promise<void> {
    const rootId = nodeId(this.root.kind, this.root.name)
    const expanded = new Set<string>([rootId])
    let frontier = [this.root.name]
    for (let depth = 0; frontier.length && (maxDepth === null || depth < maxDepth); depth++) {
      const hop = this.root.kind === 'column' ? await reader.columns(frontier, direction) : await reader.tables(frontier, direction)
      const next: string[] = []
      for (const name of frontier) {
        const here = nodeId(this.root.kind === 'column' ? 'column' : 'table', name)
        for (const neighbour of hop.get(name) ?? []) {
          const node = this.node(neighbour.node.kind, neighbour.node.name, depth + 1)
          if (direction === 'upstream') this.edge(node.id, here, neighbour.via, neighbour.last_seen)
          else this.edge(here, node.id, neighbour.via, neighbour.last_seen)
          if (EXPANDABLE.has(node.kind) && !expanded.has(node.id)) {
            expanded.add(node.id)
            next.push(node.name)
          }
        }
      }
      frontier = next
    }
  }

  /** Every entity that appears, as a node or on an edge. */
  entities(): EntityRef[] {
    const found = new Map<string, EntityRef>()
    for (const node of this.nodes.values()) if (!EXPANDABLE.has(node.kind)) found.set(node.id, {kind: node.kind, id: node.name, label: node.label})
    for (const edge of this.edges.values()) for (const ref of edge.via) found.set(`${ref.kind}:${ref.id}`, ref)
    return [...found.values()]
  }

  /** Gives entities their readable names wherever they appear. */
  label(labels: Map<string, string>): void {
    for (const node of this.nodes.values()) {
      const label = labels.get(node.id)
      if (label) node.label = label
    }
    for (const edge of this.edges.values()) {
      for (const ref of edge.via) {
        const label = labels.get(`${ref.kind}:${ref.id}`)
        if (label) ref.label = label
      }
    }
  }

  result(meta: Omit<LineageGraph, 'nodes' | 'edges' | 'root'>): LineageGraph {
    const byDepth = (a: LineageNode, b: LineageNode) => a.depth - b.depth || a.id.localeCompare(b.id)
    return {
      root: nodeId(this.root.kind, this.root.name),
      ...meta,
      nodes: [...this.nodes.values()].sort(byDepth),
      edges: [...this.edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
    }
  }
}

function dedupe(refs: EntityRef[]): EntityRef[] {
  const seen = new Map<string, EntityRef>()
  for (const ref of refs) seen.set(`${ref.kind}:${ref.id}`, {...seen.get(`${ref.kind}:${ref.id}`), ...ref})
  return [...seen.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id))
}
