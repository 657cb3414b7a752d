import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: benchmarks in tests would fight each other, so files run one at a time per worker pair.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
