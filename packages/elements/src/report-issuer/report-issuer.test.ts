import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, axe, collectErrors, launch } from '../../test/harness.js';
import {
  foreign,
  mount,
  nextEvent,
  partyWithRecords,
  sessionFor,
  shadowTextOf,
  startPortalApi,
  type TestServer,
} from '../../test/portal.js';

const TAG = 'fivecolor-report-issuer';
let browser: Browser;
let api: TestServer;
let partyId: string;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  api = await startPortalApi();
  ({ partyId } = await partyWithRecords(api, 601));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
});
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1000, height: 1600 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.url });
  page = await context.newPage();
  errors = collectErrors(page);
});

// A page left open keeps running (timers, animations) and slows every later test of the file.
afterEach(async () => {
  await context.close();
});

const listed = () =>
  page.waitForFunction((t) => !document.querySelector(t)?.shadowRoot?.querySelector('[aria-busy=true]'), TAG);

describe('<fivecolor-report-issuer> against the real API', () => {
  it('issues a report for a purpose, shows it, hands over number + code, serves its PDF and lists it with its expiry', async () => {
    await mount(page, api.url, TAG, await sessionFor(api, partyId));
    await listed();
    expect(await shadowTextOf(page, TAG)).toContain('您还没有出具过报告。');
    await page.locator(`${TAG} #purpose`).fill('向银行申请贷款');
    const issued = nextEvent(page, TAG, 'fivecolor-report-issued');
    const button = page.locator(`${TAG} button[type=submit]`);
    // Disabled, and saying so, while it runs.
    const during = await page.evaluate(async (t) => {
      const el = document.querySelector(t) as HTMLElement & { updateComplete: Promise<boolean> };
      const b = el.shadowRoot!.querySelector<HTMLButtonElement>('button[type=submit]')!;
      b.click();
      await el.updateComplete;
      return { disabled: b.disabled, text: b.textContent };
    }, TAG);
    expect(during).toEqual({ disabled: true, text: '正在出具…' });
    const { reportNo, code } = (await issued) as { reportNo: string; code: string };
    expect(reportNo).toMatch(/^浙0212-\d{4}-\d{6}$/);
    await expect
      .poll(() => page.locator(`${TAG} [part=notice]`).textContent())
      .toBe(`报告已出具，编号 ${reportNo}。`);
    expect(await button.isDisabled()).toBe(false);
    await page.waitForFunction(
      (t) =>
        document.querySelector(t)?.shadowRoot?.querySelector('fivecolor-report')?.getAttribute('state') ===
        'ready',
      TAG,
    );
    const report = await page
      .locator(`${TAG} fivecolor-report`)
      .evaluate((el) => el.shadowRoot!.textContent!.replace(/\s+/g, ' '));
    expect(report).toContain(reportNo);
    expect(report).toContain('黄码');
    expect(await page.locator(`${TAG} [part=handover]`).textContent()).toBe(
      `报告编号：${reportNo} 验证码：${code}`,
    );

    await page.locator(`${TAG} button`, { hasText: '复制编号和验证码' }).click();
    await expect.poll(() => page.locator(`${TAG} .copied`).textContent()).toBe('已复制报告编号和验证码。');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      `报告编号：${reportNo} 验证码：${code}`,
    );

    const pdf = await page.locator(`${TAG} a[part=button]`).getAttribute('href');
    expect(pdf).toBe(`${api.url}/v1/reports/${encodeURIComponent(reportNo)}.pdf?code=${code}`);
    const res = await page.evaluate(async (u) => {
      const r = await fetch(u!);
      return {
        status: r.status,
        type: r.headers.get('content-type'),
        head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5)),
      };
    }, pdf);
    expect(res).toEqual({ status: 200, type: 'application/pdf', head: '%PDF-' });

    await expect.poll(() => page.locator(`${TAG} table[part=reports] tbody tr`).count()).toBe(1);
    const row = await page.locator(`${TAG} table[part=reports] tbody tr`).textContent();
    expect(row).toContain(reportNo);
    expect(row).toContain('有效');
    expect(row).toContain('向银行申请贷款');
    // The purpose went into the audit trail with the issue; listing the reports is a read of the report
    // list (twice: on opening, after issuing), never a data export.
    const audit = await api
      .client((await api.as('portal').party.issueSession.mutate({ partyId })).token)
      .audit.list.query();
    expect(audit.items.find((a) => a.action === 'report.issue')?.purpose).toBe('向银行申请贷款');
    expect(audit.items.filter((a) => a.action === 'report.list')).toHaveLength(2);
    expect(audit.items.filter((a) => a.action === 'party.export')).toEqual([]);
    expect(await axe(page)).toEqual([]);
    await page.locator(TAG).screenshot({ path: join(ARTIFACTS_DIR, 'report-issuer.png') });
    expect(errors).toEqual([]);
  });

  it('in English; a refused session says so and emits fivecolor-session-expired', async () => {
    const session = await sessionFor(api, partyId);
    await page.addInitScript(() => {
      const w = window as unknown as { expired: number };
      w.expired = 0;
      document.addEventListener('fivecolor-session-expired', () => w.expired++);
    });
    await mount(page, api.url, TAG, foreign(session), 'en');
    await page.waitForFunction(
      (t) => document.querySelector(t)?.shadowRoot?.querySelector('[part=session]'),
      TAG,
    );
    expect(await page.locator(`${TAG} [part=session]`).textContent()).toBe(
      'Your sign-in has expired or is not valid. Please sign in again to go on.',
    );
    expect(await page.locator(`${TAG} form`).count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { expired: number }).expired)).toBe(1);
    const recovered = page.evaluate(
      ([t, s]) => {
        (document.querySelector(t!) as HTMLElement & { session: string }).session = s!;
      },
      [TAG, session] as const,
    );
    await recovered;
    await listed();
    expect(await shadowTextOf(page, TAG)).toContain('Reports issued before');
    expect(await axe(page)).toEqual([]);
    expect(errors.filter((e) => !/401|Unauthorized/i.test(e))).toEqual([]);
  });
});
