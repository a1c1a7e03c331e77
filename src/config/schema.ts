/**
 * The lakectl.yaml schema. Defaults live in resources/lakectl.default.yaml (one place for each fact);
 * this schema says what is allowed.
 */
import {z} from 'zod'

import {IDENTIFIER, PRINCIPAL, SECURABLE_PRIVILEGES} from '../databricks/identifiers.js'
import {LAYERS, type Layer, SCHEMAS} from './names.js'

export {LAYERS, SCHEMAS, type Layer, type SchemaName} from './names.js'

const identifier = z.string().regex(IDENTIFIER, 'must be a lower-case identifier (letters, digits, underscores)')
const principal = z.string().regex(PRINCIPAL, 'must be a user, group or service principal name (no quotes, semicolons or control characters)')
const schemaPrivilege = z.enum(SECURABLE_PRIVILEGES.schema, {
  error: (issue) => `unknown privilege '${String(issue.input)}' (valid on a schema: ${SECURABLE_PRIVILEGES.schema.join(', ')})`,
})
const positive = z.number().positive()
const ratio = z.number().min(0).max(1)
const workspacePath = z.string().regex(/^\/[A-Za-z0-9_./ -]*$/, 'must be an absolute workspace path')

const compute = z.strictObject({
  spark_version: z.string().min(1),
  node_type_id: z.string().min(1),
  num_workers: z.number().int().min(0),
})

const source = z.strictObject({
  bootstrap_servers: z.string().min(1),
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name'),
  secret_scope: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be a secret scope name'),
  starting_offsets: z.enum(['earliest', 'latest']),
})

const role = z.strictObject({
  principal,
  layers: z.partialRecord(z.enum(SCHEMAS), z.array(schemaPrivilege).min(1)),
})

export const targetSchema = z.strictObject({
  workspace: z.literal('local').optional(),
  profile: z.string().min(1).optional(),
  host: z.url().optional(),
  catalog: identifier.optional(),
  warehouse: z.string().min(1).optional(),
  workspace_folder: workspacePath.optional(),
  compute: compute.partial().optional(),
})

export const configSchema = z.strictObject({
  project: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be a short lower-case name'),
  catalog: identifier,
  warehouse: z.string().min(1),
  workspace_folder: workspacePath,
  source,
  compute,
  access: z.record(identifier, role),
  streams: z.strictObject(Object.fromEntries(LAYERS.map((l) => [l, z.strictObject({trigger_seconds: positive})])) as Record<Layer, z.ZodObject<{trigger_seconds: typeof positive}>>),
  model: z.strictObject({
    name: identifier,
    serving_endpoint: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a serving endpoint name'),
    metric: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    min_improvement: z.number(),
  }),
  quality: z.strictObject({max_quarantine_ratio: ratio, max_duplicate_ratio: ratio, max_null_ratio: ratio}),
  slo: z.strictObject({
    warn_ratio: ratio,
    lag_seconds: z.strictObject({bronze: positive, silver: positive, gold: positive}),
  }),
  network: z.strictObject({unreachable_retry_seconds: positive}),
  monitoring: z.strictObject({
    anomaly: z.strictObject({
      k: positive,
      min_history_days: z.number().int().min(1),
      history_days: z.number().int().min(2).max(366),
      weekly_after_weeks: z.number().int().min(2),
    }),
    lag_window: z.number().int().min(3).max(1000),
    stale_after_seconds: positive,
    model: z.strictObject({
      max_latency_p95_ms: positive,
      max_error_rate: ratio,
      max_psi: positive,
      min_accuracy: ratio,
      min_samples: z.number().int().min(1),
      inference_table: z.boolean(),
    }),
    alerts: z.strictObject({
      schedule: z.string().regex(/^\S+( \S+){5,6}$/, 'must be a Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year])'),
      timezone: z.string().min(1),
      destination_id: z.string().regex(/^([0-9a-f-]{8,64})?$/i, 'must be a notification destination id (or empty)'),
      emails: z.array(z.email()),
      max_run_seconds: z.strictObject({backfill: positive, train: positive}),
    }),
  }),
  serving: z.strictObject({
    analysts: identifier,
    dashboard: z.string().regex(/^[^\x00-\x1f/\\]{1,200}$/, 'must be a dashboard name (no slashes or control characters)'),
  }),
  default_target: z.string().min(1),
  targets: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a target name'), targetSchema),
})

export type LakectlConfig = z.infer<typeof configSchema>
export type TargetConfig = z.infer<typeof targetSchema>
