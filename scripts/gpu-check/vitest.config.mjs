// The vitest config of scripts/gpu-check/run.sh, on the GPU machine: the repo's own, less the global
// setup (it compiles with TypeScript, which the bundle leaves out: dist/ comes built).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
