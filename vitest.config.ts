import { defineConfig } from 'vitest/config';

// Three projects: `unit` (fakes, parallel, fast), `integration` (real Redis,
// Docker and git; fewer files at once, since a 2-core machine runs them) and
// `faults` (hostile agents and chaos runs: real everything, one file at a time,
// since they kill processes and fill disks on purpose).
// globalSetup is set per project: vitest projects do not inherit it.
export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
