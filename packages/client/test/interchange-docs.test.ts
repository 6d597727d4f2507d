import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@fivecolor/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The "Change feed" section of docs/interchange.md: every ```js block runs as a module against a real
// server, and every ```sh block that calls exchange.changes runs in bash; an exchange key, with a few
// events on the feed. The examples' http://localhost:8787 becomes the test server's URL.
const doc = readFileSync(fileURLToPath(new URL('../../../docs/interchange.md', import.meta.url)), 'utf8');
const start = doc.indexOf('\n## Change feed');
const end = doc.indexOf('\n## ', start + 1);
const section = doc.slice(start, end === -1 ? undefined : end);
const js = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const sh = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .map((m) => m[1] as string)
  .filter((b) => b.includes('exchange.changes'));
const outDir = fileURLToPath(new URL('../.doc-examples/', import.meta.url));

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
  const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  for (let i = 0; i < 2; i++) {
    const partyId = await srv.registerPerson(500 + i, '章某某');
    await srv.as('judge').record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2026）浙0212执8号',
      effectiveFrom: day,
    });
  }
  process.env.FIVECOLOR_KEY = srv.keys.exchange;
});
afterAll(async () => {
  delete process.env.FIVECOLOR_KEY;
  await srv?.close();
});

describe('docs/interchange.md, Change feed', () => {
  it('has the examples the section promises', () => {
    expect(js.length).toBeGreaterThanOrEqual(1);
    expect(sh.length).toBeGreaterThanOrEqual(2);
  });
  it.each(js.map((code, i) => [i + 1, code] as const))('js example %i runs', async (i, code) => {
    mkdirSync(outDir, { recursive: true });
    const file = `${outDir}interchange-${i}.mjs`;
    writeFileSync(file, code.replaceAll('http://localhost:8787', srv.url));
    await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
  });
  it.each(sh.map((code, i) => [i + 1, code] as const))(
    'curl example %i answers a feed page',
    async (_i, code) => {
      // Asynchronously: the server runs in this process, so a blocking exec would never be answered.
      const { stdout: out } = await promisify(execFile)(
        'bash',
        ['-euo', 'pipefail', '-c', code.replaceAll('http://localhost:8787', srv.url)],
        { env: { ...process.env, FIVECOLOR_KEY: srv.keys.exchange }, encoding: 'utf8', timeout: 60_000 },
      );
      const body = JSON.parse(out.trim().split('\n').at(-1) as string);
      expect(body.result.data).toMatchObject({ items: expect.any(Array), nextCursor: expect.any(String) });
      expect(body.result.data.items.length).toBeGreaterThan(0);
    },
  );
});
