/**
 * `lakectl stream wait`: until each layer has processed everything its upstream holds, for runbooks
 * ("produce, wait, then report"). Read from ops.stream_progress, the same on both engines:
 * - Bronze is caught up when its latest batch left nothing behind on the topic: on the local workspace,
 *   exactly, when its end offsets reach the topic's latest offsets (its topic endpoint); on Databricks,
 *   when the latest batch reported no offsets behind (Kafka offsets are not readable through the API).
 * - Silver and Gold are caught up when their latest batch, planned after the upstream's latest batch
 *   that carried rows had been recorded, found nothing left upstream.
 * (The progress row is stamped just before its batch commits: a downstream batch planned in those few
 * milliseconds could look caught up one trigger early; its next trigger, at once after the commit, fixes
 * that.) A layer that is behind and does not run will never catch up: that fails at once, not at the timeout.
 */
import type {Layer} from '../config/schema.js'
import type {DatabricksClient} from '../databricks/client.js'
import {quoteName} from '../databricks/identifiers.js'
import {activeRuns} from '../databricks/jobs.js'
import {runStatement} from '../databricks/sql.js'
import {waitUntil} from '../databricks/wait.js'
import {LakectlError} from '../errors.js'
import {layerJobs} from './control.js'
import {UPSTREAM} from './layers.js'
import {TOPICS_PATH} from './produce.js'

export interface WaitRequest {
  project: string
  catalog: string
  warehouseId: string
  layers: readonly Layer[]
  timeoutSeconds: number
  /** The topic Bronze reads, when the target is the local workspace (it serves the topic's offsets). */
  localTopic?: string
  onProgress?: (text: string) => void
}

export interface LayerCatchUp {
  layer: Layer
  caught_up: boolean
  /** What the latest batch reported as left upstream (records or rows). */
  offsets_behind: number | null
  last_batch_id: number | null
  last_batch_at: string | null
}

export interface WaitResult {
  layers: LayerCatchUp[]
  waited_seconds: number
}

interface Batch {
  kind: 'latest' | 'data'
  stream: string
  batch_id: number
  trigger_ts: string
  recorded_at: string
  end_offset: string | null
  offsets_behind_latest: number | null
}

export async function waitCaughtUp(client: DatabricksClient, request: WaitRequest): Promise<WaitResult> {
  const started = Date.now()
  const jobs = await layerJobs(client, request.project, request.layers)
  let last: LayerCatchUp[] = []
  const layers = await waitUntil(client, {timeoutSeconds: request.timeoutSeconds, what: `${request.layers.join(', ')} to catch up`, hint: 'lakectl stream status   (the streams keep running)', onState: request.onProgress}, async () => {
    last = await catchUp(client, request)
    const behind = last.filter((l) => !l.caught_up)
    for (const layer of behind) {
      const job = jobs.get(layer.layer)!
      const runs = await activeRuns(client, job.job_id)
      const unpaused = job.settings.continuous?.pause_status === 'UNPAUSED'
      if (runs.length === 0 && !unpaused) {
        throw new LakectlError(`${layer.layer} is stopped and has not processed everything ${UPSTREAM[layer.layer] ?? 'the topic'} holds: it will not catch up.`, {
          code: 'LAYER_NOT_RUNNING',
          hint: `lakectl stream start ${layer.layer}`,
        })
      }
    }
    return {state: describe(last), done: behind.length === 0 ? last : undefined}
  })
  return {layers, waited_seconds: Math.round((Date.now() - started) / 100) / 10}
}

/** One look at every layer's position. */
async function catchUp(client: DatabricksClient, request: WaitRequest): Promise<LayerCatchUp[]> {
  const [batches, topicLatest] = await Promise.all([readBatches(client, request.catalog, request.warehouseId), request.localTopic ? topicOffsets(client, request.localTopic) : undefined])
  const latest = (stream: string) => batches.find((b) => b.stream === stream && b.kind === 'latest')
  const lastData = (stream: string) => batches.find((b) => b.stream === stream && b.kind === 'data')
  return request.layers.map((layer): LayerCatchUp => {
    const mine = latest(layer)
    const upstream = UPSTREAM[layer]
    let caughtUp: boolean
    if (!upstream) {
      caughtUp = topicLatest ? covers(mine?.end_offset ?? null, request.localTopic!, topicLatest) : mine === undefined || (mine.offsets_behind_latest ?? 0) === 0
    } else {
      const upstreamData = lastData(upstream)
      caughtUp = upstreamData === undefined || (mine !== undefined && (mine.offsets_behind_latest ?? 0) === 0 && Date.parse(mine.trigger_ts) >= Date.parse(upstreamData.recorded_at))
    }
    return {
      layer,
      caught_up: caughtUp,
      offsets_behind: mine?.offsets_behind_latest ?? null,
      last_batch_id: mine?.batch_id ?? null,
      last_batch_at: mine ? new Date(Date.parse(mine.recorded_at)).toISOString() : null,
    }
  })
}

function describe(layers: readonly LayerCatchUp[]): string {
  return layers
    .map((l) => (l.caught_up ? `${l.layer} caught up` : `${l.layer} ${l.offsets_behind ? `${l.offsets_behind.toLocaleString('en-US')} behind` : 'catching up'}`))
    .join(', ')
}

/** Each stream's latest batch, and its latest batch that carried rows. */
async function readBatches(client: DatabricksClient, catalog: string, warehouseId: string): Promise<Batch[]> {
  const table = quoteName(`${catalog}.ops.stream_progress`)
  const columns = 'stream, batch_id, trigger_ts, recorded_at, end_offset, offsets_behind_latest'
  const ranked = (kind: string, where: string) =>
    `SELECT '${kind}' AS kind, ${columns} FROM (SELECT ${columns}, row_number() OVER (PARTITION BY stream ORDER BY recorded_at DESC, batch_id DESC) AS n FROM ${table}${where}) AS ${kind}_batches WHERE n = 1`
  const {rows} = await runStatement<Batch>(client, {statement: `${ranked('latest', '')}\nUNION ALL\n${ranked('data', ' WHERE num_input_rows > 0')}`, warehouseId})
  return rows
}

async function topicOffsets(client: DatabricksClient, topic: string): Promise<Record<string, number>> {
  const found = await client.find<{partitions: Array<{partition: number; latest: number}>}>(`${TOPICS_PATH}/${encodeURIComponent(topic)}`)
  return Object.fromEntries((found?.partitions ?? []).map((p) => [String(p.partition), p.latest]))
}

/** Whether Bronze's end offsets ({topic: {partition: offset}}, as Spark's Kafka source) reach the topic's latest. */
export function covers(endOffset: string | null, topic: string, latest: Record<string, number>): boolean {
  const wanted = Object.entries(latest).filter(([, offset]) => offset > 0)
  if (wanted.length === 0) return true
  if (!endOffset) return false
  const reached = (JSON.parse(endOffset) as Record<string, Record<string, number>>)[topic] ?? {}
  return wanted.every(([partition, offset]) => (reached[partition] ?? 0) >= offset)
}
