// Shared by every package's vitest.config.ts: besides the usual console output, each run writes its
// counts to .vitest-results.json, which scripts/test-summary.mjs adds up after `pnpm test`.
export const reporting = {
  reporters: ['default', 'json'],
  outputFile: { json: '.vitest-results.json' },
};
