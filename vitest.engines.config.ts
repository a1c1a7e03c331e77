import {defineConfig} from 'vitest/config'

/**
 * The engines tier (npm run test:engines): the shipped PySpark runners on real Spark + Delta + Kafka +
 * MLflow, started on 127.0.0.1 by the tests. Files run one at a time: each starts several JVMs, and the
 * machine has two cores. The global set-up makes the drivers' class archive once per cache.
 */
export default defineConfig({
  test: {
    include: ['test/engines/**/*.test.ts'],
    globalSetup: ['test/engines/harness/class-archive.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 600_000,
    disableConsoleIntercept: true,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
})
