import { defineConfig } from 'vitest/config';

// Three projects: `unit` is pure and parallel; `integration` (and `scale`, alone at the end) talk to the real Temporal dev server and Docker
// engine started by scripts/test.sh, and shares one workflow bundle built in its global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/replay/**'],
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          // Replaying recorded histories needs the shared bundle, so it runs here too.
          include: ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
          exclude: ['test/integration/**/*.scale.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: true,
          maxWorkers: 4,
        },
      },
      {
        test: {
          // Fan-outs of a thousand containers load Docker for minutes: they run alone, after the rest, so
          // they neither slow down nor are slowed by the timing-sensitive integration tests.
          name: 'scale',
          sequence: { groupOrder: 2 },
          include: ['test/integration/**/*.scale.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
