import {it} from 'vitest'
import {generateEvents} from '../../src/pipeline/index.js'
import {TestServer} from '../../test/local/harness.js'
import {bootstrap, CATALOG, ENGINE_LIMITS, layerJobs, LAYERS, produce, setPause, setTrigger} from '../../test/engine/helpers.js'
it('dbg', async () => {
  const server = await TestServer.start({limits: ENGINE_LIMITS})
  await bootstrap(server)
  const jobs = await layerJobs(server)
  for (const layer of LAYERS) await setTrigger(server, jobs[layer].job_id, 0.2)
  for (const layer of LAYERS) await setPause(server, jobs[layer].job_id, 'UNPAUSED')
  const v = [...generateEvents({count: 6000, seed: 7})]
  await produce(server, v.slice(0, 3000))
  await new Promise((r) => setTimeout(r, 1000))
  await server.restart()
  await produce(server, v.slice(3000))
  await new Promise((r) => setTimeout(r, 5000))
  console.log(await server.rows(`SELECT stream, sum(rows_in), sum(rows_written) FROM ${CATALOG}.ops.quality_metrics GROUP BY ALL`))
  console.log(await server.rows(`SELECT count(*) FROM ${CATALOG}.silver.customer_events_cleaned`))
  for (const layer of LAYERS) console.log(layer, JSON.stringify((await server.ok('GET', `/api/2.2/jobs/runs/list?job_id=${jobs[layer].job_id}`)).runs.map((r: any) => [r.run_id, r.state])))
  console.log(await server.rows(`SELECT stream, count(*), sum(num_input_rows) FROM ${CATALOG}.ops.stream_progress GROUP BY ALL`))
  console.log(server.logLines.slice(-60).join('\n'))
  await server.stop()
}, 60000)
