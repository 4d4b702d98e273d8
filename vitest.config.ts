import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // Suites bind loopback ports and share one DynamoDB Local; two workers fit the 2-core machines.
    maxWorkers: 2,
  },
});
