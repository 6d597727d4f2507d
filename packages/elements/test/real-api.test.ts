// The elements against the real reference API (@fivecolor/api on PGlite in memory), served over a socket.
import { join } from 'node:path';
import { createApiKey, createFivecolor, migrate, openDatabase } from '@fivecolor/api';
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

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** A valid 18-character resident identity number (GB 11643 check digit). */
const residentId = (n: number): string => {
  const body = `33021219800101${String(n).padStart(3, '0')}`;
  const sum = [...body].reduce((s, ch, i) => s + Number(ch) * (WEIGHTS[i] ?? 0), 0);
  return body + '10X98765432'[sum % 11];
};

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

const quietLogger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  trace() {},
  fatal() {},
  child() {
    return quietLogger;
  },
};

let browser: Browser;
let site: TestServer;
let apiServer: TestServer;
let closeApp: (() => Promise<void>) | undefined;
let closeDb: (() => Promise<void>) | undefined;
let key: string;
const tokens = {} as Record<Color, string>;
const parties = {} as Record<Color, string>;

type Trpc = (path: string, input: unknown) => Promise<Record<string, unknown>>;
let trpc: Trpc;

beforeAll(async () => {
  const db = await openDatabase({ dataDir: 'memory://' });
  closeDb = () => db.close();
  await migrate(db);
  const secret = 'elements-real-api-test-secret-0123456789';
  const fivecolor = await createFivecolor({
    db,
    secret,
    logger: quietLogger as never,
    publicUrl: 'https://court.example',
    reports: { court: '浙02' },
  });
  closeApp = fivecolor.close;
  key = (await createApiKey(db, secret, { role: 'enforcement', name: 'elements test', court: '浙02' })).key;
  // A plain node:http adapter for the Hono app.
  apiServer = await startServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers.set(name, value);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const response = await fivecolor.app.fetch(
      new Request(`http://127.0.0.1${req.url}`, {
        method: req.method ?? 'GET',
        headers,
        ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  trpc = async (path, input) => {
    const res = await fetch(`${apiServer.url}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(input),
    });
    const body = (await res.json()) as {
      result?: { data: Record<string, unknown> };
      error?: { message: string };
    };
    if (!body.result) throw new Error(`${path}: ${body.error?.message ?? res.status}`);
    return body.result.data;
  };

  const record = (partyId: unknown, category: string, n: number) =>
    trpc('record.create', {
      partyId,
      category,
      court: '浙0212',
      caseNumber: `（2025）浙0212执${100 + n}号`,
      effectiveFrom: cstDay(-30),
    });
  for (const [i, color] of COLORS.entries()) {
    const { partyId } = await trpc('party.register', {
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
      await trpc('record.repair', {
        partyId,
        repairs: [recordId],
        court: '浙0212',
        caseNumber: '（2025）浙0212执恢1号',
        effectiveFrom: cstDay(-10),
      });
    }
    tokens[color] = (await trpc('party.issueBadgeToken', { partyId })).token as string;
    parties[color] = partyId as string;
  }
  site = await startServer(siteHandler);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await apiServer?.close();
  await closeApp?.();
  await closeDb?.();
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

  it('shows "unavailable" once the token is revoked', async () => {
    await trpc('party.revokeBadgeToken', { token: tokens.red });
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
  const issue = async (color: Color) =>
    (await trpc('report.issue', { partyId: parties[color] })) as { reportNo: string; code: string };

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
