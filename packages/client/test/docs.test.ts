import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '@fivecolor/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every ```js block of docs/sdk.md runs as a module against a real server; a failing assertion or a
// thrown error fails the test. The examples' http://localhost:8787 becomes the test server's URL.
const doc = readFileSync(fileURLToPath(new URL('../../../docs/sdk.md', import.meta.url)), 'utf8');
const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const outDir = fileURLToPath(new URL('../.doc-examples/', import.meta.url));

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
  process.env.FIVECOLOR_KEY = srv.keys.judge;
});
afterAll(async () => {
  delete process.env.FIVECOLOR_KEY;
  await srv?.close();
});

describe('docs/sdk.md examples', () => {
  it('has the examples the guide promises', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
  });
  it.each(blocks.map((code, i) => [i + 1, code] as const))('example %i runs', async (i, code) => {
    mkdirSync(outDir, { recursive: true });
    const file = `${outDir}sdk-${i}.mjs`;
    writeFileSync(file, code.replaceAll('http://localhost:8787', srv.url));
    await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
  });
});
