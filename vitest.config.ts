import {configDefaults, defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The engines tier (real Spark, Kafka, MLflow) runs on its own: npm run test:engines.
    exclude: [...configDefaults.exclude, 'test/engines/**'],
    // Each e2e file starts its own local workspace; two cores, so keep the pool small.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    disableConsoleIntercept: true,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
})
