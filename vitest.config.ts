import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // test/consumer: the packed packages installed outside the repository (see its header).
    include: ['{packages/*,scheduler,estimators,bench}/test/**/*.test.ts', 'docs/examples/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global_setup.ts'],
  },
});
