import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two test files train at once on CI's two cores: one thread each avoids oversubscription.
    env: { OMP_NUM_THREADS: '1' },
    maxWorkers: 2,
  },
});
