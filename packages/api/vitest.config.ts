import { defineConfig } from 'vitest/config';
import { reporting, tempDirPerRun } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...reporting,
    ...tempDirPerRun,
    include: ['src/**/*.test.ts'],
    // PGlite takes seconds to open on 2 shared cores; child-process tests start servers.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
