import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each browser test file starts its own Chromium; the machine has 2 shared cores.
    fileParallelism: false,
  },
});
