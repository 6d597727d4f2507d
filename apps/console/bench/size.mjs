// The console's JavaScript, minified and gzipped (charts included), against its 250 KB budget.
// Run after the build: pnpm --filter @fivecolor/console bench
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 250 * 1024;
const code = readFileSync(new URL('../dist/console.js', import.meta.url));
const gzip = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(
  `console.js: ${kb(code.length)} minified, ${kb(gzip)} min+gzip; budget ${kb(BUDGET)}: ${gzip <= BUDGET ? 'within' : 'OVER'} (${((gzip / BUDGET) * 100).toFixed(0)} %)`,
);
if (gzip > BUDGET) process.exitCode = 1;
