/**
 * The lakehouse pipeline: table specs from the DDL, the manifest and its SQL, the DuckDB executor,
 * batch presentation, stream progress, job templates, the event generator and the independent
 * expectation model used by tests. Nothing here loads DuckDB until a DuckDB function is called.
 */
export {fullTableName, loadTableSpecs, parseTableDdl, type ColumnSpec, type TableSpec} from './ddl.js'
export {
  bindParameters,
  loadManifest,
  renderSql,
  type BackfillManifest,
  type BackfillMode,
  type LayerManifest,
  type ManifestStep,
  type PipelineLayer,
  type PipelineManifest,
  type StepParameters,
} from './manifest.js'
export {installMacros, preparePipelineConnection, registerSentimentFunctions, setUnscoredShortcut, setUtc, type SentimentScorer} from './duckdb.js'
export {
  runGoldBatch,
  batchOnlySteps,
  partitionDate,
  prepareLayerBatch,
  preparePartitionBatch,
  runLayerBatch,
  runPartitionBatch,
  runSilverBatch,
  utcWallTime,
  type BatchOptions,
  type GoldBatchFigures,
  type SilverBatchFigures,
} from './executor.js'
export {backfillBatchId, presentBronzeBatch, presentPartitionBatch, presentSilverBatch, type OffsetRange} from './batches.js'
export {
  buildStreamProgress,
  insertStreamProgress,
  type BatchProgressInput,
  type KafkaOffsets,
  type StreamingQueryProgress,
  type StreamProgressRow,
} from './progress.js'
export {JOB_PLACEHOLDERS, JOB_TEMPLATES, renderJobTemplate, type JobPlaceholder, type JobTemplateName, type JobTemplateValues} from './jobs.js'
export {EVENT_TYPES, generateEvents, type GeneratorOptions} from './generator.js'
export {loadReferenceData, type ReferenceData} from './reference-data.js'
export {
  ExpectedLakehouse,
  REJECT_REASONS,
  validateRecord,
  type BronzeRecord,
  type DailyRow,
  type FeatureRow,
  type QuarantineRow,
  type RejectReason,
  type SilverRow,
  type SummaryRow,
} from './expected.js'
