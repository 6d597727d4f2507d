import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@fivecolor/api';
import { type ServerType, serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/chromium.js';
import { readConfig } from '../src/config.js';
import { type DemoData, seedDemo } from '../src/demo.js';
import { type OpenedServer, openServer } from '../src/server.js';
import { residentId } from '../src/synthetic-ids.js';

let server: OpenedServer;
let http: ServerType;
let base: string;
let demo: DemoData;
let browser: Browser;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fivecolor-console-'));
  server = await openServer(readConfig({ FIVECOLOR_DATA_DIR: dataDir, PORT: '0' }), {
    logger: createLogger({ level: 'silent' }),
  });
  demo = await seedDemo({ ...server, dataDir, parties: 50, persist: false });
  await new Promise<void>((resolve) => {
    http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      base = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => http?.close(r));
  await server?.close();
  await server?.db.close();
});

it('lets a judge look up a party, see its code and records, and screen a new case, with no console errors', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/console/`);
  await page.fill('#signin input[name=key]', demo.keys.judge);
  await page.click('#signin button');
  await page.waitForSelector('#record select option', { state: 'attached' });
  expect(await page.textContent('#who')).toContain('default-2022');

  await page.fill('#lookup input[name=idNumber]', residentId(990_001)); // the false-litigation story
  await page.click('#lookup button');
  await page.waitForSelector('#party table');
  expect(await page.textContent('#party')).toContain('R01 虚假诉讼罪');
  const label = await page.locator('#party-badge').evaluate((el) => el.shadowRoot?.textContent ?? '');
  expect(label).toContain('红码');

  await page.fill('#screen input[name=caseNumber]', '（2026）浙0212民初1002号');
  await page.fill(
    '#screen textarea',
    [990_002, 990_001, 123].map((n) => `RESIDENT_ID ${residentId(n)}`).join('\n'),
  );
  await page.click('#screen button');
  await page.waitForSelector('#screen-result table');
  expect(await page.textContent('#screen-result')).toContain('2 条预警');

  expect(errors).toEqual([]);

  // A bad identity number: the API's message, naming the field and the rule, is shown to the clerk.
  await page.fill('#lookup input[name=idNumber]', '330203195001010000');
  await page.click('#lookup button');
  await expect.poll(() => page.textContent('#message')).toContain('idNumber: check digit should be');
});
