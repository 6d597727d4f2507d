// The court console end to end: the real server (PGlite, demo seed), real Chromium, one of each per file.
// Each role's main workflow through the screen, axe-core on every view, and no CSP violation or page error.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@fivecolor/api';
import { type ServerType, serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/chromium.js';
import { readConfig } from '../src/config.js';
import { type DemoData, demoClient, seedDemo } from '../src/demo.js';
import { type OpenedServer, openServer } from '../src/server.js';
import { residentId } from '../src/synthetic-ids.js';

let server: OpenedServer;
let http: ServerType;
let base: string;
let demo: DemoData;
let browser: Browser;

// axe-core is the console's dev dependency: resolved from there.
const axeSource = readFileSync(
  createRequire(new URL('../../console/package.json', import.meta.url)).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** What this test reads of axe-core's results (its types are the console's dev dependency, not this package's). */
interface AxeViolation {
  id: string;
  help: string;
  impact?: string | null;
  nodes: { target: unknown }[];
}

/** Serious and critical WCAG 2.1 A/AA violations on the page (evaluated over CDP: the CSP does not block it). */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const { axe } = window as unknown as {
      axe: { run: (c: Document, o: object) => Promise<{ violations: AxeViolation[] }> };
    };
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  });
}

/** A page signed in with `key`, collecting console errors (CSP violations among them) and page errors. */
async function signedIn(key: string, width = 1280): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  // A 4xx is a refusal the test asked for (its message is asserted beside the field); anything else counts.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/console/`);
  await page.fill('#signin input[name=apiKey]', key);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
  return { page, errors };
}

const go = (page: Page, hash: string) => page.evaluate((h) => (location.hash = h), hash);
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the text as a person sees it
const text = (page: Page, sel: string) => page.locator(sel).innerText();

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fivecolor-console-'));
  server = await openServer(readConfig({ FIVECOLOR_DATA_DIR: dataDir, PORT: '0' }), {
    logger: createLogger({ level: 'silent' }),
  });
  demo = await seedDemo({ ...server, dataDir, parties: 20, persist: false });
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

describe('the court console', () => {
  it('is served with a CSP (no inline script) and security headers, from the built bundle', async () => {
    const res = await fetch(`${base}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect((await fetch(`${base}/console/console.js`)).status).toBe(200);
  });

  it('clerk: signs in (who, role, court shown), screens a case, prints the slip, reads the case history; no record forms', async () => {
    const { page, errors } = await signedIn(demo.keys.clerk);
    expect(await text(page, '[data-testid=who]')).toMatch(/立案人员 · 法院 浙0212/);
    await page.waitForSelector('#screen');
    expect(await axe(page)).toEqual([]);

    await page.fill('#screen input[name=caseNumber]', '（2026）浙0212民初2002号');
    await page.fill(
      '#screen textarea',
      `RESIDENT_ID ${residentId(990_002)} 李某\n${residentId(990_001)}\nRESIDENT_ID ${residentId(123)}`,
    );
    await page.click('#screen button[type=submit]');
    await page.waitForSelector('.slip table');
    const slip = await text(page, '.slip');
    expect(slip).toContain('2 条预警');
    expect(slip).toContain('黄码');
    expect(slip).toContain('红码');
    expect(slip).toContain('请对其陈述和证据从严审查');
    // The form was reset and the success said so.
    expect(await page.inputValue('#screen textarea')).toBe('');
    expect(await text(page, '#screen .form-done')).toContain('2 条预警');
    expect(await axe(page)).toEqual([]);

    // Mark the case for the trial judge, with a note: a double click marks it once (one key per slip).
    await page.fill('#mark-note', '黄码当事人，请从严审查其借贷证据');
    await page.dblclick('#mark button[type=submit]');
    await page.waitForSelector('[data-testid=mark]');
    expect(await text(page, '[data-testid=mark]')).toMatch(
      /已移送审判庭.*移送时间.*黄码当事人，请从严审查其借贷证据/s,
    );
    await expect.poll(() => text(page, '.toast')).toContain('已移送审判庭');
    const marked = await demoClient(server.app, demo.keys.judge).party.markedCases.query({
      caseNumber: '（2026）浙0212民初2002号',
    });
    expect(marked.items[0]?.marks).toHaveLength(1);
    expect(marked.items[0]?.alerts).toBe(2);
    // The clerk's own list of marked cases shows it at once.
    await expect.poll(() => text(page, 'ul.marked')).toContain('（2026）浙0212民初2002号');
    expect(await axe(page)).toEqual([]);

    // The print stylesheet: the slip alone, no navigation, no forms.
    await page.emulateMedia({ media: 'print' });
    // Shown: neither it nor an ancestor is display: none.
    const shown = (sel: string) =>
      page
        .locator(sel)
        .first()
        .evaluate((el) => {
          for (let e: Element | null = el; e; e = e.parentElement)
            if (getComputedStyle(e).display === 'none') return false;
          return true;
        });
    expect(await shown('.slip table')).toBe(true);
    expect(await shown('[data-testid=mark]')).toBe(true);
    expect(await shown('header.top')).toBe(false);
    expect(await shown('#screen')).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    // The history of the case (also by URL, to bookmark).
    await page.fill('#history input[name=caseNumber]', demo.screening.caseNumber);
    await page.click('#history button[type=submit]');
    await page.waitForSelector('#history ~ table tbody tr');
    expect(await page.locator('#history ~ table tbody tr').count()).toBe(2);
    expect(page.url()).toContain('#/screen?case=');

    // A clerk reads parties but enters nothing.
    const red = demo.stories[0]?.partyId as string;
    await go(page, `#/party/${red}`);
    await page.waitForSelector('.party-head');
    expect(await page.locator('button', { hasText: '录入记录' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('clerk: every bad line of a screening is named beside the list, counted from 1', async () => {
    const { page } = await signedIn(demo.keys.clerk);
    await page.waitForSelector('#screen');
    const bad = (n: number) => `${residentId(n).slice(0, 17)}${residentId(n).endsWith('0') ? '1' : '0'}`;
    await page.fill('#screen input[name=caseNumber]', '（2026）浙0212民初2003号');
    await page.fill(
      '#screen textarea',
      `${bad(990_301)} 甲\n${bad(990_302)} 乙\n${residentId(990_002)} 李某`,
    );
    await page.click('#screen button[type=submit]');
    await expect
      .poll(() => text(page, '#screen-parties-err'))
      .toMatch(/^第 1 行 parties\.0\.idNumber: .*; 第 2 行 parties\.1\.idNumber: /);
    await page.close();
  });

  it('judge: finds the yellow party with /, reads the explanation and timeline, enters and revokes a record in dialogs', async () => {
    const { page, errors } = await signedIn(demo.keys.judge);
    await page.waitForSelector('#lookup');
    // A bad identity number: the API's message beside the field it names.
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('idNumber');
    await page.keyboard.type('330203195001010000');
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page, '#lookup-idNumber-err')).toContain('idNumber: check digit should be');
    expect(await page.getAttribute('#lookup-idNumber', 'aria-invalid')).toBe('true');

    // By name among the parties this court has seen: masked candidates, each a link.
    await page.fill('#byName-name', '李某');
    await page.click('#byName button[type=submit]');
    await page.waitForSelector('ul.candidates a');
    expect(await text(page, 'ul.candidates')).toMatch(/李\* · RESIDENT_ID \d{4}\*+/);

    await page.fill('#lookup-idNumber', residentId(990_002));
    await page.click('#lookup button[type=submit]');
    await page.waitForSelector('.party-head h2');
    expect(page.url()).toMatch(/#\/party\/pty_/);
    expect(await text(page, '.party-head')).toContain('黄码');
    expect(await text(page, '.summary')).toContain('依据：职业放贷人');
    expect(await text(page, 'ul.explained')).toContain('法律依据');
    expect(await page.locator('.timeline .seg-yellow').count()).toBe(1);
    const badge = await page.locator('fivecolor-badge').evaluate((el) => el.shadowRoot?.textContent ?? '');
    expect(badge).toContain('黄码');
    expect(await axe(page)).toEqual([]);

    // Enter a record: the dialog offers red and yellow categories only (no gold, no repair).
    await page.click('button:has-text("录入记录")');
    await page.waitForSelector('dialog[open] #rec');
    const options = await page
      .locator('#rec-category option')
      .evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(options).toContain('Y02');
    expect(options).not.toContain('G01');
    expect(options).not.toContain('B01');
    expect(await axe(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);

    await page.click('button:has-text("录入记录")');
    await page.selectOption('#rec-category', 'Y02');
    await page.fill('#rec-caseNumber', '（2026）浙0212民初77号');
    await page.fill('#rec-note', '恶意诉讼');
    await page.click('#rec button[type=submit]');
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    await expect.poll(() => text(page, '.toast')).toContain('记录已录入');
    await expect.poll(() => text(page, 'table.records')).toContain('Y02');

    // Revoke it with a reason.
    await page.click('button[aria-label^="撤销 Y02"]');
    await page.fill('#revoke-reason', '录入错误');
    await page.click('#revoke button[type=submit]');
    await expect.poll(() => text(page, '.toast')).toContain('记录已撤销');
    await expect.poll(() => text(page, 'tr.revoked')).toContain('录入错误');

    // A report, shown with the report element and printable alone.
    await page.click('button:has-text("出具诚信报告")');
    await page.click('#report button[type=submit]');
    await page.waitForSelector('[data-testid=report-code]');
    await expect
      .poll(() => page.locator('fivecolor-report').evaluate((el) => el.shadowRoot?.textContent ?? ''))
      .toContain('司法诚信报告');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.party-head').isVisible()).toBe(false);
    expect(await page.locator('fivecolor-report').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('judge: a dialog closes when the party changes, a late answer for the party before is dropped, an emptied note is cleared', async () => {
    const judge = demoClient(server.app, demo.keys.judge);
    const register = async (n: number, name: string) =>
      (
        await judge.party.register.mutate({
          kind: 'person',
          idType: 'RESIDENT_ID',
          idNumber: residentId(n),
          name,
        })
      ).partyId;
    const a = await register(990_201, '甲某');
    const b = await register(990_202, '乙某');
    const { recordId } = await judge.record.create.mutate({
      partyId: b,
      category: 'Y02',
      court: '浙0212',
      caseNumber: '（2026）浙0212民初91号',
      effectiveFrom: '2026-01-05',
      note: '含当事人电话 13800000000',
    });
    const { page, errors } = await signedIn(demo.keys.judge);
    await go(page, `#/party/${a}`);
    await expect.poll(() => text(page, '.party-head')).toContain('甲某');
    await go(page, `#/party/${b}`);
    await expect.poll(() => text(page, '.party-head')).toContain('乙某');

    // Back while entering a record for 乙某: the dialog goes with its party, it cannot write to 甲某.
    await page.click('button:has-text("录入记录")');
    await page.waitForSelector('dialog[open] #rec');
    await page.evaluate(() => history.back());
    await expect.poll(() => text(page, '.party-head')).toContain('甲某');
    expect(await page.locator('dialog[open]').count()).toBe(0);

    // 乙某's answers held back while the judge moves on to 甲某: 甲某 stays on screen.
    let held = 0;
    await page.route('**/trpc/**', async (route) => {
      if (decodeURIComponent(route.request().url()).includes(b)) {
        held++;
        await new Promise((r) => setTimeout(r, 1500));
      }
      await route.continue();
    });
    await go(page, `#/party/${b}`);
    await expect.poll(() => held).toBeGreaterThan(0);
    await go(page, `#/party/${a}`);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await text(page, '.party-head')).toContain('甲某');
    await page.unroute('**/trpc/**');

    // A note emptied in the amend dialog is cleared (a phone number typed in it).
    await go(page, `#/party/${b}`);
    await expect.poll(() => text(page, '.party-head')).toContain('乙某');
    await page.click('button[aria-label^="更正 Y02"]');
    await page.fill('#amend-note', '');
    await page.fill('#amend-reason', '删除备注中的个人信息');
    await page.click('#amend button[type=submit]');
    await expect.poll(() => text(page, '.toast')).toContain('记录已更正');
    const stored = (await judge.party.get.query({ partyId: b })).records.find((r) => r.recordId === recordId);
    expect(stored?.note ?? '').toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("judge: a refusal naming a field (the key's court) is shown beside that field", async () => {
    const admin = demoClient(server.app, demo.keys.admin);
    const made = await admin.apiKey.create.mutate({ role: 'judge', name: '鄞州法官', court: '浙0212' });
    const { page, errors } = await signedIn(made.key);
    await go(page, `#/party/${demo.stories[1]?.partyId}`);
    await page.click('button:has-text("录入记录")');
    await page.selectOption('#rec-category', 'Y02');
    await page.fill('#rec-court', '浙02');
    await page.fill('#rec-caseNumber', '（2026）浙0212民初78号');
    await page.click('#rec button[type=submit]');
    await expect
      .poll(() => text(page, '#rec-court-err'))
      .toMatch(/^court: this key writes only for court 浙0212/);
    expect(await page.getAttribute('#rec-court', 'aria-invalid')).toBe('true');
    expect(await page.locator('#rec .form-error').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a key revoked while in use: the sign-in page says why', async () => {
    const admin = demoClient(server.app, demo.keys.admin);
    const made = await admin.apiKey.create.mutate({ role: 'judge', name: '临时法官', court: '浙0212' });
    const { page } = await signedIn(made.key);
    await page.waitForSelector('#lookup');
    await admin.apiKey.revoke.mutate({ id: made.id });
    await page.fill('#lookup-idNumber', residentId(990_002));
    await page.click('#lookup button[type=submit]');
    await page.waitForSelector('#signin');
    await expect.poll(() => text(page, '#signin')).toContain('密钥无效或已吊销，请重新登录');
    await page.close();
  });

  it('enforcement: repairs a listed debtor to blue, choosing the record to lift', async () => {
    const enforcement = demoClient(server.app, demo.keys.enforcement);
    const { partyId } = await enforcement.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(990_050),
      name: '周某',
    });
    await enforcement.record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212执55号',
      effectiveFrom: '2026-01-05',
    });
    const { page, errors } = await signedIn(demo.keys.enforcement);
    await go(page, `#/party/${partyId}`);
    await page.waitForSelector('.party-head h2');
    expect(await text(page, '.party-head')).toContain('黄码');
    await page.click('button:has-text("信用修复")');
    await page.waitForSelector('dialog[open] #repair');
    // Nothing chosen: the API's error is shown beside the list.
    await page.fill('#repair-caseNumber', '（2025）浙0212执55号');
    await page.click('#repair button[type=submit]');
    await expect.poll(() => text(page, '#repair-repairs-err')).toContain('repairs');
    await page.check('#repair input[name=repairs]');
    await page.click('#repair button[type=submit]');
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    await expect.poll(() => text(page, '.party-head')).toContain('蓝码');
    expect(await text(page, 'table.records')).toContain('已修复');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('admin: creates a key (shown once), sees it listed, filters the audit log and verifies the chain', async () => {
    const { page, errors } = await signedIn(demo.keys.admin);
    await page.waitForSelector('#key');
    expect(await axe(page)).toEqual([]);
    await page.selectOption('#key-role', 'clerk');
    await page.fill('#key-name', '新立案窗口');
    await page.fill('#key-court', '浙0203');
    await page.click('#key button[type=submit]');
    await page.waitForSelector('[data-testid=new-key]');
    const key = await text(page, '[data-testid=new-key]');
    expect(key).toMatch(/^fck_/);
    await expect.poll(() => text(page, 'table')).toContain('新立案窗口');
    // The new key works, and is a clerk of 浙0203.
    const who = await demoClient(server.app, key).apiKey.whoami.query();
    expect(who).toMatchObject({ role: 'clerk', court: '浙0203', name: '新立案窗口' });

    await go(page, '#/admin/audit');
    await page.waitForSelector('table.audit');
    await page.fill('#audit-action', 'apiKey.create');
    await page.click('#audit button[type=submit]');
    await expect
      .poll(async () => {
        const actions = await page.locator('table.audit tbody td:nth-child(3)').allInnerTexts();
        return actions.length > 0 && actions.every((a) => a === 'apiKey.create');
      })
      .toBe(true);
    await page.click('button:has-text("校验审计链")');
    await page.waitForSelector('[data-testid=chain]', { timeout: 60_000 });
    expect(await text(page, '[data-testid=chain]')).toContain('审计链完整');
    expect(await text(page, '[data-testid=chain]')).toMatch(/seq \d+/);
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('dashboard: renders the charts with the seeded numbers and a table beside each; objections queue; English', async () => {
    const { page, errors } = await signedIn(demo.keys.judge, 820);
    const summary = await demoClient(server.app, demo.keys.judge).stats.summary.query();
    await go(page, '#/stats');
    await page.waitForSelector('[data-panel=colors-today] svg');
    for (const panel of ['colors-today', 'records-by-month', 'repairs-gold', 'colors-at-end', 'by-court'])
      expect(await page.locator(`[data-panel=${panel}] svg path`).count(), panel).toBeGreaterThan(0);
    const rows = await page.locator('[data-panel=colors-today] tbody tr').allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual(
      ['红码', '黄码', '绿码', '蓝码', '金码'].map(
        (l, i) => `${l} ${summary.byColor[['red', 'yellow', 'green', 'blue', 'gold'][i] as string]}`,
      ),
    );
    expect(await axe(page)).toEqual([]);

    // An objection filed on the judge's court's record, resolved from the queue.
    const judge = demoClient(server.app, demo.keys.judge);
    const lender = demo.stories[1]?.partyId as string;
    const [record] = await judge.record.list.query({ partyId: lender });
    await judge.objection.file.mutate({
      recordId: record?.recordId as string,
      reason: '当事人称借贷均有真实交易',
    });
    await go(page, '#/objections');
    await page.waitForSelector('button:has-text("处理")');
    expect(await axe(page)).toEqual([]);
    await page.click('button:has-text("处理")');
    await page.fill('#resolve-reason', '经审查，认定事实清楚');
    await page.click('#resolve button[type=submit]');
    await expect.poll(() => text(page, '.toast')).toContain('异议已处理');

    // The whole page in English, then signing out leaves nothing of the session on screen.
    await page.click('button:has-text("English")');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, 'header.top')).toContain('Filing window');
    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('#signin');
    expect(await text(page, 'main')).not.toContain(lender);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("dashboard: a court in the filter narrows every panel, today's colors too", async () => {
    const { page, errors } = await signedIn(demo.keys.judge);
    const narrowed = await demoClient(server.app, demo.keys.judge).stats.summary.query({ court: '浙0212' });
    await go(page, '#/stats');
    await page.waitForSelector('[data-panel=colors-today] svg');
    await page.fill('#period-court', '浙0212');
    await page.click('#period button[type=submit]');
    const colorsToday = () =>
      page
        .locator('[data-panel=colors-today] tbody tr')
        .allInnerTexts()
        .then((rows) => rows.map((r) => r.replace(/\s+/g, ' ').trim()));
    await expect
      .poll(colorsToday)
      .toEqual(
        ['红码', '黄码', '绿码', '蓝码', '金码'].map(
          (l, i) => `${l} ${narrowed.byColor[['red', 'yellow', 'green', 'blue', 'gold'][i] as string]}`,
        ),
      );
    const courts = await page.locator('[data-panel=by-court] tbody th').allInnerTexts();
    expect(courts.length).toBeGreaterThan(0);
    expect(courts.every((c) => c.startsWith('浙0212'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('judge: sees the cases marked at the filing window, with their alerts, and opens the case and its parties', async () => {
    const clerk = demoClient(server.app, demo.keys.clerk);
    const caseNumber = '（2026）浙0212民初3003号';
    await clerk.party.screen.mutate({
      caseNumber,
      parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(990_001) }],
    });
    await clerk.party.markCase.mutate({ caseNumber, note: '红码当事人' });
    const { page, errors } = await signedIn(demo.keys.judge);
    await go(page, '#/screen');
    await page.waitForSelector('ul.marked > li');
    // Newest first: the case marked just now heads the list, with its red party and alert.
    const first = page.locator('ul.marked > li').first();
    expect(await first.textContent()).toMatch(
      /（2026）浙0212民初3003号[\s\S]*1 条预警[\s\S]*红码当事人[\s\S]*红码/,
    );
    expect(await axe(page)).toEqual([]);
    // The case's screenings and marks, by its link.
    await first.locator(`a[href^="#/screen?case="]`).click();
    await page.waitForSelector('#history ~ table tbody tr');
    expect(await text(page, 'ul.marks')).toContain('红码当事人');
    // The party, by its chip.
    await page.locator('ul.marked > li').first().locator('a[href^="#/party/"]').first().click();
    await page.waitForSelector('.party-head h2');
    expect(await text(page, '.party-head')).toContain('红码');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('judge: reads the party case history by year, in both languages', async () => {
    const lender = demo.stories[1]?.partyId as string;
    const judge = demoClient(server.app, demo.keys.judge);
    const history = await judge.party.caseHistory.query({ partyId: lender });
    const { page, errors } = await signedIn(demo.keys.judge);
    await go(page, `#/party/${lender}`);
    await page.waitForSelector('ol.case-history > li');
    const years = await page.locator('ol.case-history > li > h3').allInnerTexts();
    expect(years.map((y) => Number(y.slice(0, 4)))).toEqual(history.years.map((y) => y.year));
    expect(years.length).toBeGreaterThan(0);
    const all = await text(page, 'ol.case-history');
    for (const c of history.years.flatMap((y) => y.cases)) expect(all).toContain(c.caseNumber);
    expect(all).toMatch(/录入记录 Y\d\d/);
    expect(await text(page, '#ch-h')).toBe('历年涉诉情况');
    expect(await axe(page)).toEqual([]);
    await page.click('button:has-text("English")');
    await expect.poll(() => text(page, '#ch-h')).toBe('Case history by year');
    expect(await text(page, 'ol.case-history')).toMatch(/Record entered Y\d\d/);
    await page.click('button:has-text("中文")');
    expect(errors).toEqual([]);
    await page.close();
  });

  // Each view at each width is a test of its own: eight views in one test took 50 s on a busy machine.
  const views: [keyof DemoData['keys'], string, string[]][] = [
    ['clerk', '#/screen', ['#mark button[type=submit]', '.slip button', '#history button[type=submit]']],
    [
      'judge',
      '#/party/:lender',
      ['button:has-text("录入记录")', 'button:has-text("出具诚信报告")', 'button[aria-label^="撤销"]'],
    ],
    ['enforcement', '#/party/:lender', ['button:has-text("信用修复")']],
    ['judge', '#/screen', ['ul.marked a']],
    ['judge', '#/objections', []],
    ['judge', '#/stats', []],
    ['admin', '#/admin', ['#key button[type=submit]']],
    ['admin', '#/admin/audit', ['button:has-text("校验审计链")']],
  ];
  const sizes: [number, number][] = [
    [768, 1024],
    [1280, 900],
  ];
  it.each(
    sizes.flatMap(([width, height]) =>
      views.map(([role, hash, actions]) => ({ width, height, role, hash, actions })),
    ),
  )(
    'at $width×$height, $role $hash fits the width (no horizontal scroll) and its actions stay reachable',
    async ({ width, height, role, hash: pattern, actions }) => {
      const hash = pattern.replace(':lender', demo.stories[1]?.partyId as string);
      const { page, errors } = await signedIn(demo.keys[role], width);
      await page.setViewportSize({ width, height });
      await go(page, hash);
      await page.waitForSelector('main h1');
      await page.waitForLoadState('networkidle');
      if (hash.startsWith('#/party/')) await page.waitForSelector('ol.case-history');
      if (hash === '#/stats') await page.waitForSelector('[data-panel=colors-today] svg');
      if (role === 'clerk') {
        // The clerk's view with a screening slip on it (a wide table with long alerts) and its mark form.
        await page.fill('#screen input[name=caseNumber]', `（2026）浙0212民初${width}号`);
        await page.fill(
          '#screen textarea',
          `RESIDENT_ID ${residentId(990_002)} 李某\n${residentId(990_001)}`,
        );
        await page.click('#screen button[type=submit]');
        await page.waitForSelector('.slip table');
      }
      const overflow = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
      }));
      expect(overflow.scroll, `${role} ${hash} at ${width}px`).toBeLessThanOrEqual(overflow.inner);
      for (const sel of actions) {
        const button = page.locator(sel).first();
        await button.scrollIntoViewIfNeeded();
        const box = await button.boundingBox();
        expect(box, `${sel} on ${hash}`).not.toBeNull();
        expect(
          (box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= width,
          `${sel} on ${hash} inside ${width}px`,
        ).toBe(true);
        expect(await button.isEnabled(), sel).toBe(true);
      }
      if (width === 768) expect(await axe(page), `${role} ${hash}`).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    },
  );

  it('a bank key is told the console is for court staff', async () => {
    const { page } = await signedIn(demo.keys.bank);
    expect(await text(page, 'main')).toContain('此工作台供法院工作人员使用');
    expect(await page.locator('header nav').count()).toBe(0);
    await page.close();
  });
});
