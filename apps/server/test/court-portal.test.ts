// The court portal page (apps/playground/court.html) against the server as `pnpm start` runs it: a
// demo litigant signs in, sees its code and records, objects to one, issues a report and hands it to
// the bank page, gives the bank consent, and then sees the bank's read in "who looked".
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createTestClient } from '@fivecolor/api/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/chromium.js';
import type { DemoData } from '../src/demo.js';
import { freshEnv, type RunningCli, startCli } from './helpers.js';

// axe-core is the elements' dev dependency: resolved from there.
const axeSource = readFileSync(
  createRequire(new URL('../../../packages/elements/package.json', import.meta.url)).resolve(
    'axe-core/axe.min.js',
  ),
  'utf8',
);

/** axe-core's WCAG 2.0/2.1 A and AA and best-practice violations on the page: `id impact: targets`. */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const { axe: run } = window as unknown as {
      axe: {
        run: (
          c: Document,
          o: object,
        ) => Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }>;
      };
    };
    const r = await run.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return r.violations.map((v) => `${v.id} ${v.impact}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
}

let cli: RunningCli;
let demo: DemoData;
let browser: Browser;

beforeAll(async () => {
  const { env } = await freshEnv('pglite');
  cli = await startCli(['start', '--parties', '20'], { ...env, LOG_LEVEL: 'warn' });
  await cli.waitFor('Try: curl');
  demo = JSON.parse(readFileSync(join(env.FIVECOLOR_DATA_DIR as string, 'demo.json'), 'utf8'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await cli?.stop();
});

/** The page calls a real server on a busy machine: give each step up to 15 s. */
const POLL = { timeout: 15_000 };
const cstDay = (days: number) =>
  new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
const shadow = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => el.shadowRoot?.textContent?.replace(/\s+/g, ' ') ?? '');

it('a litigant signs in, objects, issues a report for the bank, gives the bank consent and sees its read', async () => {
  const lender = demo.stories.find((s) => s.color === 'yellow');
  if (!lender) throw new Error('the demo has no yellow story');
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  // Under the whole suite's load, loading the bank page once took over Playwright's default 30 s.
  page.setDefaultTimeout(60_000);
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  // The pages run under a strict CSP (no inline script or style), as a partner's would.
  await page.route('**/playground/*.html*', async (route) => {
    const response = await route.fetch();
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': "default-src 'self'" },
    });
  });

  // The portal bundle, for pages on any origin, as the other bundles are.
  const bundle = await fetch(`${cli.url}/assets/fivecolor-portal.js`);
  expect(bundle.headers.get('access-control-allow-origin')).toBe('*');
  expect(await bundle.text()).toContain('"fivecolor-party-records"');

  // Sign in: the demo's stand-in portal lists its litigants and mints the session server-side.
  const opened = await page.goto(`${cli.url}/playground/court.html`);
  expect(opened?.headers()['content-security-policy']).toBe("default-src 'self'");
  await page.waitForSelector(`#litigant option[value="${lender.partyId}"]`, { state: 'attached' });
  expect(await axe(page)).toEqual([]);
  await page.selectOption('#litigant', lender.partyId);
  await page.click('#signin-form button');
  await page.waitForFunction(() => document.querySelector('#own')?.getAttribute('state') === 'ready');
  expect(await page.getAttribute('#own', 'color')).toBe('yellow');
  expect(await page.textContent('#who')).toContain('李*');
  // The session is handed over as a property: it is nowhere in the markup.
  const token = await page.evaluate(
    () => (document.querySelector('#records') as unknown as { session: string }).session,
  );
  expect(await page.content()).not.toContain(token.slice(-20));

  // My records: the professional-lender record (Y01), and an objection to it.
  await page.waitForSelector('#records li.record');
  expect(await shadow(page, '#records')).toContain('Y01');
  await page
    .locator('#records')
    .getByRole('button', { name: /提出异议/ })
    .first()
    .click();
  await page.locator('#records #reason').fill('涉案借款均为亲友间借贷，不属于职业放贷。');
  await page.locator('#records button[type=submit]').click();
  await expect.poll(() => shadow(page, '#records'), POLL).toContain('异议审查中');
  expect(await axe(page)).toEqual([]);
  expect(await shadow(page, '#records')).toMatch(/异议已提交，法院将于 \d{4}-\d{2}-\d{2} 前答复/);
  // The page refreshes the party's own badge: it says the code is under objection, without a reload.
  await expect.poll(() => shadow(page, '#own'), POLL).toContain('异议审查中');

  // A report for the bank, handed over by link.
  await page.locator('#reports #purpose').fill('向宁波银行申请贷款');
  await page.locator('#reports button[type=submit]').click();
  await page.waitForSelector('#handover:not([hidden])');
  const handover = (await page.locator('#reports [part=handover]').textContent()) ?? '';
  const [, reportNo, code] = /报告编号：(\S+) 验证码：(\S+)/.exec(handover) ?? [];
  expect(reportNo).toBeTruthy();
  // The link, then the page it leads to, opened by its address: under the whole suite's load a click on
  // it once opened nothing in 60 s (not reproduced alone; the link's address was already set).
  const link = new URL((await page.getAttribute('#handover-link', 'href')) ?? '', page.url());
  expect(link.pathname).toMatch(/\/bank\.html$/);
  expect(Object.fromEntries(link.searchParams)).toMatchObject({ reportNo, code });
  await page.goto(link.href, { waitUntil: 'commit' });
  await page.waitForFunction(
    () => document.querySelector('#verified-report')?.getAttribute('state') === 'ready',
  );
  const verified = await shadow(page, '#verified-report');
  expect(verified).toContain(reportNo as string);
  expect(verified).toContain('黄码');
  expect(new URL(page.url()).searchParams.get('code')).toBe(code);

  // Back on the portal (the session is renewed on load): consent for the bank.
  await page.goto(`${cli.url}/playground/court.html`);
  await page.waitForSelector('#consents #bank option[value="宁波银行"]', { state: 'attached' });
  await page.locator('#consents #bank').selectOption('宁波银行');
  await page.locator('#consents input[value=report]').check();
  await page.locator('#consents #until').fill(cstDay(90));
  await page.locator('#consents button[type=submit]').click();
  await expect
    .poll(() => shadow(page, '#consents'), POLL)
    .toContain(`已授权宁波银行，${cstDay(90)} 起失效。`);

  // The bank's server reads the code under the consent, with its own key and purpose.
  const bank = createTestClient(cli.url, demo.keys.bank);
  expect(
    (await bank.party.get.query({ partyId: lender.partyId, purpose: '贷款审批' })).classification.color,
  ).toBe('yellow');

  // Who looked: the bank's read, and the bank page's verification of the report.
  await page.reload();
  await page.waitForSelector('#access table[part=log]');
  await page.locator('#access #kind').selectOption('bank');
  const bankRows = await page.locator('#access tbody tr').allTextContents();
  expect(bankRows.some((r) => r.includes('宁波银行') && r.includes('贷款审批'))).toBe(true);
  await page.locator('#access #kind').selectOption('verification');
  expect((await page.locator('#access tbody tr').allTextContents()).join()).toContain('核验司法诚信报告');

  // A session the API no longer accepts: the page gets a new one and the elements recover.
  await page.evaluate(() => {
    (document.querySelector('#records') as unknown as { session: string }).session =
      'x.eyJzdWIiOiJwdHlfQSJ9.y';
  });
  await page.waitForFunction(
    (old) =>
      (document.querySelector('#records') as unknown as { session: string }).session !==
        'x.eyJzdWIiOiJwdHlfQSJ9.y' &&
      (document.querySelector('#records') as unknown as { session: string }).session !== old,
    token,
  );
  await page.waitForSelector('#records li.record');
  expect(await page.locator('#records [part=session]').count()).toBe(0);
  // Only the refused call itself (a 401 the browser logs) went wrong.
  expect(errors.filter((e) => !/401|Unauthorized/i.test(e))).toEqual([]);
  await page.close();
});
