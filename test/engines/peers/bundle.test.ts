/**
 * The bundle lakectl exports passes the Databricks CLI's own `databricks bundle validate` (the pinned
 * CLI the peers set-up builds): the configuration against the CLI's bundle schema, with no warning,
 * and the workspace resolved through the exported target's profile (pointing at a local workspace).
 * The resolved configuration the CLI prints declares bootstrap's jobs, schemas, volume, model, grants,
 * dashboard (its definition read from the exported file) and SQL alerts.
 */
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {tmpdir} from 'node:os'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadConfig} from '../../../src/config/load.js'
import {resolveTarget} from '../../../src/config/targets.js'
import {desiredState} from '../../../src/lakehouse/desired.js'
import {runCli} from '../../helpers/cli.js'
import {TestServer} from '../../local/harness.js'
import {PEERS, run} from './harness.js'

const CLI = path.join(PEERS, 'bin/databricks')
const present = existsSync(CLI)

describe.skipIf(!present)(`databricks bundle validate on lakectl bundle export${present ? '' : ` (skipped: ${CLI} is missing; test/engines/setup/setup.sh builds it)`}`, () => {
  let server: TestServer
  let warehouseId: string
  const home = mkdtempSync(path.join(tmpdir(), 'lakectl-bundle-peer-'))
  const bundle = path.join(home, 'bundle')
  const env = () => ({PATH: process.env.PATH ?? '', HOME: home, NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', CI: 'true'})

  beforeAll(async () => {
    server = await TestServer.start()
    const listed = await fetch(`${server.url}/api/2.0/sql/warehouses`, {headers: {authorization: `Bearer ${server.token}`}})
    warehouseId = ((await listed.json()) as {warehouses: Array<{id: string}>}).warehouses[0].id
    writeFileSync(path.join(home, 'lakectl.yaml'), ['targets:', `  dev: {profile: dev, catalog: lakehouse_dev, warehouse: ${warehouseId}}`, ''].join('\n'))
    writeFileSync(path.join(home, '.databrickscfg'), `[dev]\nhost = ${server.url}\ntoken = ${server.token}\n`, {mode: 0o600})
    const exported = await runCli(['bundle', 'export', bundle, '--target', 'dev'], {env: env(), cwd: home})
    if (exported.code !== 0) throw new Error(`lakectl bundle export failed:\n${exported.stderr}`)
  }, 120_000)
  afterAll(async () => server?.stop())

  const databricks = (args: string[]) => run(CLI, args, {cwd: bundle, env: {HOME: home, DATABRICKS_CLI_UPSTREAM: 'lakectl-peers'}, timeoutMs: 120_000})

  it('validates with no error and no warning', async () => {
    const result = await databricks(['bundle', 'validate', '-t', 'dev'])
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
    const output = `${result.stdout}\n${result.stderr}`
    expect(output).toContain('Validation OK!')
    expect(output).toMatch(/Target: dev/)
    expect(output).not.toMatch(/^(Warning|Error|Recommendation):/m)
  })

  it('resolves to bootstrap\'s desired state', async () => {
    const result = await databricks(['bundle', 'validate', '-t', 'dev', '--output', 'json'])
    expect(result.code, result.stderr).toBe(0)
    const resolved = JSON.parse(result.stdout)
    const {config} = loadConfig({cwd: home})
    const desired = desiredState(config, resolveTarget(config, {target: 'dev'}, {}))

    expect(resolved.workspace.file_path).toBe(`/Workspace${desired.files[0].path.split('/').slice(0, 3).join('/')}`)
    expect(Object.keys(resolved.resources).sort()).toEqual(['alerts', 'catalogs', 'dashboards', 'jobs', 'registered_models', 'schemas', 'volumes'])
    // The CLI reads the dashboard's file in: bootstrap's definition, on the configured warehouse.
    const dashboard = resolved.resources.dashboards.lakehouse_dashboard
    expect(JSON.parse(dashboard.serialized_dashboard)).toEqual(JSON.parse(desired.dashboard.serialized))
    expect(dashboard).toMatchObject({display_name: desired.dashboard.display_name, parent_path: `/Workspace${desired.dashboard.parent_path}`, warehouse_id: warehouseId, embed_credentials: true})
    expect(Object.keys(resolved.resources.alerts).sort()).toEqual(desired.alerts.map((a) => `${a.key}_alert`).sort())
    for (const alert of desired.alerts) {
      expect(resolved.resources.alerts[`${alert.key}_alert`], alert.key).toMatchObject({...alert.spec, warehouse_id: warehouseId})
    }
    for (const job of desired.jobs) {
      const got = resolved.resources.jobs[`${job.role}_job`]
      expect(got, job.role).toMatchObject({name: job.settings.name, tags: job.settings.tags, max_concurrent_runs: job.settings.max_concurrent_runs})
      expect(got.tasks.map((t: any) => t.spark_python_task), job.role).toEqual((job.settings.tasks as Array<{spark_python_task: unknown}>).map((t) => t.spark_python_task))
    }
    expect(Object.values<any>(resolved.resources.schemas).map((s) => s.name).sort()).toEqual([...desired.schemas].sort())
    expect(resolved.resources.catalogs.lakehouse_dev_catalog.name).toBe('lakehouse_dev')
    // The CLI turns a literal name of another resource in the bundle into a reference to it (for the
    // order of a deploy): follow it back to that resource's name.
    const named = (object: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(object).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/^\$\{resources\.(\w+)\.(\w+)\.name\}$/, (_, kind, name) => resolved.resources[kind][name].name) : value]))
    expect(named(resolved.resources.volumes.checkpoints_volume)).toMatchObject({catalog_name: 'lakehouse_dev', schema_name: 'ops', name: 'checkpoints'})
    expect(named(resolved.resources.registered_models.sentiment_model)).toMatchObject({catalog_name: 'lakehouse_dev', schema_name: 'ml', name: 'sentiment'})
    expect(resolved.resources.schemas.gold_schema.grants).toContainEqual({principal: 'analysts', privileges: ['SELECT', 'USE_SCHEMA']})
  })
})
