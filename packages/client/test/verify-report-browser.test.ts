// Offline verification of real signed reports (issued by @fivecolor/api on PGlite) with the client's
// browser bundle in headless Chromium — every network request of the page is refused and recorded —
// and with the same function in Node. Needs `pnpm build` first (the `test` script builds).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PUBLISH_BEFORE_USE_MS, rotateSigningKey } from '@fivecolor/api';
import { createHarness, residentId } from '@fivecolor/api/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/chromium.js';
import { FivecolorReportError, verifyReport } from '../src/verify-report.js';

const BUNDLE = fileURLToPath(new URL('../dist/fivecolor-client.browser.js', import.meta.url));
const ORIGIN = 'https://offline.test';
const DAY = 86_400_000;

type Jwks = { keys: Record<string, unknown>[] };
let browser: Browser;
let page: Page;
let close: () => Promise<void>;
const blocked: string[] = [];
let fresh: { signed: string; reportNo: string };
let oldKeyReport: string;
let expired: string;
let jwks: Jwks;
let jwksBeforeRotation: Jwks;

/** The client's browser bundle, or src/index.ts bundled the same way if dist is missing. */
async function bundle(): Promise<string> {
  if (existsSync(BUNDLE)) return readFileSync(BUNDLE, 'utf8');
  // esbuild comes with tsup (a root dev dependency); loaded only when the bundle has not been built.
  type Build = (o: Record<string, unknown>) => Promise<{ outputFiles: { text: string }[] }>;
  const fromTsup = createRequire(createRequire(import.meta.url).resolve('tsup'));
  const { build } = fromTsup('esbuild') as { build: Build };
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  return out.outputFiles[0]?.text ?? '';
}

beforeAll(async () => {
  const h = await createHarness('pglite', { reports: { court: '浙02' } });
  close = h.close;
  const { clock, db, deps } = h;
  clock.now = new Date(Date.now() - 40 * DAY);
  const judge = h.as('judge');
  const { partyId } = await judge.party.register.mutate({
    kind: 'person',
    idType: 'RESIDENT_ID',
    idNumber: residentId(7),
    name: '章某某',
  });
  // Issued 40 days ago: expired now.
  expired = (await judge.report.issue.mutate({ partyId })).signed;
  clock.now = new Date();
  oldKeyReport = (await judge.report.issue.mutate({ partyId })).signed;
  jwksBeforeRotation = await deps.reports.jwks(db, clock.now);
  await rotateSigningKey(db, deps.crypto, clock.now);
  // The new key signs once every JWKS fetched before the rotation has expired.
  clock.now = new Date(clock.now.getTime() + PUBLISH_BEFORE_USE_MS);
  deps.reports.refresh();
  fresh = await judge.report.issue.mutate({ partyId });
  jwks = JSON.parse(JSON.stringify(await deps.reports.jwks(db, clock.now)));

  const script = await bundle();
  browser = await launchChromium();
  page = await browser.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === `${ORIGIN}/`)
      return route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><meta charset="utf-8"><title>offline</title>',
      });
    if (url === `${ORIGIN}/client.js`) return route.fulfill({ contentType: 'text/javascript', body: script });
    blocked.push(url);
    return route.abort();
  });
  await page.goto(`${ORIGIN}/`);
  // A string, so vitest does not rewrite the page's dynamic import.
  await page.evaluate("import('/client.js').then((m) => { window.client = m; })");
});

afterAll(async () => {
  await browser?.close();
  await close?.();
});

/** verifyReport in the page: `{ ok, color?, reportNo?, kid?, reason?, name? }`. */
const inBrowser = (signed: string, keys: Jwks) =>
  page.evaluate(
    async ([s, k]) => {
      const { verifyReport: verify } = (
        window as unknown as { client: { verifyReport: typeof verifyReport } }
      ).client;
      try {
        const v = await verify(s as string, k as never);
        return { ok: true, color: v.report.classification.color, reportNo: v.report.reportNo, kid: v.kid };
      } catch (e) {
        return { ok: false, reason: (e as { reason?: string }).reason, name: (e as Error).name };
      }
    },
    [signed, keys] as const,
  );

/** Flips one bit of the decoded payload at `at` (0..1 of its length) and re-encodes it. */
const tamper = (signed: string, at: number): string => {
  const [h, p, s] = signed.split('.') as [string, string, string];
  const bytes = Buffer.from(p, 'base64url');
  const i = Math.min(bytes.length - 1, Math.floor(bytes.length * at));
  bytes[i] = (bytes[i] as number) ^ 0x04;
  return `${h}.${bytes.toString('base64url')}.${s}`;
};

describe('offline report verification with the browser bundle in Chromium', () => {
  it('verifies a real signed report with no network request', async () => {
    expect(await inBrowser(fresh.signed, jwks)).toMatchObject({
      ok: true,
      color: 'green',
      reportNo: fresh.reportNo,
    });
    expect(blocked).toEqual([]);
  });

  it('still verifies a report signed before a key rotation', async () => {
    expect(await inBrowser(oldKeyReport, jwks)).toMatchObject({ ok: true });
  });

  it('fails on tampering, an unknown key and expiry, each with its own reason', async () => {
    for (const at of [0, 0.3, 0.7, 1])
      expect(await inBrowser(tamper(fresh.signed, at), jwks)).toMatchObject({
        ok: false,
        reason: 'bad_signature',
        name: 'FivecolorReportError',
      });
    // A key set from before the rotation does not know the new key.
    expect(await inBrowser(fresh.signed, jwksBeforeRotation)).toMatchObject({
      ok: false,
      reason: 'unknown_kid',
    });
    expect(await inBrowser(expired, jwks)).toMatchObject({ ok: false, reason: 'expired' });
    expect(blocked).toEqual([]);
  });
});

describe('offline report verification in Node', () => {
  it('accepts the real report and rejects tampered, unknown-key and expired ones', async () => {
    const v = await verifyReport(fresh.signed, jwks as never);
    expect(v.report.reportNo).toBe(fresh.reportNo);
    const reasonOf = async (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: unknown) => (e instanceof FivecolorReportError ? e.reason : String(e)),
      );
    expect(await reasonOf(verifyReport(tamper(fresh.signed, 0.5), jwks as never))).toBe('bad_signature');
    expect(await reasonOf(verifyReport(fresh.signed, jwksBeforeRotation as never))).toBe('unknown_kid');
    expect(await reasonOf(verifyReport(expired, jwks as never))).toBe('expired');
  });
});
