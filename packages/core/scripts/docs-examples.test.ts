import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

// Every ```js block of the core docs runs as a module; a failing assertion fails the test.
const docs = ['core.md'];
const outDir = fileURLToPath(new URL('../.doc-examples/', import.meta.url));

describe.each(docs)('docs/%s examples', (doc) => {
  const text = readFileSync(fileURLToPath(new URL(`../../../docs/${doc}`, import.meta.url)), 'utf8');
  const blocks = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  it('has examples', () => {
    if (blocks.length === 0) throw new Error(`docs/${doc} has no js examples`);
  });
  it.each(blocks.map((code, i) => [i + 1, code] as const))('example %i runs', async (i, code) => {
    mkdirSync(outDir, { recursive: true });
    const file = `${outDir}${doc.replace('.md', '')}-${i}.mjs`;
    writeFileSync(file, code);
    await import(/* @vite-ignore */ file);
  });
});
