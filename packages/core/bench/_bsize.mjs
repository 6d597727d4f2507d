import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const b = await build({ entryPoints: ['/work/main/packages/core/dist/index.js'], bundle: true, minify: true, format: 'esm', write: false, platform: 'neutral', metafile: true });
const code = b.outputFiles[0].contents;
console.log('min', code.length, 'gz', gzipSync(code, { level: 9 }).length);
