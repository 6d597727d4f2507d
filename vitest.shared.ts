import { fileURLToPath } from 'node:url';

// Shared by every package's vitest.config.ts: besides the usual console output, each run writes its
// counts to .vitest-results.json, which scripts/test-summary.mjs adds up after `pnpm test`.
export const reporting = {
  reporters: ['default', 'json'],
  outputFile: { json: '.vitest-results.json' },
};

/** For packages whose tests write temporary files: one directory per run, removed at its end. */
export const tempDirPerRun = {
  globalSetup: [fileURLToPath(new URL('./vitest.tmpdir.ts', import.meta.url))],
};
