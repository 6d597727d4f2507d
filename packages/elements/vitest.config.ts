import { defineConfig } from 'vitest/config';
import { reporting } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...reporting,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each browser test file starts its own Chromium; the machine has 2 shared cores.
    fileParallelism: false,
    // The self-service elements wait on a real API on a busy machine: expect.poll may take a while.
    expect: { poll: { timeout: 10_000 } },
  },
});
