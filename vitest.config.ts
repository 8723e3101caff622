import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // tfjs keeps one engine per process; separate processes keep test files independent.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
