import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { reporting } from '../../vitest.shared.js';

export default defineConfig({
  resolve: { alias: { '@fivecolor/client': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    ...reporting,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // PGlite takes seconds to open on 2 shared cores; the dist test packs and installs.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
