// The elements against the real reference API (@fivecolor/api on PGlite in memory), served over a socket.
import { join } from 'node:path';
import { type TestServer as ApiServer, residentId, startTestServer } from '@fivecolor/api/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Color } from '../src/types.js';
import {
  ARTIFACTS_DIR,
  COLORS,
  collectErrors,
  launch,
  siteHandler,
  startServer,
  type TestServer,
} from './harness.js';

/** The Asia/Shanghai date `days` from today. */
const cstDay = (days: number): string =>
  new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

const EXPECTED_BG: Record<Color, string> = {
  green: 'rgb(46, 125, 50)',
  red: 'rgb(198, 40, 40)',
  yellow: 'rgb(255, 212, 59)',
  blue: 'rgb(21, 101, 192)',
  gold: 'rgb(201, 162, 39)',
};
const ZH: Record<Color, string> = { green: '绿码', red: '红码', yellow: '黄码', blue: '蓝码', gold: '金码' };

let browser: Browser;
let site: TestServer;
let apiServer: ApiServer;
const tokens = {} as Record<Color, string>;
const parties = {} as Record<Color, string>;

beforeAll(async () => {
  apiServer = await startTestServer({ reports: { court: '浙02' } });
  const enforcement = apiServer.as('enforcement');

  const record = (partyId: string, category: string, n: number) =>
    enforcement.record.create.mutate({
      partyId,
      category,
      court: '浙0212',
      caseNumber: `（2025）浙0212执${100 + n}号`,
      effectiveFrom: cstDay(-30),
    });
  for (const [i, color] of COLORS.entries()) {
    const { partyId } = await enforcement.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(i + 1),
      name: `测试${'甲乙丙丁戊'[i]}`,
    });
    if (color === 'red') await record(partyId, 'R03', i);
    if (color === 'yellow') await record(partyId, 'Y14', i);
    if (color === 'gold') await record(partyId, 'G01', i);
    if (color === 'blue') {
      const { recordId } = await record(partyId, 'Y14', i);
      await enforcement.record.repair.mutate({
        partyId,
        repairs: [recordId],
        court: '浙0212',
        caseNumber: '（2025）浙0212执恢1号',
        effectiveFrom: cstDay(-10),
      });
    }
    tokens[color] = (await enforcement.party.issueBadgeToken.mutate({ partyId })).token;
    parties[color] = partyId;
  }
  site = await startServer(siteHandler);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await apiServer?.close();
});

const showBadge = async (page: Page, token: string) =>
  page.evaluate(
    ([tok, api]) =>
      new Promise<{ type: string; color?: string }>((resolve) => {
        const el = document.createElement('fivecolor-badge');
        el.id = 'real';
        const done = (e: Event) => resolve({ type: e.type, color: (e as CustomEvent).detail.color });
        el.addEventListener('fivecolor-load', done, { once: true });
        el.addEventListener('fivecolor-error', done, { once: true });
        el.token = tok!;
        el.api = api!;
        document.querySelector('#root')!.append(el);
      }),
    [token, apiServer.url] as const,
  );

describe('against the real API', () => {
  for (const color of COLORS) {
    it(`renders a ${color} party's badge as ${color}`, async () => {
      const page = await browser.newPage();
      const errors = collectErrors(page);
      await page.goto(site.url);
      await page.evaluate(() => customElements.whenDefined('fivecolor-badge'));
      expect(await showBadge(page, tokens[color])).toEqual({ type: 'fivecolor-load', color });
      expect(await page.getAttribute('#real', 'color')).toBe(color);
      const shown = await page.evaluate(() => {
        const root = document.querySelector('#real')!.shadowRoot!;
        return {
          label: root.querySelector('[part=label]')!.textContent,
          name: root.querySelector('[part=name]')!.textContent,
          bg: getComputedStyle(root.querySelector('[part=band]')!).backgroundColor,
        };
      });
      expect(shown).toEqual({ label: ZH[color], name: '测**', bg: EXPECTED_BG[color] });
      await page.locator('#real').screenshot({ path: join(ARTIFACTS_DIR, `real-api-${color}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('refresh() fetches the code again past the browser cache: an objection filed since shows at once', async () => {
    const enforcement = apiServer.as('enforcement');
    const { partyId } = await enforcement.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(11),
      name: '测试己',
    });
    const { recordId } = await enforcement.record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212执111号',
      effectiveFrom: cstDay(-30),
    });
    const { token } = await enforcement.party.issueBadgeToken.mutate({ partyId });
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(site.url);
    await page.evaluate(() => customElements.whenDefined('fivecolor-badge'));
    expect(await showBadge(page, token)).toEqual({ type: 'fivecolor-load', color: 'yellow' });
    const objection = () =>
      page.evaluate(
        () => document.querySelector('#real')!.shadowRoot!.querySelector('[part=objection]') !== null,
      );
    expect(await objection()).toBe(false);

    const { token: session } = await apiServer.as('portal').party.issueSession.mutate({ partyId });
    await apiServer.client(session).objection.file.mutate({ recordId, reason: '记录有误。' });
    const loaded = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const el = document.querySelector('#real') as HTMLElementTagNameMap['fivecolor-badge'];
          el.addEventListener('fivecolor-load', () => resolve(el.state), { once: true });
          void el.refresh();
        }),
    );
    expect(loaded).toBe('ready');
    expect(await objection()).toBe(true);
    expect(await page.getAttribute('#real', 'color')).toBe('yellow');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows "unavailable" once the token is revoked', async () => {
    await apiServer.as('enforcement').party.revokeBadgeToken.mutate({ token: tokens.red });
    const page = await browser.newPage();
    await page.goto(site.url);
    await page.evaluate(() => customElements.whenDefined('fivecolor-badge'));
    expect(await showBadge(page, tokens.red)).toEqual({ type: 'fivecolor-error', color: undefined });
    expect(await page.getAttribute('#real', 'state')).toBe('error');
    expect(await page.getAttribute('#real', 'color')).toBeNull();
    await page.close();
  });
});

describe('reports against the real API', () => {
  const issue = (color: Color) =>
    apiServer.as('enforcement').report.issue.mutate({ partyId: parties[color] });

  it('<fivecolor-report> verifies a real report online and shows it with its QR code', async () => {
    const { reportNo, code } = await issue('yellow');
    const page = await browser.newPage({ viewport: { width: 900, height: 1400 } });
    const errors = collectErrors(page);
    await page.goto(site.url);
    await page.evaluate(() => customElements.whenDefined('fivecolor-report'));
    const loaded = await page.evaluate(
      ([api, no, c]) =>
        new Promise<{ color: string; changed: boolean }>((resolve, reject) => {
          const el = document.createElement('fivecolor-report');
          el.addEventListener('fivecolor-load', (e) => {
            const d = (e as CustomEvent).detail;
            resolve({ color: d.color, changed: d.colorNow.changed });
          });
          el.addEventListener('fivecolor-error', (e) => reject(new Error((e as CustomEvent).detail.reason)));
          el.setAttribute('api', api!);
          el.setAttribute('report-no', no!);
          el.setAttribute('code', c!);
          document.querySelector('#root')!.append(el);
        }),
      [apiServer.url, reportNo, code] as const,
    );
    expect(loaded).toEqual({ color: 'yellow', changed: false });
    const shown = await page.evaluate(() => {
      const root = document.querySelector('fivecolor-report')!.shadowRoot!;
      const qr = root.querySelector('[part=qr]');
      return {
        text: root.textContent!.replace(/\s+/g, ' '),
        qr: qr
          ? {
              label: qr.getAttribute('aria-label'),
              modules: qr.querySelector('path')!.getAttribute('d')!.length,
            }
          : null,
      };
    });
    for (const part of [reportNo, '黄码', '测**', 'Y14', '（2025）浙0212执102号', '签发后颜色未变更'])
      expect(shown.text).toContain(part);
    expect(shown.qr?.label).toBe('报告核验二维码');
    expect(shown.qr?.modules).toBeGreaterThan(100);
    await page.locator('fivecolor-report').screenshot({ path: join(ARTIFACTS_DIR, 'real-api-report.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('<fivecolor-verify> says valid for the right code and invalid for a wrong one', async () => {
    const { reportNo, code } = await issue('gold');
    const page = await browser.newPage();
    await page.goto(site.url);
    await page.evaluate(
      (api) =>
        customElements.whenDefined('fivecolor-verify').then(() => {
          const el = document.createElement('fivecolor-verify');
          el.setAttribute('api', api);
          document.querySelector('#root')!.append(el);
        }),
      apiServer.url,
    );
    const submit = async (no: string, c: string) => {
      await page.locator('fivecolor-verify #reportNo').fill(no);
      await page.locator('fivecolor-verify #code').fill(c);
      const answered = page.evaluate(
        () =>
          new Promise<void>((resolve) =>
            document
              .querySelector('fivecolor-verify')!
              .addEventListener('fivecolor-verified', () => resolve(), { once: true }),
          ),
      );
      await page.locator('fivecolor-verify #code').press('Enter');
      await answered;
      return page.evaluate(async () => {
        const el = document.querySelector('fivecolor-verify')!;
        await el.updateComplete;
        return el.shadowRoot!.querySelector('[part=result]')!.textContent!.replace(/\s+/g, ' ').trim();
      });
    };
    const valid = await submit(reportNo, code);
    expect(valid).toContain('报告有效');
    expect(valid).toContain('签发时为金码');
    expect(valid).toContain('签发后颜色未变更');
    expect(await submit(reportNo, 'ZZZZ9999')).toBe('报告无效 验证码不正确');
    await page.close();
  });
});
