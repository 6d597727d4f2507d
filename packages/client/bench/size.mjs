// Minified + gzipped size of the client's browser bundle (run after the build).
// Run: pnpm --filter @fivecolor/client bench
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const code = readFileSync(new URL('../dist/fivecolor-client.browser.js', import.meta.url));
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
console.log(
  `@fivecolor/client browser bundle: ${kb(code.length)} min, ${kb(gzipSync(code, { level: 9 }).length)} min+gzip`,
);
