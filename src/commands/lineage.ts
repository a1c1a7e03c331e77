import {Args, Flags} from '../cli/flags.js'

import {LakectlCommand} from '../cli/base-command.js'
import {impact, type ImpactItem, type ImpactResult, lineageGraph} from '../lineage/service.js'
import type {EntityRef, LineageEdge, LineageGraph, LineageNode} from '../lineage/graph.js'

type Result = LineageGraph | ImpactResult

const SOURCE_NAMES = {'system-tables': 'system.access.table_lineage', 'lineage-api': 'the lineage-tracking API'} as const

export default class Lineage extends LakectlCommand<typeof Lineage, Result> {
  static summary = 'The lineage graph of a table or a column, up or down; --impact lists everything downstream.'
  static description = `From Unity Catalog's lineage: the tables and views a table is built from (upstream) and those built
from it (downstream), with the jobs, pipelines and statements that connect them, the dashboards
and alerts that read them and the models trained on them. Every hop is followed (--depth limits
them); a node reached twice is shown once. The source is system.access.table_lineage when the
target has it, else the lineage-tracking API (--source chooses); the output says which answered.

A tree on a terminal, one line per edge through a pipe, one JSON graph (nodes and edges with the
writing entity and when each edge was last seen) under --json.`

  static examples = [
    '<%= config.bin %> lineage lakehouse.gold.customer_behavior_daily --upstream',
    '<%= config.bin %> lineage gold.sentiment_summary --columns avg_sentiment',
    '<%= config.bin %> lineage --impact lakehouse.silver.customer_events_cleaned',
    '<%= config.bin %> lineage silver.customer_events_cleaned --downstream --depth 1 --json',
  ]

  static args = {
    table: Args.string({description: 'The table or view: catalog.schema.table, or schema.table in the target\'s catalog.', required: true}),
  }

  static flags = {
    upstream: Flags.boolean({description: 'Only what the table is built from.', exclusive: ['downstream', 'impact']}),
    downstream: Flags.boolean({description: 'Only what is built from the table.', exclusive: ['upstream', 'impact']}),
    depth: Flags.integer({description: 'Hops to follow (default: all).', min: 1}),
    columns: Flags.string({description: 'The lineage of this column of the table instead.', exclusive: ['impact']}),
    impact: Flags.boolean({description: 'Everything downstream: tables, views, jobs, dashboards, alerts, models.'}),
    source: Flags.string({
      description: 'Where lineage is read from: auto = the system tables when readable, else the API (--impact: the API, which also lists models and alerts).',
      options: ['auto', 'system', 'api'],
      default: 'auto',
    }),
  }

  async execute(): Promise<Result> {
    const client = await this.client()
    const source = this.flags.source as 'auto' | 'system' | 'api'
    // The system tables list no models or alerts: an impact reads the API unless told otherwise.
    if (this.flags.impact) return this.out.withProgress('Reading lineage...', () => impact(client, this.settings, this.args.table, source === 'auto' ? 'api' : source))
    const direction = this.flags.upstream ? 'upstream' : this.flags.downstream ? 'downstream' : 'both'
    return this.out.withProgress('Reading lineage...', () =>
      lineageGraph(client, this.settings, {table: this.args.table, column: this.flags.columns, direction, depth: this.flags.depth ?? null, source}),
    )
  }

  async render(result: Result): Promise<void> {
    if ('tables' in result) return this.renderImpact(result)
    const graph = result
    const nodes = new Map(graph.nodes.map((n) => [n.id, n]))
    const root = nodes.get(graph.root)!
    this.out.print(`Lineage of ${root.name} from ${SOURCE_NAMES[graph.source]}${graph.fallback ? ` (${graph.fallback})` : ''}${graph.depth ? `, ${graph.depth} hop${graph.depth === 1 ? '' : 's'}` : ''}:`)
    if (!graph.edges.length) {
      this.out.print('Nothing recorded yet: lineage appears once jobs or statements have read or written the table. Next: lakectl stream status')
      return
    }
    if (!this.out.stdoutIsTTY) {
      await this.out.table(graph.edges, [
        {header: 'FROM', value: (e) => name(nodes.get(e.from)!)},
        {header: 'TO', value: (e) => name(nodes.get(e.to)!)},
        {header: 'VIA', value: (e) => e.via.map(entity)},
        {header: 'LAST SEEN', value: (e) => e.last_seen},
      ])
      return
    }
    for (const direction of ['upstream', 'downstream'] as const) {
      if (graph.direction !== 'both' && graph.direction !== direction) continue
      const lines = this.tree(graph, nodes, direction)
      if (!lines.length) continue
      if (graph.direction === 'both') this.out.print(this.out.style.bold(direction === 'upstream' ? 'Upstream (built from):' : 'Downstream (built from it):'))
      this.out.print(`${name(root)}`)
      for (const line of lines) this.out.print(line)
    }
  }

  /** The tree below the root in one direction; a node shown before is not expanded again. */
  private tree(graph: LineageGraph, nodes: Map<string, LineageNode>, direction: 'upstream' | 'downstream'): string[] {
    const s = this.out.style
    const children = (id: string) =>
      graph.edges
        .filter((e) => (direction === 'upstream' ? e.to === id : e.from === id))
        .map((e) => ({edge: e, node: nodes.get(direction === 'upstream' ? e.from : e.to)!}))
        .filter(({node}) => direction === 'upstream' ? node.depth > 0 : node.depth > 0)
    const shown = new Set<string>([graph.root])
    const lines: string[] = []
    const visit = (id: string, prefix: string) => {
      const list = children(id)
      list.forEach(({edge, node}, i) => {
        const last = i === list.length - 1
        const again = shown.has(node.id)
        shown.add(node.id)
        lines.push(`${prefix}${last ? '└── ' : '├── '}${name(node)}${describe(edge, direction, s.dim, (ms) => this.out.time(ms))}${again ? s.dim(' (see above)') : ''}`)
        if (!again) visit(node.id, prefix + (last ? '    ' : '│   '))
      })
    }
    visit(graph.root, '')
    return lines
  }

  private async renderImpact(r: ImpactResult): Promise<void> {
    const groups: Array<[string, string, ImpactItem[]]> = [
      ['table or view', 'tables and views', r.tables],
      ['job', 'jobs', r.jobs],
      ['dashboard', 'dashboards', r.dashboards],
      ['alert', 'alerts', r.alerts],
      ['model', 'models', r.models],
      ['other entity', 'other entities', r.other],
    ]
    const all = groups.flatMap(([, , items]) => items)
    const counts = groups.filter(([, , items]) => items.length).map(([one, many, items]) => `${items.length} ${items.length === 1 ? one : many}`)
    this.out.print(`Impact of ${r.table} from ${SOURCE_NAMES[r.source]}${r.fallback ? ` (${r.fallback})` : ''}: ${counts.join(', ') || 'nothing downstream'}.`)
    if (!all.length) {
      this.out.print('Nothing has read the table yet (lineage lists only what ran). Next: lakectl stream status')
      return
    }
    await this.out.table(all, [
      {header: 'KIND', value: (i) => i.kind},
      {header: 'NAME', value: (i) => (i.label ? `${i.label} (${i.name})` : i.name)},
      {header: 'HOPS', value: (i) => i.depth, align: 'right'},
      {header: 'FROM', value: (i) => i.from},
      {header: 'VIA', value: (i) => i.via.map(entity)},
    ])
  }
}

function name(node: LineageNode): string {
  const label = node.label ? `${node.label} (${node.name})` : node.name
  return node.kind === 'table' || node.kind === 'column' ? label : `${node.kind} ${label}`
}

function entity(ref: EntityRef): string {
  return `${ref.kind} ${ref.label ? `${ref.label} (${ref.id})` : ref.id}`
}

function describe(edge: LineageEdge, direction: 'upstream' | 'downstream', dim: (t: string) => string, time: (ms: number) => string): string {
  const parts: string[] = []
  if (edge.via.length) parts.push(`${direction === 'upstream' ? 'written by' : 'by'} ${edge.via.map(entity).join(', ')}`)
  if (edge.last_seen) parts.push(`last seen ${time(Date.parse(edge.last_seen))}`)
  return parts.length ? dim(`  ${parts.join(', ')}`) : ''
}
