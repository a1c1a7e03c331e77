/**
 * lakectl bundle export through the built CLI: the bundle declares what bootstrap's desired state
 * holds (read back from the YAML and compared with desiredState, which bootstrap reconciles), exporting
 * twice gives identical bytes, and no credential of the target reaches a file.
 */
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'

import {loadConfig} from '../../src/config/load.js'
import {resolveTarget} from '../../src/config/targets.js'
import {desiredState} from '../../src/lakehouse/desired.js'
import {runCli} from '../helpers/cli.js'

// Distinctive, so a leak is found, but not shaped like a real Databricks token.
const TOKEN = 'lakectl-test-token-never-exported-0001'
const CLIENT_SECRET = 'dose0123456789abcdefSECRET'
const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-bundle-'))
writeFileSync(
  path.join(dir, 'lakectl.yaml'),
  ['catalog: shop', 'workspace_folder: /Shared/shop', 'targets:', '  local: {workspace: local}', '  dev: {profile: dev, catalog: shop_dev}', ''].join('\n'),
)
writeFileSync(path.join(dir, '.databrickscfg'), `[dev]\nhost = https://dev.cloud.databricks.com\ntoken = ${TOKEN}\nclient_id = abc\nclient_secret = ${CLIENT_SECRET}\n`, {mode: 0o600})
const env = {
  PATH: process.env.PATH ?? '',
  HOME: dir,
  NODE_ENV: 'production',
  OCLIF_SKIP_NEW_VERSION_CHECK: 'true',
  CI: 'true',
  DATABRICKS_TOKEN: TOKEN,
  DATABRICKS_CLIENT_SECRET: CLIENT_SECRET,
}
const cli = (args: string[]) => runCli(args, {env, cwd: dir})

function files(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  const walk = (at: string) => {
    for (const entry of readdirSync(path.join(root, at), {withFileTypes: true})) {
      const relative = at ? `${at}/${entry.name}` : entry.name
      if (entry.isDirectory()) walk(relative)
      else out.set(relative, readFileSync(path.join(root, relative)))
    }
  }
  walk('')
  return out
}

const yamlOf = (root: string, file: string) => parse(readFileSync(path.join(root, file), 'utf8'))

describe('lakectl bundle export', () => {
  const first = path.join(dir, 'bundle-a')
  const second = path.join(dir, 'bundle-b')

  it('writes databricks.yml with the target, resources/*.yml and the pipeline files, from the desired state', async () => {
    const result = await cli(['bundle', 'export', first, '--target', 'dev', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = result.json()
    expect(report.resources).toEqual({
      catalogs: ['shop_dev_catalog'],
      schemas: ['bronze_schema', 'silver_schema', 'gold_schema', 'ops_schema', 'ml_schema'],
      volumes: ['checkpoints_volume'],
      registered_models: ['sentiment_model'],
      jobs: ['bronze_job', 'silver_job', 'gold_job', 'backfill_job', 'train_job'],
      dashboards: ['lakehouse_dashboard'],
      alerts: ['lag_bronze_alert', 'lag_silver_alert', 'lag_gold_alert', 'quarantine_ratio_alert', 'stale_bronze_alert', 'stale_silver_alert', 'stale_gold_alert'],
    })
    expect(report.not_in_bundle.join('\n')).not.toMatch(/dashboard|alert/i)
    expect(report.not_in_bundle.join('\n')).toMatch(/12 tables/)
    expect(report.not_in_bundle.join('\n')).toMatch(/4 analyst views/)

    const {config} = loadConfig({cwd: dir})
    const target = resolveTarget(config, {target: 'dev'}, {})
    const desired = desiredState(config, target)

    const root = yamlOf(first, 'databricks.yml')
    expect(root.bundle).toEqual({name: 'lakectl'})
    expect(root.include).toEqual(['resources/*.yml'])
    expect(root.workspace.file_path).toBe('/Shared/shop')
    expect(root.targets).toEqual({dev: {default: true, workspace: {profile: 'dev'}}})

    // The jobs are bootstrap's job settings, field for field.
    const jobs = yamlOf(first, 'resources/jobs.yml').resources.jobs
    expect(Object.fromEntries(desired.jobs.map((j) => [`${j.role}_job`, j.settings]))).toEqual(jobs)
    // The grants are bootstrap's grants: every managed principal that holds something, on every securable.
    const schemas = yamlOf(first, 'resources/schemas.yml').resources.schemas
    const catalog = yamlOf(first, 'resources/catalogs.yml').resources.catalogs.shop_dev_catalog
    const declared = new Map<string, Array<{principal: string; privileges: string[]}>>([
      ['shop_dev', catalog.grants],
      ...Object.values<any>(schemas).map((s): [string, any] => [`${s.catalog_name}.${s.name}`, s.grants ?? []]),
    ])
    for (const {securable, grants} of desired.grants.filter((g) => g.securable.type !== 'table')) {
      const want = [...grants].filter(([, p]) => p.size).map(([principal, p]) => ({principal, privileges: [...p].sort()})).sort((a, b) => a.principal.localeCompare(b.principal))
      expect(declared.get(securable.full_name), securable.full_name).toEqual(want)
    }
    expect(schemas.gold_schema.grants).toContainEqual({principal: 'analysts', privileges: ['SELECT', 'USE_SCHEMA']})
    expect(yamlOf(first, 'resources/volumes.yml').resources.volumes).toEqual({
      checkpoints_volume: {catalog_name: 'shop_dev', schema_name: 'ops', name: 'checkpoints', volume_type: 'MANAGED', comment: 'Streaming checkpoints (lakectl)'},
    })
    expect(yamlOf(first, 'resources/registered_models.yml').resources.registered_models).toEqual({
      sentiment_model: {catalog_name: 'shop_dev', schema_name: 'ml', name: 'sentiment'},
    })
    // The dashboard and the alerts run on the warehouse_id variable: lakectl.yaml names none, so it has no default.
    expect(root.variables).toEqual({warehouse_id: {description: 'The SQL warehouse the dashboard and the alerts run on.'}})
    expect(readFileSync(path.join(first, 'README.md'), 'utf8')).toContain('export BUNDLE_VAR_warehouse_id=<the SQL warehouse id>')
    const dashboard = yamlOf(first, 'resources/dashboards.yml').resources.dashboards.lakehouse_dashboard
    expect(dashboard).toEqual({display_name: desired.dashboard.display_name, parent_path: desired.dashboard.parent_path, file_path: './lakehouse.lvdash.json', warehouse_id: '${var.warehouse_id}', embed_credentials: true})
    expect(readFileSync(path.join(first, 'resources/lakehouse.lvdash.json'), 'utf8')).toBe(desired.dashboard.serialized)
    const alerts = yamlOf(first, 'resources/alerts.yml').resources.alerts
    expect(alerts).toEqual(Object.fromEntries(desired.alerts.map((a) => [`${a.key}_alert`, {...a.spec, warehouse_id: '${var.warehouse_id}'}])))
    // Every pipeline file bootstrap uploads, byte for byte, where the jobs' paths point once synced.
    const written = files(first)
    for (const file of desired.files) {
      const relative = file.path.slice('/Shared/shop/'.length)
      expect(written.get(relative)?.equals(file.content), relative).toBe(true)
    }
    for (const job of Object.values<any>(jobs)) {
      const pythonFile: string = job.tasks[0].spark_python_task.python_file
      expect(written.has(pythonFile.slice('/Shared/shop/'.length)), pythonFile).toBe(true)
    }
    expect([...written.keys()].filter((f) => !desired.files.some((d) => d.path.endsWith(`/${f}`))).sort()).toEqual([
      'README.md',
      'databricks.yml',
      'resources/alerts.yml',
      'resources/catalogs.yml',
      'resources/dashboards.yml',
      'resources/jobs.yml',
      'resources/lakehouse.lvdash.json',
      'resources/registered_models.yml',
      'resources/schemas.yml',
      'resources/volumes.yml',
    ])
  })

  it('is deterministic: a second export, elsewhere or over the first, has identical bytes', async () => {
    expect((await cli(['bundle', 'export', second, '--target', 'dev'])).code).toBe(0)
    const again = await cli(['bundle', 'export', first, '--target', 'dev', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.json().foreign).toEqual([])
    const a = files(first)
    const b = files(second)
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort())
    for (const [name, content] of a) expect(content.equals(b.get(name)!), name).toBe(true)
  })

  it('writes no credential: neither the profile\'s token or client secret nor the environment\'s', () => {
    for (const [name, content] of files(first)) {
      const text = content.toString('utf8')
      expect(text, name).not.toContain(TOKEN)
      expect(text, name).not.toContain(CLIENT_SECRET)
      // The bundle's own files hold no credential setting (the pipeline code reads its secrets from a scope).
      if (!name.includes('/') || name.startsWith('resources/')) expect(text, name).not.toMatch(/\b(token|password|client_secret)\s*[:=]/i)
    }
  })

  it('the local target names no host (its address changes with every start)', async () => {
    const local = path.join(dir, 'bundle-local')
    expect((await cli(['bundle', 'export', local])).code).toBe(0)
    expect(yamlOf(local, 'databricks.yml').targets).toEqual({local: {default: true}})
  })

  it("gives the warehouse variable lakectl.yaml's warehouse as its default", async () => {
    const named = path.join(dir, 'bundle-warehouse')
    const exported = await runCli(['bundle', 'export', named, '--target', 'dev'], {env: {...env, LAKECTL_WAREHOUSE: 'abc123def456'}, cwd: dir})
    expect(exported.code, exported.stderr).toBe(0)
    expect(yamlOf(named, 'databricks.yml').variables.warehouse_id.default).toBe('abc123def456')
    expect(readFileSync(path.join(named, 'README.md'), 'utf8')).not.toContain('BUNDLE_VAR_warehouse_id')
  })

  it('refuses a folder with other files and no earlier export, and leaves it untouched', async () => {
    const other = path.join(dir, 'other')
    mkdirSync(other)
    writeFileSync(path.join(other, 'notes.txt'), 'mine')
    const refused = await cli(['bundle', 'export', other])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/not empty/)
    expect(refused.stderr).toMatch(/--force/)
    expect([...files(other).keys()]).toEqual(['notes.txt'])
    const forced = await cli(['bundle', 'export', other, '--force', '--json'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.json().foreign).toEqual(['notes.txt'])
    expect(readFileSync(path.join(other, 'notes.txt'), 'utf8')).toBe('mine')
  })
})
