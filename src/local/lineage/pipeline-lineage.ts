/**
 * What one micro-batch of a pipeline layer writes, and from what: resources/pipeline/manifest.yaml's
 * steps analysed as the runners execute them. The presented batch (`input.view`) stands for its
 * `input.shape` table; each view step is a derived relation later steps read; each write or append is
 * a write of its table, with the tables read through every view it depends on and each written
 * column's source columns.
 */
import {bindParameters, type BackfillMode, loadManifest, loadTableSpecs, renderSql, type PipelineLayer} from '../../pipeline/index.js'
import {type ColumnSource, type ParseSelect, type Relation, statementLineage} from './sql-lineage.js'

export interface TableWrite {
  /** Full name of the written table. */
  target: string
  /** Full names of the tables read (never the target itself). */
  reads: string[]
  columns: Array<{column: string; sources: ColumnSource[]}>
}

/**
 * The writes of one batch of the layer, in step order: a stream's micro-batch, or with `mode` a
 * backfilled partition (its input presents the same view, of the same shape).
 */
export async function layerWrites(layer: PipelineLayer, catalog: string, parse: ParseSelect, mode?: BackfillMode): Promise<TableWrite[]> {
  const manifest = loadManifest()
  const spec = manifest.layers[layer]
  const steps = mode ? manifest.backfills[layer].modes[mode] : spec.steps
  const tables = new Map(loadTableSpecs().map((t) => [`${catalog}.${t.id}`, t.columns.map((c) => c.name)]))
  const shape = `${catalog}.${spec.input.shape}`
  const derived = new Map<string, Relation>([
    [spec.input.view, {kind: 'derived', reads: [shape], columns: (tables.get(shape) ?? []).map((name) => ({name, sources: [{table: shape, column: name}]}))}],
  ])
  const resolve = (parts: string[]): Relation | undefined => {
    if (parts.length === 1) return derived.get(parts[0])
    const name = parts.length === 3 ? parts.join('.') : `${catalog}.${parts.join('.')}`
    const columns = tables.get(name)
    return columns ? {kind: 'table', name, columns} : undefined
  }
  const writes: TableWrite[] = []
  for (const step of steps) {
    if ('replace' in step) {
      // The partition's rows are swapped for the view's: the view's reads and columns are the write's.
      const target = `${catalog}.${step.replace}`
      const from = derived.get(step.from)!
      if (from.kind === 'derived') writes.push({target, reads: from.reads.filter((r) => r !== target), columns: from.columns.map(({name, sources}) => ({column: name, sources}))})
      continue
    }
    // A bind step only reads the batch's views, for statement parameters: it writes nothing.
    if ('bind' in step) continue
    const {sql} = bindParameters(renderSql(step.sql, {catalog}), ':')
    if ('view' in step) {
      const query = await statementLineage(sql, parse, resolve)
      derived.set(step.view, {kind: 'derived', reads: query.reads, columns: query.columns.map(({column, sources}) => ({name: column, sources}))})
      continue
    }
    const target = `${catalog}.${'write' in step ? step.write : step.append}`
    // An append adds the rows of its SELECT by name (manifest.yaml), as INSERT ... BY NAME does.
    const statement = 'write' in step ? sql : `INSERT INTO ${target} BY NAME ${sql}`
    const lineage = await statementLineage(statement, parse, resolve)
    writes.push({target, reads: lineage.reads.filter((r) => r !== target), columns: lineage.columns})
  }
  return writes
}
