import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Color } from '../src/types.js';
import { CODE, REPORT_NO, verificationFor } from './fixtures.js';
import {
  ARTIFACTS_DIR,
  axe,
  badge,
  COLORS,
  collectErrors,
  launch,
  sendJson,
  shadowText,
  siteHandler,
  startServer,
  type TestServer,
} from './harness.js';

let browser: Browser;
let site: TestServer;
let api: TestServer;
let page: Page;
let errors: string[];

beforeAll(async () => {
  api = await startServer((_req, res, url) => {
    const token = /^\/v1\/badge\/t-([a-z]+)$/.exec(url.pathname)?.[1] as Color | undefined;
    if (token && COLORS.includes(token)) return sendJson(res, 200, badge(token, { until: '2099-01-01' }));
    const no = /^\/v1\/reports\/([^/]+)$/.exec(url.pathname)?.[1];
    if (no) {
      const { status, body } = verificationFor(decodeURIComponent(no), url.searchParams.get('code'));
      return sendJson(res, status, body);
    }
    sendJson(res, 404, { error: 'not found' });
  });
  // The pages are served under a strict CSP: no inline script or style, the API as the only other origin.
  site = await startServer((req, res, url) => {
    if (url.pathname.startsWith('/playground/'))
      res.setHeader('content-security-policy', `default-src 'self'; connect-src 'self' ${api.url}`);
    return siteHandler(req, res, url);
  });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await api?.close();
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  errors = collectErrors(page);
});

// A page left open keeps running (timers, animations) and slows every later test of the file.
afterEach(async () => {
  await page.close();
});

const waitForBadge = (selector: string) =>
  page.waitForFunction(
    (sel) => ['ready', 'error'].includes(document.querySelector(sel)?.getAttribute('state') ?? ''),
    selector,
  );

describe('playground pages', () => {
  it("bank page: the applicant's badge, the verify form and the verified report, with no console errors", async () => {
    await page.goto(`${site.url}/playground/bank.html?token=t-gold&api=${encodeURIComponent(api.url)}`);
    await waitForBadge('#applicant');
    expect(await shadowText(page, '#applicant', '[part=label]')).toBe('金码');
    expect(await page.textContent('#offer')).toContain('诚信履行贷');
    expect(await axe(page)).toEqual([]);

    await page.locator('#verify #reportNo').fill(REPORT_NO);
    await page.locator('#verify #code').fill(CODE);
    await page.locator('#verify button').click();
    await page.waitForFunction(() => !document.querySelector('fivecolor-report')!.hidden);
    await page.waitForFunction(
      () => document.querySelector('#verified-report')?.getAttribute('state') === 'ready',
    );
    expect(await shadowText(page, '#verified-report', 'h2')).toBe('司法诚信报告');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'playground-bank.png'), fullPage: true });

    await page.click('#lang-toggle');
    await page.waitForFunction(
      () =>
        document.querySelector('#applicant')?.shadowRoot?.querySelector('[part=label]')?.textContent ===
        'Gold code',
    );
    expect(await shadowText(page, '#verified-report', 'h2')).toBe('Judicial integrity report');
    // The whole page switches, not only the elements, and the button offers the other language.
    expect(await page.textContent('h1')).toBe('Example Bank · integrity performance loan');
    expect(await page.textContent('#offer')).toBe('You qualify for the integrity performance loan rate.');
    expect(await page.textContent('#lang-toggle')).toBe('中文');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.click('#lang-toggle');
    expect(await page.textContent('h1')).toBe('示例银行 · 诚信履行贷');
    expect(await page.textContent('#lang-toggle')).toBe('English');
    expect(errors).toEqual([]);
  });

  it('bank page: a report handed over as ?reportNo=&code= (the court portal links here) is verified at once', async () => {
    const q = new URLSearchParams({ reportNo: REPORT_NO, code: CODE, api: api.url });
    await page.goto(`${site.url}/playground/bank.html?${q}`);
    await page.waitForFunction(
      () => document.querySelector('#verified-report')?.getAttribute('state') === 'ready',
    );
    expect(await shadowText(page, '#verified-report', 'h2')).toBe('司法诚信报告');
    expect(await page.isVisible('#verified-report')).toBe(true);
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('index page links to the bank, court and partner pages', async () => {
    await page.goto(`${site.url}/playground/`);
    const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(['./bank.html', './court.html', './partner.html']);
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
