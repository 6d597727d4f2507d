import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launch } from '../../test/harness.js';
import {
  cstDay,
  mount,
  sessionFor,
  shadowTextOf,
  startPortalApi,
  type TestServer,
} from '../../test/portal.js';

let browser: Browser;
let api: TestServer;
let partyA: string;
let partyB: string;
let page: Page;

beforeAll(async () => {
  api = await startPortalApi();
  partyA = await api.registerPerson(801, '甲某某');
  partyB = await api.registerPerson(802, '乙某某');
  const a = api.client(await sessionFor(api, partyA));
  await a.consent.grant.mutate({ grantee: 'Test Bank', scopes: ['code'], until: cstDay(90) });
  await a.report.issue.mutate({ partyId: partyA, purpose: 'A-ONLY-PURPOSE' });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
});
beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
});
afterEach(async () => {
  await page.close();
});

/** Holds every API request made with `token` for `ms` before letting it through. */
const delayFor = (token: string, ms: number) =>
  page.route('**/trpc/**', async (route) => {
    if (route.request().headers().authorization === `Bearer ${token}`)
      await new Promise((r) => setTimeout(r, ms));
    await route.continue();
  });

const setSession = (tag: string, session: string) =>
  page.evaluate(
    ([t, s]) => {
      (document.querySelector(t as string) as HTMLElement & { session: string }).session = s as string;
    },
    [tag, session] as const,
  );

// A shared terminal: one litigant signs out and another in while the first one's answer is on its way.
describe('portal elements: an answer for the session before comes late', () => {
  it('<fivecolor-consents> never shows party A’s consents once the session names party B', async () => {
    const tag = 'fivecolor-consents';
    const sessionA = await sessionFor(api, partyA);
    await delayFor(sessionA, 800);
    await mount(page, api.url, tag, sessionA);
    await setSession(tag, await sessionFor(api, partyB));
    await expect.poll(() => shadowTextOf(page, tag)).toContain('您还没有授权任何银行');
    await new Promise((r) => setTimeout(r, 1200)); // A's answer has come by now
    expect(await page.locator(`${tag} table[part=consents] tbody tr`).count()).toBe(0);
    expect(await shadowTextOf(page, tag)).toContain('您还没有授权任何银行');
  });

  it('<fivecolor-report-issuer> never lists party A’s reports once the session names party B', async () => {
    const tag = 'fivecolor-report-issuer';
    const sessionA = await sessionFor(api, partyA);
    await delayFor(sessionA, 800);
    await mount(page, api.url, tag, sessionA);
    await setSession(tag, await sessionFor(api, partyB));
    await expect.poll(() => shadowTextOf(page, tag)).toContain('您还没有出具过报告');
    await new Promise((r) => setTimeout(r, 1200));
    expect(await shadowTextOf(page, tag)).not.toContain('A-ONLY-PURPOSE');
  });
});
