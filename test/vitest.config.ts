import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    // one real PostgreSQL server for the run (the store suites and the cluster tests use it); the
    // web assets built from the sources as they are now (the web tests load them)
    globalSetup: ['test/helpers/pg-global.ts', 'test/web/build-assets.ts'],
    // the mainframe checks its job table's invariants after every slice (server/monitor/state.ts),
    // in the test processes and in every server they start
    env: { TIMESHARE_CHECKS: '1' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end tests start real servers; two cores, so keep parallelism modest.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
