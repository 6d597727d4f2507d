// Bundles the console (Lit, the SDK, the elements, tree-shaken ECharts) into dist/ with its page and styles.
// Run: pnpm --filter @fivecolor/console build
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const dist = new URL('./dist/', import.meta.url);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
const result = await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outfile: new URL('console.js', dist).pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  tsconfig: new URL('./tsconfig.json', import.meta.url).pathname,
  logLevel: 'warning',
  // The elements' shared chunks are pure: importing them for nothing is right to drop.
  logOverride: { 'ignored-bare-import': 'silent' },
  metafile: true,
});
for (const file of ['index.html', 'console.css'])
  copyFileSync(new URL(file, import.meta.url), new URL(file, dist));
if (process.env.CONSOLE_ANALYZE) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile));
}
