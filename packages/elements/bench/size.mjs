// Minified + gzipped size of the one-line embed bundles (run after the build): the badge alone, and every
// element (badge, report, verify, the four self-service elements, the client) in fivecolor-elements.js;
// fivecolor-portal.js is the same module under its earlier name.
// Run: pnpm --filter @fivecolor/elements bench
import { readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const BUDGET_BADGE_GZIP = 15 * 1024;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;

const rows = ['fivecolor-badge.js', 'fivecolor-elements.js', 'fivecolor-portal.js'].map((file) => {
  const code = readFileSync(new URL(`../dist/${file}`, import.meta.url));
  return {
    file,
    min: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code).length,
  };
});

console.log('bundle                   minified    min+gzip    min+brotli');
for (const r of rows) {
  console.log(
    `${r.file.padEnd(24)} ${kb(r.min).padStart(10)}  ${kb(r.gzip).padStart(10)}  ${kb(r.brotli).padStart(10)}`,
  );
}
const badge = rows[0];
const ok = badge.gzip <= BUDGET_BADGE_GZIP;
console.log(
  `badge-only budget ${kb(BUDGET_BADGE_GZIP)} min+gzip: ${ok ? 'within' : 'OVER'} (${kb(badge.gzip)})`,
);
if (!ok) process.exitCode = 1;
