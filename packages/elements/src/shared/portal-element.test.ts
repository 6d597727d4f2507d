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

describe('portal elements: a first load that fails', () => {
  it.each(['fivecolor-consents', 'fivecolor-report-issuer', 'fivecolor-access-log'])(
    '<%s> says why and offers to try again, never "loading" for ever; the server’s own words are not shown',
    async (tag) => {
      // The court's system failing (a 500 with its English message), then working again.
      let failing = true;
      await page.route('**/trpc/**', (route) =>
        failing
          ? route.fulfill({
              status: 500,
              contentType: 'application/json',
              body: JSON.stringify([
                {
                  error: {
                    message: 'Internal server error',
                    code: -32603,
                    data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 },
                  },
                },
              ]),
            })
          : route.continue(),
      );
      await mount(page, api.url, tag, await sessionFor(api, partyA));
      await expect.poll(() => shadowTextOf(page, tag)).toContain('法院系统暂时无法完成操作，请稍后重试。');
      const text = await shadowTextOf(page, tag);
      expect(text).not.toContain('正在加载');
      expect(text).not.toContain('Internal server error');
      failing = false;
      await page.locator(`${tag} button:has-text("重试")`).click();
      await expect.poll(() => shadowTextOf(page, tag)).not.toContain('法院系统暂时无法完成操作');
      await expect.poll(() => page.locator(`${tag} table`).count()).toBe(1);
    },
  );

  it('keeps a page 320 px wide from scrolling sideways: the tables scroll in their own box', async () => {
    await page.setViewportSize({ width: 320, height: 800 });
    const session = await sessionFor(api, partyA);
    for (const tag of ['fivecolor-consents', 'fivecolor-report-issuer']) {
      await mount(page, api.url, tag, session);
      await expect.poll(() => page.locator(`${tag} table`).count()).toBe(1);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    }
  });
});
