import {mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {UsageError} from '../../src/errors.js'
import {loadConfigCached} from '../../src/config/cached.js'
import {loadConfig} from '../../src/config/load.js'
import {resolveSettings, resolveTarget} from '../../src/config/targets.js'

function project(yaml?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lakectl-config-'))
  if (yaml !== undefined) writeFileSync(path.join(dir, 'lakectl.yaml'), yaml)
  return dir
}

function loadError(yaml: string): UsageError {
  try {
    loadConfig({cwd: project(yaml)})
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return error as UsageError
  }
  throw new Error('expected the config to be rejected')
}

describe('config loading', () => {
  it('uses the built-in defaults and the local target when nothing is configured', async () => {
    const settings = await resolveSettings({}, {}, project())
    expect(settings.path).toBeUndefined()
    expect(settings.target).toMatchObject({name: 'local', kind: 'local', catalog: 'lakehouse', warehouse: 'auto'})
    expect(settings.config.access.analysts.layers.gold).toEqual(['SELECT'])
  })

  it('merges the file over the defaults, replacing access as a whole', () => {
    const {config} = loadConfig({cwd: project('catalog: shop\naccess:\n  bi:\n    principal: bi-team\n    layers: {gold: [SELECT]}\nslo:\n  lag_seconds: {gold: 900}\n')})
    expect(config.catalog).toBe('shop')
    expect(Object.keys(config.access)).toEqual(['bi'])
    expect(config.slo.lag_seconds).toEqual({bronze: 60, silver: 120, gold: 900})
    expect(config.model.name).toBe('sentiment')
  })

  it('names the file, line and key of an unknown privilege', () => {
    const error = loadError('catalog: shop\naccess:\n  bi:\n    principal: bi-team\n    layers:\n      gold: [SELECT, SELCT]\n')
    expect(error.kind).toBe('usage')
    expect(error.message).toMatch(/lakectl\.yaml:6: access\.bi\.layers\.gold\[1\]: unknown privilege 'SELCT'/)
  })

  it('names the line of an unknown key and of a bad identifier', () => {
    expect(loadError('catalog: shop\nwarehuose: abc\n').message).toMatch(/lakectl\.yaml:2: .*unknown key 'warehuose'/)
    expect(loadError('project: lakectl\ncatalog: "x; DROP TABLE y"\n').message).toMatch(/lakectl\.yaml:2: catalog: must be a lower-case identifier/)
  })

  it('rejects a principal that could inject SQL', () => {
    const error = loadError("access:\n  bad:\n    principal: \"x'; DROP TABLE y --\"\n    layers: {gold: [SELECT]}\n")
    expect(error.message).toMatch(/lakectl\.yaml:3: access\.bad\.principal/)
  })

  it('reports YAML syntax errors with their line', () => {
    expect(loadError('catalog: shop\naccess: [\n').message).toMatch(/lakectl\.yaml:\d+: invalid YAML/)
  })

  it('fails with exit 2 when --config points at a missing file', () => {
    expect(() => loadConfig({configPath: 'nope.yaml', cwd: project()})).toThrow(/Cannot read the config file/)
  })
})

describe('target precedence: flags > environment > file > defaults', () => {
  const yaml = 'catalog: shop\ndefault_target: dev\ntargets:\n  local: {workspace: local}\n  dev: {profile: dev, catalog: shop_dev}\n  prod: {profile: prod}\n'
  const {config} = loadConfig({cwd: project(yaml)})

  it('takes the file default target', () => {
    expect(resolveTarget(config, {}, {})).toMatchObject({name: 'dev', kind: 'databricks', profile: 'dev', catalog: 'shop_dev'})
  })

  it('lets LAKECTL_TARGET override the file and --target override the environment', () => {
    expect(resolveTarget(config, {}, {LAKECTL_TARGET: 'prod'})).toMatchObject({name: 'prod', catalog: 'shop'})
    expect(resolveTarget(config, {target: 'local'}, {LAKECTL_TARGET: 'prod'})).toMatchObject({name: 'local', kind: 'local'})
  })

  it('lets --profile override the profile of the chosen target', () => {
    expect(resolveTarget(config, {target: 'prod', profile: 'other'}, {})).toMatchObject({name: 'prod', profile: 'other'})
  })

  it('uses DATABRICKS_HOST when no target is chosen and the file sets none', () => {
    const {config: defaults} = loadConfig({cwd: project()})
    expect(resolveTarget(defaults, {}, {DATABRICKS_HOST: 'https://x.cloud.databricks.com'})).toMatchObject({name: 'env', kind: 'databricks'})
    expect(resolveTarget(defaults, {}, {})).toMatchObject({name: 'local', kind: 'local'})
  })

  it('lets LAKECTL_CATALOG override the target catalog', () => {
    expect(resolveTarget(config, {}, {LAKECTL_CATALOG: 'other'}).catalog).toBe('other')
  })

  it('rejects an unknown target with the known ones in the message', () => {
    expect(() => resolveTarget(config, {target: 'staging'}, {})).toThrow(/Unknown target 'staging' \(targets in the config: local, dev, prod\)/)
  })
})

describe('the validated-config cache', () => {
  const yaml = 'catalog: shop\naccess:\n  bi:\n    principal: bi-team\n    layers: {gold: [SELECT]}\n'

  it('answers a second load from the cache with exactly what the full load gives', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'lakectl-config-cache-'))
    const cwd = project(yaml)
    const first = await loadConfigCached({cwd}, cache)
    expect(readdirSync(cache)).toHaveLength(1)
    const second = await loadConfigCached({cwd}, cache)
    expect(second).toEqual(loadConfig({cwd}))
    expect(second).toEqual(first)
  })

  it('misses when the file changes, and never caches an invalid config', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'lakectl-config-cache-'))
    const cwd = project(yaml)
    expect((await loadConfigCached({cwd}, cache)).config.catalog).toBe('shop')
    writeFileSync(path.join(cwd, 'lakectl.yaml'), 'catalog: other\n')
    expect((await loadConfigCached({cwd}, cache)).config.catalog).toBe('other')
    writeFileSync(path.join(cwd, 'lakectl.yaml'), 'catalog: Not-An-Identifier\n')
    await expect(loadConfigCached({cwd}, cache)).rejects.toThrow(/lakectl.yaml:1: catalog: must be a lower-case identifier/)
    await expect(loadConfigCached({cwd}, cache)).rejects.toThrow(/must be a lower-case identifier/)
  })
})
