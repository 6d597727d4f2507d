import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { residentId, startTestServer, type TestServer } from '@fivecolor/api/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/chromium.js';
import { createClient } from '../src/create-client.js';

// The self-contained browser bundle, loaded by <script type="module"> in headless Chromium from the
// same origin as the API. Needs `pnpm build` first (the `test` script builds).
const bundle = () =>
  readFileSync(fileURLToPath(new URL('../dist/fivecolor-client.browser.js', import.meta.url)), 'utf8');
const doc = readFileSync(fileURLToPath(new URL('../../../docs/sdk.md', import.meta.url)), 'utf8');
const docHtml = doc.match(/```html\n([\s\S]*?)```/)?.[1] ?? '';

const SMOKE = `<!doctype html><meta charset="utf-8"><script type="module">
import { createClient, fetchBadge, verifyReport, FivecolorError } from '/fivecolor-client.browser.js';
const q = new URLSearchParams(location.search);
const out = {};
try {
  const client = createClient({ url: location.origin, apiKey: q.get('key') });
  const [policy, party] = await Promise.all([client.policy.get.query(), client.party.get.query({ partyId: q.get('party') })]);
  out.policy = policy.id;
  out.color = party.classification.color;
  const { token } = await client.party.issueBadgeToken.mutate({ partyId: q.get('party') });
  out.badge = (await fetchBadge(location.origin, token)).label;
  const { signed } = await client.report.issue.mutate({ partyId: q.get('party') });
  const jwks = await (await fetch('/.well-known/jwks.json')).json();
  out.report = (await verifyReport(signed, jwks)).report.classification.color;
  const bad = await client.party.register.mutate({ kind: 'person', idType: 'RESIDENT_ID', idNumber: '110105194912310025', name: 'x' }).catch((e) => e);
  out.error = [bad instanceof FivecolorError, bad.code, bad.field];
} catch (e) { out.failed = String(e && e.stack || e); }
window.result = out;
</script>`;

let srv: TestServer;
let browser: Browser;
let base = '';
beforeAll(async () => {
  srv = await startTestServer({
    extra: (req) => {
      const { pathname } = new URL(req.url);
      const html = (body: string) =>
        new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });
      // Where the guide loads it from: the court's /assets/ (here the test server, as the reference server does).
      if (pathname === '/fivecolor-client.browser.js' || pathname === '/assets/fivecolor-client.js') {
        return new Response(bundle(), { headers: { 'content-type': 'text/javascript' } });
      }
      if (pathname === '/smoke.html') return html(SMOKE);
      if (pathname === '/docs-example.html') {
        return html(
          `<!doctype html><meta charset="utf-8">${docHtml.replaceAll('http://localhost:8787', base)}`,
        );
      }
      return undefined;
    },
  });
  base = srv.url;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe('in a browser', () => {
  it('calls the API, fetches a badge and verifies a report from <script type="module">', async () => {
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge });
    const { partyId } = await judge.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(11),
      name: '章某某',
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${srv.url}/smoke.html?key=${srv.keys.judge}&party=${partyId}`);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined);
    const result = await page.evaluate(() => (window as unknown as { result: unknown }).result);
    expect(errors).toEqual([]);
    expect(result).toEqual({
      policy: 'default-2022',
      color: 'green',
      badge: '绿码',
      report: 'green',
      error: [true, 'BAD_REQUEST', 'idNumber'],
    });
    await page.close();
  });

  it('runs the guide\'s <script type="module"> badge example', async () => {
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge });
    const { partyId } = await judge.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(12),
      name: '章某某',
    });
    const { token } = await judge.party.issueBadgeToken.mutate({ partyId });
    const page = await browser.newPage();
    await page.goto(`${srv.url}/docs-example.html?token=${encodeURIComponent(token)}`);
    await page.waitForFunction(() => document.querySelector('#badge')?.textContent !== '…');
    expect(await page.textContent('#badge')).toBe('Green code · 章**');
    await page.close();
  });
});
