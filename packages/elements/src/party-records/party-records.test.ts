import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

const TAG = 'fivecolor-party-records';
let browser: Browser;
let api: TestServer;
let party: Awaited<ReturnType<typeof partyWithRecords>>;
let page: Page;
let errors: string[];
/** How far the API's clock is ahead of the real one (sessions expire after 15 minutes of it). */
let skew = 0;

beforeAll(async () => {
  api = await startPortalApi({ now: () => new Date(Date.now() + skew) });
  party = await partyWithRecords(api, 501);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
});
beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  errors = collectErrors(page);
});

// A page left open keeps running (timers, animations) and slows every later test of the file.
afterEach(async () => {
  skew = 0;
  await page.close();
});

const loaded = () =>
  page.waitForFunction((t) => document.querySelector(t)?.shadowRoot?.querySelector('.records'), TAG);
const card = (recordId: string) => page.locator(`${TAG} li.record:has(h4[id="h-${recordId}"])`);

describe('<fivecolor-party-records> against the real API', () => {
  it('shows the code, why, the band over the years and every record with its status, in both languages', async () => {
    const session = await sessionFor(api, party.partyId);
    await mount(page, api.url, TAG, session);
    await loaded();
    const text = await shadowTextOf(page, TAG);
    expect(text).toContain('黄码');
    expect(text).toContain('为什么是这个颜色');
    for (const part of ['Y14', 'R04', '（2025）浙0212执12号', '浙0212', '法院录入', '民事诉讼法'])
      expect(text).toContain(part);
    const statuses = await page.$$eval(`${TAG} li.record`, (lis) =>
      lis.map((li) => [li.querySelector('h4')?.id.slice(2), li.querySelector('.status')?.textContent]),
    );
    expect(Object.fromEntries(statuses)).toMatchObject({
      [party.active]: '有效',
      [party.ended]: '已到期',
      [party.repaired]: '已修复',
    });
    // The band: one block per segment, sized, with the color in words for screen readers.
    const band = await page.$$eval(`${TAG} ol[part=timeline] li`, (lis) =>
      lis.map((li) => ({
        color: li.getAttribute('data-color'),
        width: (li as HTMLElement).style.flexBasis,
        text: li.textContent,
      })),
    );
    expect(band.map((b) => b.color)).toContain('yellow');
    expect(band.every((b) => /%$/.test(b.width))).toBe(true);
    expect(band.some((b) => b.text?.includes('黄码：'))).toBe(true);
    // The session is a property, never in the markup.
    expect(await page.evaluate((t) => document.querySelector(t)!.outerHTML, TAG)).not.toContain(
      session.slice(0, 20),
    );
    expect(await axe(page)).toEqual([]);
    await page.locator(TAG).screenshot({ path: join(ARTIFACTS_DIR, 'party-records.png') });

    await page.evaluate((t) => document.querySelector(t)!.setAttribute('lang', 'en'), TAG);
    await page.waitForFunction(
      (t) => document.querySelector(t)?.shadowRoot?.textContent?.includes('Why this color'),
      TAG,
    );
    const en = await shadowTextOf(page, TAG);
    for (const part of ['My integrity-litigation records', 'Yellow code', 'In effect', 'Repaired', 'Ended'])
      expect(en).toContain(part);
    expect(errors).toEqual([]);
  });

  it('objects to a record by keyboard: an empty reason is refused at the field, then filed with its due date, and the decision shows once resolved', async () => {
    const session = await sessionFor(api, party.partyId);
    await mount(page, api.url, TAG, session);
    await loaded();
    const record = card(party.active);
    await record.getByRole('button', { name: /提出异议/ }).focus();
    await page.keyboard.press('Enter');
    // The form opens with focus in the reason; submitting it empty says so next to the field.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => record.locator('#reason-error').textContent()).toBe('请填写异议理由');
    expect(await record.locator('#reason').getAttribute('aria-invalid')).toBe('true');
    expect(
      await record.locator('#reason').evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement),
    ).toBe(true);
    expect((await api.as('judge').objection.list.query({ partyId: party.partyId })).items).toEqual([]);

    await page.keyboard.type('该案已于2025年执行完毕，记录有误。');
    const filed = nextEvent(page, TAG, 'fivecolor-objection-filed');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const detail = (await filed) as { objectionId: string; dueDate: string };
    await expect
      .poll(() => record.locator('[part=notice]').textContent())
      .toContain(`法院将于 ${detail.dueDate} 前答复`);
    await expect.poll(() => record.locator('.status').textContent()).toBe('异议审查中');
    expect(await record.locator('.objection').textContent()).toContain(`答复期限 ${detail.dueDate}`);
    expect(await record.getByRole('button', { name: /提出异议/ }).count()).toBe(0);
    // The submit button went with the form: focus is on the confirmation, not dropped to the page.
    await expect
      .poll(() =>
        record
          .locator('[part=notice]')
          .evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement),
      )
      .toBe(true);
    expect(await page.evaluate(() => document.activeElement?.localName)).toBe(TAG);

    await api.as('judge').objection.resolve.mutate({
      objectionId: detail.objectionId,
      decision: 'rejected',
      reason: '执行完毕不影响该记录的认定。',
    });
    await page.reload();
    await page.evaluate(
      ([t, s]) => {
        const el = document.createElement(t!) as HTMLElement & { session: string };
        el.setAttribute('api', location.origin);
        el.session = s!;
        document.querySelector('#root')!.append(el);
      },
      [TAG, session] as const,
    );
    await loaded();
    const resolved = (await card(party.active).locator('.objection').textContent())?.replace(/\s+/g, ' ');
    expect(resolved).toContain('异议被驳回，记录维持');
    expect(resolved).toContain('执行完毕不影响该记录的认定。');
    expect(resolved).toContain('该案已于2025年执行完毕');
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('an objection filed meanwhile from elsewhere: says the record changed, in words, and shows it as it is now', async () => {
    const other = await partyWithRecords(api, 577);
    const session = await sessionFor(api, other.partyId);
    await mount(page, api.url, TAG, session);
    await loaded();
    const record = card(other.active);
    await record.getByRole('button', { name: /提出异议/ }).click();
    await api.client(session).objection.file.mutate({ recordId: other.active, reason: '在另一个窗口提交' });
    await record.locator('#reason').fill('该记录有误。');
    await record.locator('button[type=submit]').click();
    await expect
      .poll(() => record.locator('[part=notice]').textContent())
      .toBe('这条记录的状态刚刚有了变化（可能已有异议在审查中），已为您刷新。');
    await expect.poll(() => record.locator('.status').textContent()).toBe('异议审查中');
    expect(await shadowTextOf(page, TAG)).not.toContain('already has an open objection');
  });

  it('a session that expires as the objection is submitted: the portal renews it and the objection is filed with the reason typed', async () => {
    const other = await partyWithRecords(api, 578);
    await mount(page, api.url, TAG, await sessionFor(api, other.partyId));
    await loaded();
    const record = card(other.active);
    await record.getByRole('button', { name: /提出异议/ }).click();
    await record.locator('#reason').fill('该记录有误，请复核。');
    // 16 minutes later the session has expired; told so, the portal gets a new one (a round trip later).
    skew = 16 * 60_000;
    const renewed = await sessionFor(api, other.partyId);
    await page.evaluate(
      ([t, s]) =>
        document.addEventListener(
          'fivecolor-session-expired',
          () =>
            setTimeout(() => {
              (document.querySelector(t!) as HTMLElement & { session: string }).session = s!;
            }, 300),
          { once: true },
        ),
      [TAG, renewed] as const,
    );
    await record.locator('button[type=submit]').click();
    const filed = async () =>
      (await api.as('judge').objection.list.query({ partyId: other.partyId })).items.map((o) => o.reason);
    await expect.poll(filed).toEqual(['该记录有误，请复核。']);
    await expect.poll(() => record.locator('[part=notice]').textContent()).toContain('法院将于');
    await expect.poll(() => record.locator('.status').textContent()).toBe('异议审查中');
    expect(await page.locator(`${TAG} [part=session]`).count()).toBe(0);
    // The refused call is a 401 the browser logs; nothing else went wrong.
    expect(errors.filter((e) => !/401|Unauthorized/i.test(e))).toEqual([]);
  });

  it('a session renewed while the objection is on its way: the answer is still the party’s, and says it was filed', async () => {
    const other = await partyWithRecords(api, 579);
    await mount(page, api.url, TAG, await sessionFor(api, other.partyId));
    await loaded();
    const renewed = await sessionFor(api, other.partyId);
    await page.route('**/trpc/objection.file**', async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    const record = card(other.active);
    await record.getByRole('button', { name: /提出异议/ }).click();
    await record.locator('#reason').fill('该记录有误。');
    const filed = nextEvent(page, TAG, 'fivecolor-objection-filed');
    await record.locator('button[type=submit]').click();
    await page.evaluate(
      ([t, s]) => ((document.querySelector(t!) as HTMLElement & { session: string }).session = s!),
      [TAG, renewed] as const,
    );
    await expect.poll(() => record.locator('[part=notice]').textContent()).toContain('法院将于');
    expect(await filed).toMatchObject({ recordId: other.active });
    const objections = await api.as('judge').objection.list.query({ partyId: other.partyId });
    expect(objections.items.map((o) => o.reason)).toEqual(['该记录有误。']);
    expect(errors).toEqual([]);
  });

  it('a session the court never issued: says so in words, emits fivecolor-session-expired once, and a new session recovers', async () => {
    const session = await sessionFor(api, party.partyId);
    await page.goto(api.url);
    const expired = page.evaluate(
      ([t, s]) =>
        new Promise<{ bubbles: boolean; composed: boolean; count: number }>((resolve) => {
          let count = 0;
          document.addEventListener('fivecolor-session-expired', (e) => {
            count++;
            setTimeout(() => resolve({ bubbles: e.bubbles, composed: e.composed, count }), 300);
          });
          customElements.whenDefined(t!).then(() => {
            const el = document.createElement(t!) as HTMLElement & { session: string };
            el.setAttribute('api', location.origin);
            el.session = s!;
            document.querySelector('#root')!.append(el);
          });
        }),
      [TAG, foreign(session)] as const,
    );
    expect(await expired).toEqual({ bubbles: true, composed: true, count: 1 });
    const notice = page.locator(`${TAG} [part=session]`);
    expect(await notice.textContent()).toBe('您的登录已过期或无效，请重新登录后继续。');
    expect(await notice.getAttribute('role')).toBe('alert');
    expect(await axe(page)).toEqual([]);

    await page.evaluate(
      ([t, s]) => ((document.querySelector(t!) as HTMLElement & { session: string }).session = s!),
      [TAG, session] as const,
    );
    await loaded();
    expect(await page.locator(`${TAG} [part=session]`).count()).toBe(0);

    // A session for another party: nothing of the previous one is shown, not even while loading.
    const other = await sessionFor(api, await api.registerPerson(502, '李某某'));
    const between = await page.evaluate(
      async ([t, s]) => {
        const el = document.querySelector(t!) as HTMLElement & {
          session: string;
          updateComplete: Promise<boolean>;
        };
        el.session = s!;
        await el.updateComplete;
        return el.shadowRoot!.textContent!;
      },
      [TAG, other] as const,
    );
    expect(between).not.toContain('浙0212执12号');
    expect(between).toContain('正在加载');
    await expect.poll(() => shadowTextOf(page, TAG)).toContain('您没有诚信诉讼记录。');
    // The refused call is a 401 the browser logs; nothing else went wrong.
    expect(errors.filter((e) => !/401|Unauthorized/i.test(e))).toEqual([]);
  });
});
