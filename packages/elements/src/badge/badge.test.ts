import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_DIR,
  axe,
  badge,
  COLORS,
  collectErrors,
  contrast,
  launch,
  sendJson,
  shadowText,
  siteHandler,
  startServer,
  type TestServer,
  textSamples,
} from '../../test/harness.js';
import type { Color } from '../types.js';

const EXPECTED_BG: Record<Color, string> = {
  green: 'rgb(46, 125, 50)',
  red: 'rgb(198, 40, 40)',
  yellow: 'rgb(255, 212, 59)',
  blue: 'rgb(21, 101, 192)',
  gold: 'rgb(201, 162, 39)',
};
const ZH: Record<Color, string> = { green: '绿码', red: '红码', yellow: '黄码', blue: '蓝码', gold: '金码' };
const EN: Record<Color, string> = {
  green: 'Green code',
  red: 'Red code',
  yellow: 'Yellow code',
  blue: 'Blue code',
  gold: 'Gold code',
};

let browser: Browser;
let site: TestServer;
let api: TestServer;
let page: Page;
let errors: string[];
let refreshCalls = 0;
let releaseSlow: (() => void) | undefined;

beforeAll(async () => {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  site = await startServer(siteHandler);
  api = await startServer(async (_req, res, url) => {
    const token = /^\/v1\/badge\/([^/]+)$/.exec(url.pathname)?.[1];
    const color = token?.replace(/^t-/, '') as Color;
    if (COLORS.includes(color)) return sendJson(res, 200, badge(color, { until: '2099-01-01' }));
    if (token === 'slow') {
      await new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      return sendJson(res, 200, badge('gold'));
    }
    if (token === 'refresh') {
      refreshCalls += 1;
      // First the yellow code that ends at 2026-03-02 00:00+08:00, then the green it becomes.
      return sendJson(
        res,
        200,
        refreshCalls === 1 ? badge('yellow', { until: '2026-03-02' }) : badge('green'),
      );
    }
    if (token === 'broken') return sendJson(res, 200, { color: 'purple', name: 'x', asOf: 'x' });
    sendJson(res, 404, { error: 'badge token not found' });
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
});

// A page left open keeps running (timers, animations) and slows every later test of the file.
afterEach(async () => {
  await page.close();
});

const open = async (path = '/'): Promise<void> => {
  await page.goto(`${site.url}${path}`);
  await page.evaluate(() => customElements.whenDefined('fivecolor-badge'));
};

/** Adds a badge with `.data` and waits for it to render. */
const addWithData = (color: Color, id = `b-${color}`, lang = ''): Promise<void> =>
  page.evaluate(
    async ([data, elId, elLang]) => {
      const el = document.createElement('fivecolor-badge');
      el.id = elId as string;
      if (elLang) el.setAttribute('lang', elLang as string);
      el.data = data as never;
      document.querySelector('#root')!.append(el);
      await el.updateComplete;
    },
    [badge(color), id, lang] as const,
  );

/** Adds a badge that fetches `token` from the test API and resolves with its first event. */
const addWithToken = (token: string, apiBase = api.url): Promise<{ type: string; detail: unknown }> =>
  page.evaluate(
    ([tok, base]) =>
      new Promise((resolve) => {
        const el = document.createElement('fivecolor-badge');
        el.id = 'fetched';
        const done = (e: Event) => resolve({ type: e.type, detail: (e as CustomEvent).detail });
        el.addEventListener('fivecolor-load', done, { once: true });
        el.addEventListener('fivecolor-error', done, { once: true });
        el.setAttribute('token', tok as string);
        el.setAttribute('api', base as string);
        document.querySelector('#root')!.append(el);
      }),
    [token, apiBase] as const,
  );

const bandBackground = (selector: string): Promise<string> =>
  page.evaluate(
    (sel) =>
      getComputedStyle(document.querySelector(sel)!.shadowRoot!.querySelector('[part=band]')!)
        .backgroundColor,
    selector,
  );

describe('<fivecolor-badge>', () => {
  for (const color of COLORS) {
    it(`renders ${color} with its label, icon, computed colors and AA contrast`, async () => {
      await open();
      await addWithData(color);
      const sel = `#b-${color}`;
      expect(await shadowText(page, sel, '[part=label]')).toBe(ZH[color]);
      expect(await shadowText(page, sel, '[part=name]')).toBe('章**');
      expect(await shadowText(page, sel, '[part=as-of]')).toBe('截至 2026-03-01 10:30');
      const iconInfo = await page.evaluate((s) => {
        const svg = document.querySelector(s)!.shadowRoot!.querySelector('[part=icon]')!;
        const box = svg.getBoundingClientRect();
        return { icon: svg.getAttribute('data-icon'), w: box.width, h: box.height };
      }, sel);
      expect(iconInfo.icon).toBe(color);
      expect(iconInfo.w).toBeGreaterThan(20);
      expect(await bandBackground(sel)).toBe(EXPECTED_BG[color]);
      expect(await page.getAttribute(sel, 'color')).toBe(color);
      expect(await page.getAttribute(sel, 'state')).toBe('ready');

      const samples = await textSamples(page, sel);
      expect(samples.map((s) => s.text)).toEqual(expect.arrayContaining([ZH[color], '诚信诉讼码', '章**']));
      for (const s of samples) {
        expect(
          contrast(s.color, s.background),
          `${s.text}: ${s.color} on ${s.background}`,
        ).toBeGreaterThanOrEqual(4.5);
      }
      expect(await axe(page)).toEqual([]);

      const file = join(ARTIFACTS_DIR, `badge-${color}.png`);
      await page.locator(sel).screenshot({ path: file });
      expect((await readFile(file)).subarray(1, 4).toString()).toBe('PNG');
      expect(errors).toEqual([]);
    });
  }

  it('says the color in words inside a role="status" region with the content language', async () => {
    await open();
    await addWithData('red');
    const a11y = await page.evaluate(() => {
      const base = document.querySelector('#b-red')!.shadowRoot!.querySelector('[part=base]')!;
      return { role: base.getAttribute('role'), lang: base.getAttribute('lang'), text: base.textContent };
    });
    expect(a11y.role).toBe('status');
    expect(a11y.lang).toBe('zh-CN');
    expect(a11y.text).toContain('红码');
    expect(a11y.text).toContain('诚信诉讼码');
  });

  it('switches language live when lang changes', async () => {
    await open();
    await addWithData('blue');
    await page.evaluate(async () => {
      const el = document.querySelector('#b-blue') as HTMLElementTagNameMap['fivecolor-badge'];
      el.setAttribute('lang', 'en');
      await el.updateComplete;
    });
    expect(await shadowText(page, '#b-blue', '[part=label]')).toBe(EN.blue);
    expect(await shadowText(page, '#b-blue', '[part=header]')).toBe('Integrity litigation code');
    expect(await shadowText(page, '#b-blue', '[part=as-of]')).toBe('As of 2026-03-01 10:30');
    expect(
      await page.evaluate(() =>
        document.querySelector('#b-blue')!.shadowRoot!.querySelector('[part=base]')!.getAttribute('lang'),
      ),
    ).toBe('en');
    await page.evaluate(async () => {
      const el = document.querySelector('#b-blue') as HTMLElementTagNameMap['fivecolor-badge'];
      el.lang = 'zh-CN';
      await el.updateComplete;
    });
    expect(await shadowText(page, '#b-blue', '[part=label]')).toBe('蓝码');
    const file = join(ARTIFACTS_DIR, 'badge-blue-en.png');
    await addWithData('gold', 'gold-en', 'en');
    await page.locator('#gold-en').screenshot({ path: file });
    expect((await stat(file)).size).toBeGreaterThan(1000);
  });

  it('fetches by token and fires fivecolor-load with the color', async () => {
    await open();
    const event = await addWithToken('t-red');
    expect(event.type).toBe('fivecolor-load');
    expect((event.detail as { color: string }).color).toBe('red');
    expect(await shadowText(page, '#fetched', '[part=label]')).toBe('红码');
    expect(await page.getAttribute('#fetched', 'state')).toBe('ready');
    const link = await page.evaluate(() => {
      const a = document.querySelector('#fetched')!.shadowRoot!.querySelector('a')!;
      return { href: a.href, rel: a.rel, text: a.textContent };
    });
    expect(link.href).toBe('https://court.example/verify/abc');
    expect(link.rel).toBe('noopener noreferrer');
    expect(link.text).toContain('（在新窗口打开）');
    expect(errors).toEqual([]);
  });

  it('shows a neutral grey "unavailable", never a color, for a 404 token', async () => {
    await open();
    const event = await addWithToken('unknown-token');
    expect(event).toEqual({ type: 'fivecolor-error', detail: { reason: 'not_found', status: 404 } });
    expect(await shadowText(page, '#fetched', '[part=label]')).toBe('暂不可用');
    expect(await page.getAttribute('#fetched', 'state')).toBe('error');
    expect(await page.getAttribute('#fetched', 'color')).toBeNull();
    expect(await bandBackground('#fetched')).toBe('rgb(224, 224, 224)');
    const icon = await page.evaluate(() =>
      document.querySelector('#fetched')!.shadowRoot!.querySelector('[part=icon]')!.getAttribute('data-icon'),
    );
    expect(icon).toBe('none');
    for (const s of await textSamples(page, '#fetched'))
      expect(contrast(s.color, s.background)).toBeGreaterThanOrEqual(4.5);
    expect(await axe(page)).toEqual([]);
    await page.locator('#fetched').screenshot({ path: join(ARTIFACTS_DIR, 'badge-unavailable.png') });
    // The browser logs the failed request itself; nothing else may be logged.
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
  });

  it('shows "unavailable" when the API cannot be reached', async () => {
    await open();
    const closed = await startServer(() => undefined);
    await closed.close();
    const event = await addWithToken('t-green', closed.url);
    expect(event).toEqual({ type: 'fivecolor-error', detail: { reason: 'network' } });
    expect(await shadowText(page, '#fetched', '[part=label]')).toBe('暂不可用');
  });

  it('shows "unavailable" for a response that is not a badge', async () => {
    await open();
    const event = await addWithToken('broken');
    expect(event).toEqual({ type: 'fivecolor-error', detail: { reason: 'invalid', status: 200 } });
    expect(await page.getAttribute('#fetched', 'color')).toBeNull();
  });

  it('keeps its size from loading to loaded (no layout shift)', async () => {
    await open();
    await page.evaluate((base) => {
      const el = document.createElement('fivecolor-badge');
      el.id = 'slow';
      el.token = 'slow';
      el.api = base;
      document.querySelector('#root')!.append(el);
    }, api.url);
    await page.waitForFunction(() => document.querySelector('#slow')?.shadowRoot?.querySelector('.skel'));
    expect(await page.getAttribute('#slow', 'state')).toBe('loading');
    expect(
      await page.evaluate(() =>
        document.querySelector('#slow')!.shadowRoot!.querySelector('[part=base]')!.getAttribute('aria-busy'),
      ),
    ).toBe('true');
    const before = await page.locator('#slow').boundingBox();
    await expect.poll(() => releaseSlow !== undefined).toBe(true);
    releaseSlow?.();
    await page.waitForFunction(() => document.querySelector('#slow')?.getAttribute('state') === 'ready');
    const after = await page.locator('#slow').boundingBox();
    expect(after).toEqual(before);
    expect(await shadowText(page, '#slow', '[part=label]')).toBe('金码');
  });

  it('renders within one animation frame of its data arriving', async () => {
    await open();
    const rendered = await page.evaluate(
      (data) =>
        new Promise<string>((resolve) => {
          const el = document.createElement('fivecolor-badge') as HTMLElement & { data: unknown };
          document.querySelector('#root')!.append(el);
          el.data = data;
          // Checked in the next frame callback, before that frame paints.
          requestAnimationFrame(() =>
            resolve(el.shadowRoot?.querySelector('[part=label]')?.textContent ?? ''),
          );
        }),
      badge('red'),
    );
    expect(rendered.trim()).toBe('红码');
  });

  it("refreshes itself when the code's until date begins (00:00 China Standard Time)", async () => {
    refreshCalls = 0;
    await page.clock.install({ time: new Date('2026-03-01T23:59:00+08:00') });
    await open();
    const first = await addWithToken('refresh');
    expect((first.detail as { color: string }).color).toBe('yellow');
    await page.clock.runFor('00:50');
    expect(refreshCalls).toBe(1);
    expect(await shadowText(page, '#fetched', '[part=label]')).toBe('黄码');
    await page.clock.runFor('00:20');
    await page.waitForFunction(() => document.querySelector('#fetched')?.getAttribute('color') === 'green');
    expect(refreshCalls).toBe(2);
    expect(await shadowText(page, '#fetched', '[part=label]')).toBe('绿码');
    expect(await page.getAttribute('#fetched', 'state')).toBe('ready');
  });

  it('marks .data stale once its until has passed and it has no token to refresh', async () => {
    await open();
    await page.evaluate(
      async (data) => {
        const el = document.createElement('fivecolor-badge');
        el.id = 'old';
        el.data = data as never;
        document.querySelector('#root')!.append(el);
        await el.updateComplete;
      },
      badge('red', { until: '2020-01-01' }),
    );
    await page.waitForFunction(() => document.querySelector('#old')?.getAttribute('state') === 'stale');
    expect(await shadowText(page, '#old', '[part=header]')).toBe('诚信诉讼码可能已过期，正在更新');
    expect(await shadowText(page, '#old', '[part=label]')).toBe('红码');
  });

  it('refresh() refuses, in words, a badge that has nothing to fetch', async () => {
    await open();
    await addWithData('red');
    const refused = await page.evaluate(async () => {
      const withData = document.querySelector('#b-red') as HTMLElementTagNameMap['fivecolor-badge'];
      const bare = document.createElement('fivecolor-badge');
      document.querySelector('#root')!.append(bare);
      const why = (el: HTMLElementTagNameMap['fivecolor-badge']) =>
        el.refresh().then(
          () => 'refreshed',
          (e: Error) => e.message,
        );
      return [await why(withData), await why(bare)];
    });
    for (const message of refused)
      expect(message).toBe(
        '<fivecolor-badge>.refresh() needs the token and api attributes (a badge given .data fetches nothing)',
      );
    expect(await page.getAttribute('#b-red', 'state')).toBe('ready');
  });

  it('ignores a verifyUrl that is not http(s)', async () => {
    await open();
    await page.evaluate(
      async (data) => {
        const el = document.createElement('fivecolor-badge');
        el.id = 'js';
        el.data = data as never;
        document.querySelector('#root')!.append(el);
        await el.updateComplete;
      },
      badge('green', { verifyUrl: 'javascript:alert(1)' }),
    );
    expect(
      await page.evaluate(() => document.querySelector('#js')!.shadowRoot!.querySelector('a')),
    ).toBeNull();
  });

  it('says when a record is under objection, in both languages, the color unchanged', async () => {
    await open();
    const texts = await page.evaluate(
      async (data) => {
        const out: string[] = [];
        for (const lang of ['zh-CN', 'en']) {
          const el = document.createElement('fivecolor-badge');
          el.lang = lang;
          el.data = data as never;
          document.querySelector('#root')!.append(el);
          await el.updateComplete;
          out.push(el.shadowRoot!.querySelector('[part=objection]')?.textContent ?? '');
          out.push(el.getAttribute('color') ?? '');
        }
        const plain = document.createElement('fivecolor-badge');
        plain.data = { ...(data as object), underObjection: undefined } as never;
        document.querySelector('#root')!.append(plain);
        await plain.updateComplete;
        out.push(String(plain.shadowRoot!.querySelector('[part=objection]')));
        return out;
      },
      badge('yellow', { underObjection: true }),
    );
    expect(texts).toEqual([
      '异议审查中：该码所依据的记录正在复核',
      'yellow',
      'Under objection: a record behind this code is being reviewed',
      'yellow',
      'null',
    ]);
  });

  it('keeps the verify link whole inside the card with the objection notice shown, in both languages and all sizes', async () => {
    await open();
    const boxes = await page.evaluate(
      async (data) => {
        const out: { at: string; link: DOMRect; notice: DOMRect; card: DOMRect; visible: boolean }[] = [];
        for (const lang of ['zh-CN', 'en'])
          for (const size of ['small', 'medium', 'large']) {
            const el = document.createElement('fivecolor-badge');
            el.lang = lang;
            el.setAttribute('size', size);
            el.data = data as never;
            document.querySelector('#root')!.append(el);
            await el.updateComplete;
            const root = el.shadowRoot!;
            const link = root.querySelector('[part=link]')!;
            const box = link.getBoundingClientRect();
            // The link's center is the link itself on screen (not hidden under or clipped by anything).
            const hit = root.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            out.push({
              at: `${lang} ${size}`,
              link: box.toJSON(),
              notice: root.querySelector('[part=objection]')!.getBoundingClientRect().toJSON(),
              card: root.querySelector('[part=base]')!.getBoundingClientRect().toJSON(),
              visible: hit !== null && link.contains(hit),
            });
          }
        return out;
      },
      badge('yellow', { underObjection: true, verifyUrl: 'https://court.example/badge/bdg_x' }),
    );
    expect(boxes).toHaveLength(6);
    for (const b of boxes) {
      const border = 2;
      expect(b.link.height, b.at).toBeGreaterThan(0);
      expect(b.link.top, b.at).toBeGreaterThanOrEqual(b.notice.bottom - 0.5);
      expect(b.link.bottom, b.at).toBeLessThanOrEqual(b.card.bottom - border + 0.5);
      expect(b.link.left, b.at).toBeGreaterThanOrEqual(b.card.left + border - 0.5);
      expect(b.link.right, b.at).toBeLessThanOrEqual(b.card.right - border + 0.5);
      expect(b.notice.bottom, b.at).toBeLessThanOrEqual(b.card.bottom - border + 0.5);
      expect(b.visible, b.at).toBe(true);
    }
  });

  it('links to the court\'s page unless verify-link="none" (the court\'s page itself)', async () => {
    await open();
    const hrefs = await page.evaluate(
      async (data) => {
        const out: (string | null)[] = [];
        for (const link of [null, 'none']) {
          const el = document.createElement('fivecolor-badge');
          if (link) el.setAttribute('verify-link', link);
          el.data = data as never;
          document.querySelector('#root')!.append(el);
          await el.updateComplete;
          out.push(el.shadowRoot!.querySelector('a')?.getAttribute('href') ?? null);
        }
        return out;
      },
      badge('green', { verifyUrl: 'https://court.example/badge/bdg_x' }),
    );
    expect(hrefs).toEqual(['https://court.example/badge/bdg_x', null]);
  });

  it('is themable with --fivecolor-{color} and ::part()', async () => {
    await open();
    await page.addStyleTag({
      content:
        'fivecolor-badge { --fivecolor-red: #7f0000; } fivecolor-badge::part(label) { letter-spacing: 3px; }',
    });
    await addWithData('red');
    expect(await bandBackground('#b-red')).toBe('rgb(127, 0, 0)');
    const spacing = await page.evaluate(
      () =>
        getComputedStyle(document.querySelector('#b-red')!.shadowRoot!.querySelector('[part=label]')!)
          .letterSpacing,
    );
    expect(spacing).toBe('3px');
  });

  it('keeps the label and icon visible in forced-colors mode and stops animating for reduced motion', async () => {
    await page.emulateMedia({ forcedColors: 'active', reducedMotion: 'reduce' });
    await open();
    await addWithData('yellow');
    const info = await page.evaluate(() => {
      const root = document.querySelector('#b-yellow')!.shadowRoot!;
      const band = getComputedStyle(root.querySelector('[part=band]')!);
      return { border: band.borderTopStyle, label: root.querySelector('[part=label]')!.textContent };
    });
    expect(info.border).toBe('solid');
    expect(info.label).toBe('黄码');
    await page.evaluate(() => {
      const el = document.createElement('fivecolor-badge');
      el.id = 'idle';
      document.querySelector('#root')!.append(el);
      return el.updateComplete;
    });
    const animation = await page.evaluate(
      () =>
        getComputedStyle(document.querySelector('#idle')!.shadowRoot!.querySelector('.skel')!).animationName,
    );
    expect(animation).toBe('none');
  });

  it('works from the badge-only bundle', async () => {
    await open('/badge-only');
    await addWithData('gold');
    expect(await shadowText(page, '#b-gold', '[part=label]')).toBe('金码');
    expect(await page.evaluate(() => customElements.get('fivecolor-verify'))).toBeUndefined();
  });

  it('keeps the .data it was given when a fetch under way for its token answers later', async () => {
    await open();
    releaseSlow = undefined;
    await page.evaluate(async (base) => {
      const el = document.createElement('fivecolor-badge');
      el.setAttribute('api', base);
      el.setAttribute('token', 'slow');
      document.querySelector('#root')?.append(el);
    }, api.url);
    await expect.poll(() => releaseSlow !== undefined).toBe(true); // the fetch is under way
    await page.evaluate(
      (data) => {
        (document.querySelector('fivecolor-badge') as HTMLElement & { data: unknown }).data = data;
      },
      badge('green', { until: '2099-01-01' }),
    );
    await expect.poll(() => page.locator('fivecolor-badge').getAttribute('color')).toBe('green');
    (releaseSlow as (() => void) | undefined)?.(); // the fetch answers gold now
    await new Promise((r) => setTimeout(r, 300));
    expect(await page.locator('fivecolor-badge').getAttribute('color')).toBe('green');
  });
});
