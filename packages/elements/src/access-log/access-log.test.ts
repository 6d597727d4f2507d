import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, axe, collectErrors, launch } from '../../test/harness.js';
import {
  cstDay,
  mount,
  partyWithRecords,
  sessionFor,
  shadowTextOf,
  startPortalApi,
  type TestServer,
} from '../../test/portal.js';
import { accessKind } from './access-log.js';

const TAG = 'fivecolor-access-log';
let browser: Browser;
let api: TestServer;
let partyId: string;
let reportNo: string;
let page: Page;
let errors: string[];

beforeAll(async () => {
  api = await startPortalApi();
  ({ partyId } = await partyWithRecords(api, 801));
  const party = api.client(await sessionFor(api, partyId));
  await party.consent.grant.mutate({ grantee: 'Test Bank', scopes: ['code', 'report'], until: cstDay(30) });
  await api.as('bank').party.get.query({ partyId, purpose: '贷款审批' });
  const issued = await party.report.issue.mutate({ partyId, purpose: '投标' });
  reportNo = issued.reportNo;
  // A counterparty verifies the report on the public route.
  await fetch(`${api.url}/v1/reports/${encodeURIComponent(reportNo)}?code=${issued.code}`);
  // Enough court reads for a second page.
  const judge = api.as('judge');
  await Promise.all(
    Array.from({ length: 55 }, (_, i) => judge.party.get.query({ partyId, purpose: `案件审查 ${i}` })),
  );
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
});
beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
  errors = collectErrors(page);
});

// A page left open keeps running (timers, animations) and slows every later test of the file.
afterEach(async () => {
  await page.close();
});

const rows = () => page.locator(`${TAG} table[part=log] tbody tr`);
const ready = () =>
  page.waitForFunction((t) => document.querySelector(t)?.shadowRoot?.querySelector('table[part=log]'), TAG);

describe('accessKind', () => {
  it('tells court, bank, verification, the party itself and others apart', () => {
    expect(accessKind({ actorRole: 'judge', action: 'party.get' })).toBe('court');
    expect(accessKind({ actorRole: 'bank', action: 'party.get' })).toBe('bank');
    expect(accessKind({ actorRole: 'bank', action: 'report.verify' })).toBe('verification');
    expect(accessKind({ actorRole: 'public', action: 'report.pdf' })).toBe('verification');
    expect(accessKind({ actorRole: 'party', action: 'report.issue' })).toBe('self');
    expect(accessKind({ actorRole: 'portal', action: 'party.issueSession' })).toBe('other');
    expect(accessKind({ actorRole: null, action: 'x' })).toBe('other');
  });
});

describe('<fivecolor-access-log> against the real API', () => {
  it('lists who looked, newest first and paged, filtered by court, bank and report verification', async () => {
    await mount(page, api.url, TAG, await sessionFor(api, partyId));
    await ready();
    expect(await rows().count()).toBe(50);
    expect((await rows().allTextContents()).filter((r) => r.includes('法官')).length).toBeGreaterThan(40);
    await page.locator(`${TAG} button`, { hasText: '加载更多' }).click();
    await expect.poll(() => rows().count()).toBeGreaterThan(55);

    await page.locator(`${TAG} #kind`).selectOption('bank');
    await expect.poll(() => rows().count()).toBe(1);
    const bank = (await rows().allTextContents()).map((r) => r.replace(/\s+/g, ' '));
    expect(bank).toHaveLength(1);
    expect(bank[0]).toContain('银行');
    expect(bank[0]).toContain('Test Bank');
    expect(bank[0]).toContain('查看诚信诉讼码和记录');
    expect(bank[0]).toContain('贷款审批');

    await page.locator(`${TAG} #kind`).selectOption('verification');
    await expect.poll(() => rows().textContent()).toContain('核验司法诚信报告');
    const verified = await rows().allTextContents();
    expect(verified).toHaveLength(1);
    expect(verified[0]).toContain('核验司法诚信报告');

    // Filtered on the server: a full page of court reads, and the next page continues with court reads.
    await page.locator(`${TAG} #kind`).selectOption('court');
    await expect.poll(() => rows().count()).toBe(50);
    await page.locator(`${TAG} button`, { hasText: '加载更多' }).click();
    await expect.poll(() => rows().count()).toBeGreaterThan(55);
    const court = await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')));
    expect(new Set(court)).toEqual(new Set(['court']));
    expect(await page.locator(`${TAG} button`, { hasText: '加载更多' }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await page.locator(TAG).screenshot({ path: join(ARTIFACTS_DIR, 'access-log.png') });

    await page.evaluate((t) => document.querySelector(t)!.setAttribute('lang', 'en'), TAG);
    await expect.poll(() => shadowTextOf(page, TAG)).toContain('Who looked at my data');
    expect(await shadowTextOf(page, TAG)).toContain('Judge');
    expect(errors).toEqual([]);
  });

  it('exports all the data as JSON and as PDF, and the export shows in the log', async () => {
    await mount(page, api.url, TAG, await sessionFor(api, partyId));
    await ready();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(`${TAG} button`, { hasText: '导出全部数据（JSON）' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`fivecolor-export-${partyId}.json`);
    const data = JSON.parse(await readFile((await download.path()) as string, 'utf8')) as {
      party: { partyId: string };
      reports: { reportNo: string }[];
    };
    expect(data.party.partyId).toBe(partyId);
    expect(data.reports.map((r) => r.reportNo)).toEqual([reportNo]);
    await expect
      .poll(() => page.locator(`${TAG} [part=notice]`).textContent())
      .toBe('已导出，文件已开始下载。');
    await expect.poll(() => rows().first().textContent()).toContain('导出全部数据');

    const pdfButton = page.locator(`${TAG} button`, { hasText: '导出全部数据（PDF）' });
    const [pdf] = await Promise.all([page.waitForEvent('download'), pdfButton.click()]);
    expect(pdf.suggestedFilename()).toBe(`fivecolor-export-${partyId}.pdf`);
    expect((await readFile((await pdf.path()) as string)).subarray(0, 5).toString()).toBe('%PDF-');
    expect(await pdfButton.isDisabled()).toBe(false);
    expect(errors).toEqual([]);
  });
});
