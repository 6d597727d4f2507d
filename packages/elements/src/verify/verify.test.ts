import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CODE, REPORT_NO, verificationFor } from '../../test/fixtures.js';
import {
  ARTIFACTS_DIR,
  axe,
  collectErrors,
  launch,
  sendJson,
  siteHandler,
  startServer,
  type TestServer,
} from '../../test/harness.js';

let browser: Browser;
let site: TestServer;
let api: TestServer;
let page: Page;
let errors: string[];
const requests: string[] = [];

beforeAll(async () => {
  site = await startServer(siteHandler);
  api = await startServer((_req, res, url) => {
    requests.push(url.pathname + url.search);
    const no = /^\/v1\/reports\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!no) return sendJson(res, 404, { error: 'no route' });
    if (no === 'R-DOWN') return sendJson(res, 503, { error: 'maintenance' });
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
  page = await browser.newPage();
  errors = collectErrors(page);
  await page.goto(site.url);
  await page.evaluate(async (base) => {
    await customElements.whenDefined('fivecolor-verify');
    const el = document.createElement('fivecolor-verify');
    el.api = base;
    el.addEventListener('fivecolor-verified', (e) => {
      (window as unknown as { verified: unknown }).verified = (e as CustomEvent).detail;
    });
    document.querySelector('#root')!.append(el);
    await el.updateComplete;
  }, api.url);
});

// A page left open keeps running (timers, animations) and slows every later test of the file.
afterEach(async () => {
  await page.close();
});

const result = (): Promise<string> =>
  page.evaluate(() =>
    document
      .querySelector('fivecolor-verify')!
      .shadowRoot!.querySelector('[part=result]')!
      .textContent!.replace(/\s+/g, ' ')
      .trim(),
  );

const submit = async (reportNo: string, code: string): Promise<string> => {
  await page.locator('fivecolor-verify #reportNo').fill(reportNo);
  await page.locator('fivecolor-verify #code').fill(code);
  await page.locator('fivecolor-verify #code').press('Enter');
  await page.waitForFunction(() => {
    const el = document.querySelector('fivecolor-verify')!.shadowRoot!;
    return (
      el.querySelector('[part=result]')!.textContent!.trim() !== '' && !el.querySelector('button')!.disabled
    );
  });
  return result();
};

describe('<fivecolor-verify>', () => {
  it('verifies a valid report and says the color changed since issue', async () => {
    const text = await submit(REPORT_NO, CODE);
    expect(text).toContain('报告有效');
    expect(text).toContain('签发时为黄码');
    expect(text).toContain('签发后颜色已变更，现为绿码');
    expect(requests).toContain(`/v1/reports/${encodeURIComponent(REPORT_NO)}?code=${CODE}`);
    const detail = await page.evaluate(
      () => (window as unknown as { verified: { valid: boolean } }).verified,
    );
    expect(detail.valid).toBe(true);
    expect(
      await page.evaluate(() =>
        document
          .querySelector('fivecolor-verify')!
          .shadowRoot!.querySelector('[part=result]')!
          .getAttribute('role'),
      ),
    ).toBe('status');
    expect(await axe(page)).toEqual([]);
    await page.locator('fivecolor-verify').screenshot({ path: join(ARTIFACTS_DIR, 'verify-valid.png') });
    expect(errors).toEqual([]);
  });

  it('says invalid for a wrong code and not found for an unknown number', async () => {
    expect(await submit(REPORT_NO, 'ZZZZ9999')).toBe('报告无效 验证码不正确');
    expect(await submit('R-NOPE', 'ZZZZ9999')).toBe('报告无效 未找到该报告编号');
  });

  it('says expired for an expired report', async () => {
    expect(await submit('R-EXPIRED', CODE)).toBe('报告已过期 报告已超过有效期');
  });

  it('says it cannot verify now when the server fails', async () => {
    expect(await submit('R-DOWN', CODE)).toBe('暂时无法核验，请稍后重试');
  });

  it('without api says it cannot verify and emits fivecolor-error, calling nothing', async () => {
    const before = requests.length;
    await page.evaluate(() => {
      const el = document.querySelector('fivecolor-verify')!;
      el.api = undefined;
      el.addEventListener('fivecolor-error', (e) => {
        (window as unknown as { failed: unknown }).failed = (e as CustomEvent).detail;
      });
    });
    expect(await submit(REPORT_NO, CODE)).toBe('暂时无法核验，请稍后重试');
    expect(await page.evaluate(() => (window as unknown as { failed: unknown }).failed)).toEqual({
      reason: 'no_api',
    });
    expect(requests.length).toBe(before);
  });

  it('fills both fields from one paste and normalizes full-width input', async () => {
    await page.locator('fivecolor-verify #reportNo').focus();
    await page.evaluate((no) => {
      const input = document.querySelector('fivecolor-verify')!.shadowRoot!.querySelector('#reportNo')!;
      const data = new DataTransfer();
      data.setData('text/plain', `司法诚信报告 报告编号：${no} 验证码：ＡＢ１２ＣＤ３４`);
      input.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    }, REPORT_NO);
    expect(await page.locator('fivecolor-verify #reportNo').inputValue()).toBe(REPORT_NO);
    expect(await page.locator('fivecolor-verify #code').inputValue()).toBe(CODE);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      document
        .querySelector('fivecolor-verify')!
        .shadowRoot!.querySelector('[part=result]')!
        .textContent!.includes('有效'),
    );
    expect(await result()).toContain('报告有效');
  });

  it('names the missing field, marks it invalid, focuses it and does not call the API', async () => {
    const before = requests.length;
    await page.locator('fivecolor-verify button').click();
    const state = await page.evaluate(() => {
      const root = document.querySelector('fivecolor-verify')!.shadowRoot!;
      return {
        noError: root.querySelector('#reportNo-error')!.textContent,
        codeError: root.querySelector('#code-error')!.textContent,
        invalid: root.querySelector('#reportNo')!.getAttribute('aria-invalid'),
        focused: root.activeElement?.id,
      };
    });
    expect(state).toEqual({
      noError: '请填写报告编号',
      codeError: '请填写验证码',
      invalid: 'true',
      focused: 'reportNo',
    });
    await page.locator('fivecolor-verify #reportNo').fill(REPORT_NO);
    await page.locator('fivecolor-verify #code').fill('ABC');
    await page.locator('fivecolor-verify button').click();
    expect(
      await page.evaluate(
        () =>
          document.querySelector('fivecolor-verify')!.shadowRoot!.querySelector('#code-error')!.textContent,
      ),
    ).toBe('验证码应为 8 位');
    expect(requests.length).toBe(before);
  });

  it('can be used with the keyboard alone and switches to English live', async () => {
    await page.evaluate(async () => {
      const el = document.querySelector('fivecolor-verify')!;
      el.setAttribute('lang', 'en');
      await el.updateComplete;
    });
    expect(await page.locator('fivecolor-verify label[for=reportNo]').textContent()).toBe('Report number');
    await page.keyboard.press('Tab');
    await page.keyboard.type(REPORT_NO);
    await page.keyboard.press('Tab');
    await page.keyboard.type(CODE);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      document
        .querySelector('fivecolor-verify')!
        .shadowRoot!.querySelector('[part=result]')!
        .textContent!.includes('Valid'),
    );
    const text = await result();
    expect(text).toContain('Valid report');
    expect(text).toContain('Yellow code when issued');
    expect(text).toContain('The color has changed since issue: now Green code');
  });

  it('says the field errors in the language of the moment, after lang changes', async () => {
    await page.locator('fivecolor-verify #code').fill('ABC');
    await page.locator('fivecolor-verify button[type=submit]').click();
    expect(await page.locator('fivecolor-verify #code-error').textContent()).toBe('验证码应为 8 位');
    await page.evaluate(async () => {
      const el = document.querySelector('fivecolor-verify')!;
      el.setAttribute('lang', 'en');
      await el.updateComplete;
    });
    expect(await page.locator('fivecolor-verify #code-error').textContent()).toBe(
      'The verification code has 8 characters',
    );
    expect(await page.locator('fivecolor-verify #reportNo-error').textContent()).toBe(
      'Enter the report number',
    );
  });
});
