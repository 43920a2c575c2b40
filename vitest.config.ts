import { defineConfig } from 'vitest/config';

// Two projects: unit tests (pure logic, fakes allowed) and integration tests that
// drive the real dev stack (Kafka, Redis, embedded ClickHouse) started by deploy/stack.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,services}/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'int',
          include: ['{packages,services}/*/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Integration suites share one broker and one ClickHouse; files run one at a time
          // so that timing-sensitive assertions are not starved on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
