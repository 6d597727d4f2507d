import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const b = await build({ entryPoints: ['src/index.ts'], bundle: true, minify: true, format: 'esm', write: false, platform: 'neutral', metafile: true });
const code = b.outputFiles[0].contents;
console.log('min', code.length, 'gz', gzipSync(code, { level: 9 }).length);
const out = Object.values(b.metafile.outputs)[0];
for (const [k, v] of Object.entries(out.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) console.log(v.bytesInOutput, k);
