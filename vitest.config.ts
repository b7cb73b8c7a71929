import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{packages/*,scheduler,estimators,bench}/test/**/*.test.ts', 'docs/examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
