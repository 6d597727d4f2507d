import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, axe, collectErrors, launch } from '../../test/harness.js';
import {
  cstDay,
  mount,
  nextEvent,
  sessionFor,
  shadowTextOf,
  startPortalApi,
  type TestServer,
} from '../../test/portal.js';

const TAG = 'fivecolor-consents';
let browser: Browser;
let api: TestServer;
let partyId: string;
let page: Page;
let errors: string[];

beforeAll(async () => {
  api = await startPortalApi();
  partyId = await api.registerPerson(701);
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

const ready = () =>
  page.waitForFunction(
    (t) => document.querySelector(t)?.shadowRoot?.querySelector('#bank option[value="Test Bank"]'),
    TAG,
  );
const submit = () => page.locator(`${TAG} button[type=submit]`).click();
const errorOf = (field: string) => page.locator(`${TAG} #${field}-error`).textContent();
const bankReads = () => api.as('bank').party.get.query({ partyId, purpose: '贷款审批' });

describe('<fivecolor-consents> against the real API', () => {
  it('refuses a missing bank, no scope, a past date and a bank the court does not know, each at its field, granting nothing', async () => {
    await mount(page, api.url, TAG, await sessionFor(api, partyId));
    await ready();
    await page.locator(`${TAG} input[value=code]`).uncheck();
    await page.locator(`${TAG} #until`).fill(cstDay(-1));
    await submit();
    expect(await errorOf('bank')).toBe('请填写银行');
    expect(await errorOf('scopes')).toBe('请至少选择一项');
    expect(await errorOf('until')).toBe(`截止日期须晚于今天（${cstDay(0)}）`);
    expect(await page.locator(`${TAG} #bank`).getAttribute('aria-invalid')).toBe('true');
    expect(
      await page
        .locator(`${TAG} #bank`)
        .evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement),
    ).toBe(true);
    expect(await axe(page)).toEqual([]);

    // A bank that left since the list was loaded: the court refuses it, and the element says so at the field.
    await page.locator(`${TAG} #bank`).evaluate((select) => {
      const o = document.createElement('option');
      o.value = 'No Such Bank';
      o.textContent = 'No Such Bank';
      select.append(o);
    });
    await page.locator(`${TAG} #bank`).selectOption('No Such Bank');
    await page.locator(`${TAG} input[value=code]`).check();
    await page.locator(`${TAG} #until`).fill(cstDay(30));
    await submit();
    await expect.poll(() => errorOf('bank')).toBe('法院没有登记这家银行，请从列表中选择');
    expect(await errorOf('until')).toBe('');
    expect(await api.client(await sessionFor(api, partyId)).consent.list.query()).toEqual([]);
    // The court's 400 is logged by the browser as a failed resource; nothing else went wrong.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it('grants Test Bank the code until a date, which lets the bank read it; revoking stops the bank', async () => {
    await expect(bankReads()).rejects.toThrow();
    await mount(page, api.url, TAG, await sessionFor(api, partyId));
    await ready();
    expect(await shadowTextOf(page, TAG)).toContain('看不到记录明细');
    await page.locator(`${TAG} #bank`).selectOption('Test Bank');
    await page.locator(`${TAG} #until`).fill(cstDay(90));
    const granted = nextEvent(page, TAG, 'fivecolor-consent-granted');
    await submit();
    expect(await granted).toMatchObject({
      grantee: 'Test Bank',
      scopes: ['code'],
      until: cstDay(90),
      active: true,
    });
    await expect
      .poll(() => page.locator(`${TAG} [part=notice]`).textContent())
      .toContain(`${cstDay(90)} 起失效`);
    await expect.poll(() => page.locator(`${TAG} table[part=consents] tbody tr`).count()).toBe(1);
    expect(await page.locator(`${TAG} tbody tr`).textContent()).toContain('有效');
    expect((await bankReads()).party.partyId).toBe(partyId);
    expect(await axe(page)).toEqual([]);
    await page.locator(TAG).screenshot({ path: join(ARTIFACTS_DIR, 'consents.png') });
    // Themable like the other elements: custom properties and ::part().
    await page.addStyleTag({
      content: `${TAG} { --fivecolor-button: rgb(10, 20, 30); } ${TAG}::part(notice) { letter-spacing: 3px; }`,
    });
    expect(
      await page.locator(`${TAG} button[type=submit]`).evaluate((b) => getComputedStyle(b).backgroundColor),
    ).toBe('rgb(10, 20, 30)');
    expect(
      await page.locator(`${TAG} [part=notice]`).evaluate((n) => getComputedStyle(n).letterSpacing),
    ).toBe('3px');

    const revoked = nextEvent(page, TAG, 'fivecolor-consent-revoked');
    await page.getByRole('button', { name: '撤销授权：Test Bank' }).focus();
    await page.keyboard.press('Enter');
    await revoked;
    await expect
      .poll(() => page.locator(`${TAG} [part=notice]`).textContent())
      .toBe('已撤销对Test Bank的授权，该银行从现在起不能再查询。');
    await expect.poll(() => page.locator(`${TAG} tbody tr`).textContent()).toContain('已撤销');
    // The revoke button went with the consent: focus is on the confirmation, not dropped to the page.
    await expect
      .poll(() =>
        page
          .locator(`${TAG} [part=notice]`)
          .evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement),
      )
      .toBe(true);
    expect(await page.evaluate(() => document.activeElement?.localName)).toBe(TAG);
    await expect(bankReads()).rejects.toThrow();
    // The notice is said again in the language the page switches to.
    await page.evaluate((tag) => document.querySelector(tag)?.setAttribute('lang', 'en'), TAG);
    await expect
      .poll(() => page.locator(`${TAG} [part=notice]`).textContent())
      .toBe('Consent to Test Bank revoked: the bank can no longer read your data.');
    expect(errors).toEqual([]);
  });

  it('sends a revoke retried after a network failure with the same idempotency key, the next revoke with a new one', async () => {
    const other = await api.registerPerson(702);
    const session = await sessionFor(api, other);
    const party = api.client(session);
    const first = await party.consent.grant.mutate({
      grantee: 'Test Bank',
      scopes: ['code'],
      until: cstDay(30),
    });
    const second = await party.consent.grant.mutate({
      grantee: 'Test Bank',
      scopes: ['report'],
      until: cstDay(60),
    });
    // Every revoke request the browser sends is seen here; while `down`, the network fails it.
    const keys: { consentId: string; key: string }[] = [];
    let down = true;
    await page.route('**/trpc/consent.revoke**', async (route) => {
      const body = route.request().postData() ?? '';
      keys.push({
        consentId: /"consentId":"([^"]+)"/.exec(body)?.[1] ?? '',
        key: /"idempotencyKey":"([^"]+)"/.exec(body)?.[1] ?? '',
      });
      if (down) await route.abort('failed');
      else await route.continue();
    });
    await mount(page, api.url, TAG, session);
    await ready();
    const revoke = (id: string) => page.locator(`${TAG} tr[data-consent="${id}"] button`).click();
    const notice = () => page.locator(`${TAG} [part=notice]`).textContent();

    await revoke(first.consentId);
    await expect.poll(notice).toBe('暂时无法连接法院系统，请稍后重试。');
    down = false;
    const revoked = nextEvent(page, TAG, 'fivecolor-consent-revoked');
    await revoke(first.consentId); // the user tries again
    expect(await revoked).toEqual({ consentId: first.consentId, grantee: 'Test Bank' });
    const tries = keys.filter((k) => k.consentId === first.consentId);
    expect(tries.length).toBeGreaterThan(1);
    expect(new Set(tries.map((k) => k.key)).size).toBe(1);

    const revokedToo = nextEvent(page, TAG, 'fivecolor-consent-revoked');
    await revoke(second.consentId);
    await revokedToo;
    const next = keys.filter((k) => k.consentId === second.consentId);
    expect(next).toHaveLength(1);
    expect(next[0]?.key).toMatch(/^el-/);
    expect(next[0]?.key).not.toBe(tries[0]?.key);
    expect((await party.consent.list.query()).map((c) => c.active)).toEqual([false, false]);
  });
});
