import { defineConfig } from 'vitest/config';
import { reporting, tempDirPerRun } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...reporting,
    ...tempDirPerRun,
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Most of these tests wait on child processes (servers, the CLI, pnpm, Chromium): two files at a time.
    maxWorkers: 2,
  },
});
