// Screenshots of each console view for docs/console.md, taken from a running demo server.
// Run: pnpm start (first terminal), then
//   node apps/console/scripts/screenshots.mjs [http://localhost:8787] [.fivecolor/demo.json]
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://localhost:8787';
const demo = JSON.parse(readFileSync(process.argv[3] ?? '.fivecolor/demo.json', 'utf8'));
const out = new URL('../../../docs/img/', import.meta.url);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});

async function shot(name, role, hash, act = async () => {}, width = 1280, height = 860) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${base}/console/`);
  if (role) {
    await page.fill('#signin input[name=apiKey]', demo.keys[role]);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    await page.evaluate((h) => (location.hash = h), hash);
  }
  await page.waitForTimeout(1200);
  await act(page);
  await page.waitForTimeout(600);
  await page.screenshot({ path: new URL(`console-${name}.png`, out).pathname, fullPage: false });
  console.log(`docs/img/console-${name}.png`);
  await page.close();
}

const [red, lender, repaired] = demo.stories;
await shot('signin', null, '');
await shot('screen', 'clerk', '#/screen', async (page) => {
  await page.fill('#screen input[name=caseNumber]', '（2026）浙0212民初2002号');
  await page.fill(
    '#screen textarea',
    `RESIDENT_ID ${lender.idNumber} 李某\nRESIDENT_ID ${red.idNumber}\nUSCC ${repaired.idNumber}`,
  );
  await page.click('#screen button[type=submit]');
  await page.waitForSelector('.slip table');
  await page.evaluate(() => document.querySelector('.slip')?.scrollIntoView());
});
await shot('mark', 'clerk', '#/screen', async (page) => {
  await page.fill('#screen input[name=caseNumber]', '（2026）浙0212民初2003号');
  await page.fill('#screen textarea', `RESIDENT_ID ${lender.idNumber} 李某\nRESIDENT_ID ${red.idNumber}`);
  await page.click('#screen button[type=submit]');
  await page.waitForSelector('#mark');
  await page.fill('#mark-note', '两名当事人预警，请审查借贷关系的真实性');
  await page.click('#mark button[type=submit]');
  await page.waitForSelector('[data-testid=mark]');
  await page.evaluate(() =>
    document.querySelector('[data-testid=mark]')?.scrollIntoView({ block: 'center' }),
  );
});
await shot('marked', 'judge', '#/screen', async (page) => {
  await page.waitForSelector('ul.marked > li');
  await page.evaluate(() => document.querySelector('#marked-h')?.scrollIntoView());
});
await shot('party', 'judge', `#/party/${lender.partyId}`);
await shot('case-history', 'judge', `#/party/${lender.partyId}`, async (page) => {
  await page.waitForSelector('ol.case-history');
  await page.evaluate(() => document.querySelector('#ch-h')?.scrollIntoView());
});
await shot('record-dialog', 'judge', `#/party/${lender.partyId}`, async (page) => {
  await page.click('button:has-text("录入记录")');
});
await shot('repair', 'enforcement', `#/party/${repaired.partyId}`);
await shot('objections', 'judge', '#/objections');
await shot('stats', 'judge', '#/stats', async (page) => page.waitForSelector('[data-panel=by-court] svg'));
await shot('admin', 'admin', '#/admin/audit', async (page) => {
  await page.click('button:has-text("校验审计链")');
  await page.waitForSelector('[data-testid=chain]', { timeout: 60_000 });
});
await shot(
  'tablet-en',
  'judge',
  `#/party/${lender.partyId}`,
  async (page) => page.click('button:has-text("English")'),
  820,
);
await shot('tablet', 'judge', '#/screen', async (page) => page.waitForSelector('ul.marked > li'), 768, 1024);
await browser.close();
