import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CODE, REPORT_NO, sampleReport, verificationFor } from '../../test/fixtures.js';
import {
  ARTIFACTS_DIR,
  axe,
  collectErrors,
  contrast,
  launch,
  sendJson,
  siteHandler,
  startServer,
  type TestServer,
  textSamples,
} from '../../test/harness.js';

let browser: Browser;
let site: TestServer;
let api: TestServer;
let page: Page;
let errors: string[];

beforeAll(async () => {
  site = await startServer(siteHandler);
  api = await startServer((_req, res, url) => {
    const no = /^\/v1\/reports\/([^/]+)$/.exec(url.pathname)?.[1] ?? '';
    const { status, body } = verificationFor(decodeURIComponent(no), url.searchParams.get('code'));
    sendJson(res, status, body);
  });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await api?.close();
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
  errors = collectErrors(page);
  await page.goto(site.url);
  await page.evaluate(() => customElements.whenDefined('fivecolor-report'));
});

// A page left open keeps running (timers, animations) and slows every later test of the file.
afterEach(async () => {
  await page.close();
});

const text = (): Promise<string> =>
  page.evaluate(() =>
    document.querySelector('fivecolor-report')!.shadowRoot!.textContent!.replace(/\s+/g, ' '),
  );

const addReport = (report: unknown, lang = ''): Promise<void> =>
  page.evaluate(
    async ([r, l]) => {
      const el = document.createElement('fivecolor-report');
      if (l) el.lang = l as string;
      el.report = r as never;
      document.querySelector('#root')!.append(el);
      await el.updateComplete;
    },
    [report, lang] as const,
  );

describe('<fivecolor-report>', () => {
  it('renders a verification handed over in a child JSON script, without fetching, hiding the fallback', async () => {
    const json = JSON.stringify(verificationFor(REPORT_NO, CODE).body).replace(/</g, '\\u003c');
    const out = await page.evaluate(async (data) => {
      const root = document.querySelector('#root')!;
      root.innerHTML = `<fivecolor-report lang="en"><script type="application/json">${data}</script><p id="fallback">fallback</p></fivecolor-report>`;
      const el = root.querySelector('fivecolor-report')!;
      await el.updateComplete;
      return {
        state: el.getAttribute('state'),
        fetched: performance.getEntriesByType('resource').some((e) => e.name.includes('/v1/reports/')),
        fallbackShown: document.querySelector('#fallback')!.getClientRects().length > 0,
      };
    }, json);
    expect(out).toEqual({ state: 'ready', fetched: false, fallbackShown: false });
    const t = await text();
    expect(t).toContain(REPORT_NO);
    expect(t).toContain('Yellow code');
  });

  it('falls back to what it shows without .verification once it is cleared: online, or empty', async () => {
    // With report-no, code and api: a handed red answer, then cleared, gives the online answer (yellow).
    await page.evaluate(
      async ([base, no, code, handed]) => {
        const el = document.createElement('fivecolor-report');
        el.setAttribute('api', base as string);
        el.setAttribute('report-no', no as string);
        el.setAttribute('code', code as string);
        const w = window as unknown as { loaded: unknown[] };
        w.loaded = [];
        el.addEventListener('fivecolor-load', (e) => w.loaded.push((e as CustomEvent).detail.color));
        el.verification = handed as never;
        document.querySelector('#root')!.append(el);
        await el.updateComplete;
        el.verification = undefined;
      },
      [api.url, REPORT_NO, CODE, { valid: true, report: sampleReport('red') }] as const,
    );
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { loaded: unknown[] }).loaded))
      .toEqual(['red', 'yellow']);
    expect(await page.getAttribute('fivecolor-report', 'state')).toBe('ready');
    expect(await text()).toContain('签发后颜色已变更，现为绿码');

    // Without them: a handed answer, then cleared, leaves the element empty.
    const empty = await page.evaluate(async (handed) => {
      const el = document.createElement('fivecolor-report');
      el.verification = handed as never;
      document.querySelector('#root')!.replaceChildren(el);
      await el.updateComplete;
      const before = el.getAttribute('state');
      el.verification = null as never;
      await el.updateComplete;
      return { before, after: el.getAttribute('state'), text: el.shadowRoot!.textContent!.trim() };
    }, verificationFor('R-EXPIRED', CODE).body);
    expect(empty).toEqual({ before: 'invalid', after: 'empty', text: '' });
  });

  it('shows its .verification again once .report is cleared', async () => {
    const out = await page.evaluate(
      async ([handed, report]) => {
        const el = document.createElement('fivecolor-report');
        el.verification = handed as never;
        el.report = report as never;
        document.querySelector('#root')!.replaceChildren(el);
        await el.updateComplete;
        el.report = undefined;
        await el.updateComplete;
        return { state: el.getAttribute('state'), text: el.shadowRoot!.textContent!.replace(/\s+/g, ' ') };
      },
      [verificationFor(REPORT_NO, CODE).body, sampleReport('red')] as const,
    );
    expect(out.state).toBe('ready');
    expect(out.text).toContain('黄码');
    expect(out.text).not.toContain('红码');
  });

  it('renders every part of a report from .report, the color in words', async () => {
    await addReport(sampleReport('yellow'));
    const t = await text();
    for (const part of [
      '司法诚信报告',
      REPORT_NO,
      '2026-03-01 10:00',
      'default-2022',
      '章**',
      '自然人',
      '居民身份证',
      '3302**********1234',
      '黄码',
      '警示：不诚信诉讼',
      '2025-06-01',
      '2027-06-01',
      '至今',
      'Y05 恶意诉讼',
      '（2025）浙0212民初123号',
      '有效',
      '《民事诉讼法》第一百一十五条',
    ])
      expect(t).toContain(part);
    expect(await page.getAttribute('fivecolor-report', 'state')).toBe('ready');
    const bg = await page.evaluate(
      () =>
        getComputedStyle(
          document.querySelector('fivecolor-report')!.shadowRoot!.querySelector('[part=code]')!,
        ).backgroundColor,
    );
    expect(bg).toBe('rgb(255, 212, 59)');
    for (const s of await textSamples(page, 'fivecolor-report'))
      expect(
        contrast(s.color, s.background),
        `${s.text}: ${s.color} on ${s.background}`,
      ).toBeGreaterThanOrEqual(4.5);
    expect(await axe(page)).toEqual([]);
    await page.locator('fivecolor-report').screenshot({ path: join(ARTIFACTS_DIR, 'report.png') });
    expect(errors).toEqual([]);
  });

  it('prints in black and white on A4 with the color still written in words', async () => {
    await addReport(sampleReport('red'));
    await page.emulateMedia({ media: 'print' });
    const print = await page.evaluate(() => {
      const host = document.querySelector('fivecolor-report')!;
      const code = getComputedStyle(host.shadowRoot!.querySelector('[part=code]')!);
      return {
        background: code.backgroundColor,
        color: code.color,
        border: code.borderTopStyle,
        width: host.getBoundingClientRect().width,
        label: host.shadowRoot!.querySelector('[part=code]')!.textContent,
      };
    });
    expect(print.background).toBe('rgba(0, 0, 0, 0)');
    expect(print.color).toBe('rgb(0, 0, 0)');
    expect(print.border).toBe('solid');
    expect(print.label).toContain('红码');
    // A4 is 210 mm wide; with 15 mm margins the content fits in 180 mm (96 px per 25.4 mm).
    expect(print.width).toBeLessThanOrEqual((180 / 25.4) * 96 + 0.5);
    const pdf = await page.pdf({
      format: 'A4',
      path: join(ARTIFACTS_DIR, 'report.pdf'),
      margin: { top: '15mm', bottom: '15mm', left: '15mm', right: '15mm' },
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await readFile(join(ARTIFACTS_DIR, 'report.pdf'))).length).toBe(pdf.length);
  });

  it('verifies online from report-no + code and shows the color now', async () => {
    const loaded = await page.evaluate(
      ([base, no, code]) =>
        new Promise<unknown>((resolve) => {
          const el = document.createElement('fivecolor-report');
          el.addEventListener('fivecolor-load', (e) => resolve((e as CustomEvent).detail.color), {
            once: true,
          });
          el.setAttribute('api', base!);
          el.setAttribute('report-no', no!);
          el.setAttribute('code', code!);
          document.querySelector('#root')!.append(el);
        }),
      [api.url, REPORT_NO, CODE] as const,
    );
    expect(loaded).toBe('yellow');
    const t = await text();
    expect(t).toContain('黄码');
    expect(t).toContain('签发后颜色已变更，现为绿码');
  });

  it('shows an invalid report as a message, with no color', async () => {
    const reason = await page.evaluate(
      ([base, no]) =>
        new Promise<unknown>((resolve) => {
          const el = document.createElement('fivecolor-report');
          el.addEventListener('fivecolor-error', (e) => resolve((e as CustomEvent).detail.reason), {
            once: true,
          });
          el.setAttribute('api', base!);
          el.setAttribute('report-no', no!);
          el.setAttribute('code', 'WRONG000');
          document.querySelector('#root')!.append(el);
        }),
      [api.url, REPORT_NO] as const,
    );
    expect(reason).toBe('bad_code');
    expect(await page.getAttribute('fivecolor-report', 'state')).toBe('invalid');
    expect((await text()).trim()).toBe('报告无效验证码不正确');
    expect(
      await page.evaluate(() =>
        document.querySelector('fivecolor-report')!.shadowRoot!.querySelector('[part=code]'),
      ),
    ).toBeNull();
  });

  it("names an imported record's source, and only for an imported record", async () => {
    const report = sampleReport('yellow');
    const [court] = report.records;
    if (!court) throw new Error('the sample report has a record');
    report.records = [court, { ...court, recordId: 'rec_2', source: '信用宁波' }];
    await addReport(report);
    const rows = () =>
      page.evaluate(() =>
        [
          ...document
            .querySelector('fivecolor-report')!
            .shadowRoot!.querySelectorAll('[part=records] tbody tr'),
        ].map((tr) => tr.textContent ?? ''),
      );
    const zh = await rows();
    expect(zh).toHaveLength(2);
    expect(zh[0]).not.toContain('来源');
    expect(zh[1]).toContain('来源：信用宁波');
    await page.evaluate(async () => {
      const el = document.querySelector('fivecolor-report')!;
      el.setAttribute('lang', 'en');
      await el.updateComplete;
    });
    expect((await rows())[1]).toContain('source: 信用宁波');
  });

  it('switches to English live', async () => {
    await addReport(sampleReport('gold'));
    await page.evaluate(async () => {
      const el = document.querySelector('fivecolor-report')!;
      el.setAttribute('lang', 'en');
      await el.updateComplete;
    });
    const t = await text();
    expect(t).toContain('Judicial integrity report');
    expect(t).toContain('Gold code');
    expect(t).toContain('Resident identity card');
    expect(t).not.toContain('金码');
    expect(await axe(page)).toEqual([]);
  });
});
