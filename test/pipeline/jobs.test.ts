/** Job templates render into complete, valid Jobs API 2.2 JobSettings. */
import type {compute, jobs} from '@databricks/sdk-experimental'
import {describe, expect, expectTypeOf, it} from 'vitest'

import {UsageError} from '../../src/errors.js'
import {JOB_TEMPLATES, renderJobTemplate, type JobTemplateValues} from '../../src/pipeline/index.js'
import {readResource} from '../../src/pipeline/resources.js'

const VALUES: Required<JobTemplateValues> = {
  catalog: 'lakehouse',
  workspace_folder: '/Shared/lakectl',
  model_name: 'sentiment',
  spark_version: '15.4.x-scala2.12',
  node_type_id: 'i3.xlarge',
  num_workers: 2,
  project: 'lakectl',
  topic: 'customer-events',
  bootstrap_servers: 'kafka.example.internal:9092',
  secret_scope: 'lakectl-kafka',
  starting_offsets: 'earliest',
  trigger_seconds: 5,
}

// The keys the templates may use, checked against the SDK's types at compile time (a misspelt key in
// this list fails `tsc`), then each template's keys are checked against the lists at run time.
const SETTINGS_KEYS = [
  'name', 'description', 'tags', 'continuous', 'max_concurrent_runs', 'queue', 'timeout_seconds', 'parameters', 'job_clusters', 'tasks',
] as const satisfies ReadonlyArray<keyof jobs.JobSettings>
const TASK_KEYS = ['task_key', 'job_cluster_key', 'max_retries', 'min_retry_interval_millis', 'spark_python_task'] as const satisfies ReadonlyArray<keyof jobs.Task>
const PYTHON_TASK_KEYS = ['python_file', 'source', 'parameters'] as const satisfies ReadonlyArray<keyof jobs.SparkPythonTask>
const CLUSTER_KEYS = [
  'spark_version', 'node_type_id', 'num_workers', 'data_security_mode', 'spark_conf', 'custom_tags',
] as const satisfies ReadonlyArray<keyof compute.ClusterSpec>

describe('job templates', () => {
  it.each(JOB_TEMPLATES)('%s uses only JobSettings keys', (name) => {
    const template = JSON.parse(readResource('jobs', `${name}.json`)) as Record<string, unknown> & {
      tasks: Array<Record<string, unknown> & {spark_python_task: object}>
      job_clusters: Array<{new_cluster: object}>
    }
    expect(Object.keys(template).filter((k) => !(SETTINGS_KEYS as readonly string[]).includes(k))).toEqual([])
    for (const task of template.tasks) {
      expect(Object.keys(task).filter((k) => !(TASK_KEYS as readonly string[]).includes(k))).toEqual([])
      expect(Object.keys(task.spark_python_task).filter((k) => !(PYTHON_TASK_KEYS as readonly string[]).includes(k))).toEqual([])
    }
    for (const cluster of template.job_clusters) {
      expect(Object.keys(cluster.new_cluster).filter((k) => !(CLUSTER_KEYS as readonly string[]).includes(k))).toEqual([])
    }
  })

  it.each(JOB_TEMPLATES)('%s renders with every placeholder filled', (name) => {
    const settings: jobs.JobSettings = renderJobTemplate(name, VALUES)
    expectTypeOf(renderJobTemplate).returns.toEqualTypeOf<jobs.JobSettings>()
    const text = JSON.stringify(settings)
    expect(text).not.toMatch(/\{\{[a-z_]+\}\}/)
    expect(settings.name).toMatch(/^lakectl /)
    expect(settings.tags).toEqual({lakectl_project: 'lakectl', lakectl_layer: name})
    expect(settings.queue).toEqual({enabled: true})
    expect(settings.max_concurrent_runs).toBeGreaterThanOrEqual(1)
    const cluster = settings.job_clusters![0].new_cluster
    expect(cluster.num_workers).toBe(2)
    // Training needs the ML runtime (MLflow, scikit-learn, pandas); the rest the standard one.
    expect(cluster.spark_version).toBe(name === 'train' ? '15.4.x-cpu-ml-scala2.12' : '15.4.x-scala2.12')
    const task = settings.tasks![0]
    expect(task.spark_python_task!.python_file).toBe(`/Shared/lakectl/pyspark/${name}.py`)
    expect(task.spark_python_task!.parameters).toEqual(expect.arrayContaining(['--catalog', 'lakehouse']))
  })

  it('makes the three layers continuous, paused, one run at a time', () => {
    for (const name of ['bronze', 'silver', 'gold'] as const) {
      const settings = renderJobTemplate(name, VALUES)
      expect(settings.continuous).toEqual({pause_status: 'PAUSED'})
      expect(settings.max_concurrent_runs).toBe(1)
      const parameters = settings.tasks![0].spark_python_task!.parameters!
      expect(parameters[parameters.indexOf('--trigger-seconds') + 1]).toBe('5')
      expect(parameters[parameters.indexOf('--checkpoint') + 1]).toBe(`/Volumes/lakehouse/ops/checkpoints/${name}`)
    }
    const bronze = renderJobTemplate('bronze', VALUES).tasks![0].spark_python_task!.parameters!
    expect(bronze).toEqual(expect.arrayContaining(['kafka.example.internal:9092', 'customer-events', 'lakectl-kafka', 'earliest']))
  })

  it('parameterises the backfill by layer, partition date and mode, with Databricks references left alone', () => {
    const settings = renderJobTemplate('backfill', VALUES)
    expect(settings.continuous).toBeUndefined()
    expect(settings.parameters!.map((p) => p.name)).toEqual(['layer', 'partition_date', 'mode'])
    expect(settings.tasks![0].spark_python_task!.parameters).toEqual(
      expect.arrayContaining(['{{job.parameters.layer}}', '{{job.parameters.partition_date}}', '{{job.parameters.mode}}']),
    )
    // lakectl retries a failed partition itself (--max-attempts): no task retries on top of it.
    expect(settings.tasks![0].max_retries).toBeUndefined()
    expect(settings).toMatchObject({max_concurrent_runs: 4, queue: {enabled: true}})
  })

  it('keeps an ML runtime the config already names for training', () => {
    expect(renderJobTemplate('train', {...VALUES, spark_version: '15.4.x-gpu-ml-scala2.12'}).job_clusters![0].new_cluster.spark_version).toBe('15.4.x-gpu-ml-scala2.12')
  })

  it('names the values it lacks and refuses bad ones', () => {
    const {topic: _topic, num_workers: _workers, ...partial} = VALUES
    expect(() => renderJobTemplate('bronze', partial)).toThrow(/bronze needs values for num_workers, topic/)
    expect(() => renderJobTemplate('gold', partial)).toThrow(/num_workers/)
    expect(() => renderJobTemplate('silver', {...VALUES, catalog: 'Lake House'})).toThrow(UsageError)
    expect(() => renderJobTemplate('silver', {...VALUES, num_workers: 'two'})).toThrow(/num_workers must be an integer/)
    expect(() => renderJobTemplate('silver', {...VALUES, trigger_seconds: 0})).toThrow(/trigger_seconds/)
    expect(() => renderJobTemplate('silver', {...VALUES, workspace_folder: 'Shared/lakectl'})).toThrow(/absolute/)
    expect(() => renderJobTemplate('silver', {...VALUES, project: '{{catalog}}'})).toThrow(/without/)
    expect(renderJobTemplate('silver', {...VALUES, num_workers: '3'}).job_clusters![0].new_cluster.num_workers).toBe(3)
  })
})
