import {describe, expect, it} from 'vitest'

import {loadConfig} from '../../src/config/load.js'
import {SCHEMAS} from '../../src/config/schema.js'
import {actualGrants, describeGrantChanges, desiredGrants, grantChanges, managedPrincipals} from '../../src/lakehouse/grants.js'
import {diffSettings} from '../../src/lakehouse/reconcile.js'
import {pendingChanges, summarize, unchanged} from '../../src/lakehouse/plan.js'

const {config} = loadConfig({cwd: '/nonexistent-dir-for-defaults'})

describe('desired grants', () => {
  const desired = desiredGrants(config, 'lakehouse', SCHEMAS)
  const on = (name: string) => desired.find((d) => d.securable.full_name === name)!.grants

  it('grants each role its layer privileges plus USE_SCHEMA, and USE_CATALOG on the catalog', () => {
    expect([...on('lakehouse.gold').get('analysts')!].sort()).toEqual(['SELECT', 'USE_SCHEMA'])
    expect([...on('lakehouse.bronze').get('analysts')!]).toEqual([])
    expect([...on('lakehouse').get('analysts')!]).toEqual(['USE_CATALOG'])
    expect([...on('lakehouse.ml').get('ml-engineers')!].sort()).toEqual(['CREATE_MODEL', 'SELECT', 'USE_SCHEMA'])
  })

  it('covers every managed principal on every securable (so extra privileges get removed)', () => {
    for (const d of desired) expect([...d.grants.keys()].sort()).toEqual(managedPrincipals(config))
  })
})

describe('grant changes', () => {
  const managed = ['analysts', 'data-engineers']
  const want = new Map([['analysts', new Set(['SELECT', 'USE_SCHEMA'])], ['data-engineers', new Set(['MODIFY'])]])

  it('adds what is missing and removes extras of managed principals only', () => {
    const have = actualGrants([
      {principal: 'analysts', privileges: ['SELECT', 'MODIFY']},
      {principal: 'outsider', privileges: ['ALL_PRIVILEGES']},
    ], managed)
    const changes = grantChanges(want, have)
    expect(changes).toEqual([
      {principal: 'analysts', add: ['USE_SCHEMA'], remove: ['MODIFY']},
      {principal: 'data-engineers', add: ['MODIFY'], remove: []},
    ])
    expect(describeGrantChanges({type: 'schema', full_name: 'lakehouse.gold'}, changes)).toEqual([
      '+ USE_SCHEMA on schema lakehouse.gold to analysts',
      '- MODIFY on schema lakehouse.gold from analysts',
      '+ MODIFY on schema lakehouse.gold to data-engineers',
    ])
  })

  it('is empty when converged', () => {
    const have = actualGrants([{principal: 'analysts', privileges: ['USE_SCHEMA', 'SELECT']}, {principal: 'data-engineers', privileges: ['MODIFY']}], managed)
    expect(grantChanges(want, have)).toEqual([])
  })
})

describe('job settings diff', () => {
  it('compares only what lakectl sets, ignoring server defaults', () => {
    const desired = {name: 'x', max_concurrent_runs: 1, tasks: [{task_key: 't', spark_python_task: {parameters: ['--a', '1']}}]}
    const actual = {...desired, format: 'MULTI_TASK', email_notifications: {}, tasks: [{...desired.tasks[0], run_if: 'ALL_SUCCESS'}]}
    expect(diffSettings(desired, actual)).toEqual([])
  })

  it('names the fields that differ', () => {
    expect(diffSettings({max_concurrent_runs: 2, tags: {a: 'b'}}, {max_concurrent_runs: 1, tags: {}})).toEqual(['max_concurrent_runs: 1 -> 2', 'tags.a: (unset) -> "b"'])
    expect(diffSettings({tasks: [{p: ['--x', '5']}]}, {tasks: [{p: ['--x', '2']}]})).toEqual(['tasks[0].p[1]: "2" -> "5"'])
  })
})

describe('plan summary', () => {
  it('counts actions by kind and pending changes', () => {
    const actions = [unchanged('schema', 'a.b'), {object_type: 'table' as const, full_name: 'a.b.c', action: 'create' as const, diff: []}, {object_type: 'table' as const, full_name: 'a.b.d', action: 'blocked' as const, diff: ['x']}]
    expect(summarize(actions)).toEqual({create: 1, update: 0, unchanged: 1, blocked: 1})
    expect(pendingChanges(actions)).toBe(1)
  })
})
