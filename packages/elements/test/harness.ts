// Browser test harness: real Chromium (playwright-core), real HTTP servers on 127.0.0.1:0.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AxeResults, RunOptions } from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../test-support/chromium.js';
import type { BadgeData, Color } from '../src/types.js';

export const PKG_DIR = fileURLToPath(new URL('..', import.meta.url));
export const DIST_DIR = join(PKG_DIR, 'dist');
export const ARTIFACTS_DIR = join(PKG_DIR, 'test-artifacts');
export const PLAYGROUND_DIR = fileURLToPath(new URL('../../../apps/playground', import.meta.url));

export const COLORS: Color[] = ['green', 'red', 'yellow', 'blue', 'gold'];

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface TestServer {
  url: string;
  close: () => Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 with a free port. */
export const startServer = async (handler: Handler): Promise<TestServer> => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    Promise.resolve(handler(req, res, url)).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Sends a file, or 404. */
export const sendFile = async (res: ServerResponse, path: string): Promise<void> => {
  try {
    const body = await readFile(path);
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
};

/** Sends JSON with CORS `*`, as the public routes do. */
export const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
  res.end(JSON.stringify(body));
};

/** The test page: loads the published bundle exactly as a partner page would. */
export const testPage = (script = 'fivecolor-elements.js'): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Five-Color elements test</title><link rel="icon" href="data:,">
<script type="module" src="/${script}"></script></head>
<body><main><h1>Five-Color elements</h1><div id="root"></div></main></body></html>`;

/**
 * A static site: `/` is the test page, `/fivecolor-*.js` the built bundles, `/playground/…` the
 * playground pages with `./fivecolor-elements.js` mapped to the bundle (what the server must do).
 */
export const siteHandler: Handler = async (_req, res, url) => {
  const path = url.pathname;
  if (path === '/' || path === '/badge-only') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(testPage(path === '/' ? 'fivecolor-elements.js' : 'fivecolor-badge.js'));
    return;
  }
  const bundle = /^\/(?:playground\/)?(fivecolor-(?:elements|badge|portal)\.js(?:\.map)?)$/.exec(path);
  if (bundle?.[1]) return sendFile(res, join(DIST_DIR, bundle[1]));
  if (path.startsWith('/playground/')) {
    const rel = normalize(path.slice('/playground/'.length) || 'index.html');
    if (rel.startsWith('..')) return void res.writeHead(403).end();
    return sendFile(res, join(PLAYGROUND_DIR, rel));
  }
  res.writeHead(404).end('not found');
};

/** A badge as the API returns it. */
export const badge = (color: Color, extra: Partial<BadgeData> = {}): BadgeData => ({
  color,
  label: { green: '绿码', red: '红码', yellow: '黄码', blue: '蓝码', gold: '金码' }[color],
  name: '章**',
  asOf: '2026-03-01T02:30:00.000Z',
  until: null,
  verifyUrl: 'https://court.example/verify/abc',
  ...extra,
});

/** Launches Debian's Chromium headless. */
export const launch = (): Promise<Browser> => launchChromium();

/** Collects console errors and uncaught exceptions of a page. */
export const collectErrors = (page: Page): string[] => {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
};

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

/** Runs axe-core (WCAG 2.0/2.1 A and AA, best practices) on the page; returns the violations. */
export const axe = async (page: Page): Promise<{ id: string; help: string; nodes: string[] }[]> => {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated over the DevTools protocol, so a page's CSP does not block it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const { axe } = window as unknown as {
      axe: { run: (ctx: Document, opts: RunOptions) => Promise<AxeResults> };
    };
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
};

/** A text run inside an element's shadow root with its computed text and background colors. */
export interface TextSample {
  text: string;
  color: string;
  background: string;
}

/**
 * Every visible text run in `selector`'s shadow root, with the computed `color` of its element and
 * the first opaque `background-color` found walking up (across the shadow boundary).
 */
export const textSamples = (page: Page, selector: string): Promise<TextSample[]> =>
  page.evaluate((sel) => {
    const host = document.querySelector(sel);
    const root = host?.shadowRoot;
    if (!root) throw new Error(`${sel} has no shadow root`);
    const backgroundOf = (start: Element): string => {
      let el: Element | null = start;
      while (el) {
        const bg = getComputedStyle(el).backgroundColor;
        if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg;
        el = el.parentElement ?? ((el.getRootNode() as ShadowRoot).host || null);
      }
      return 'rgb(255, 255, 255)';
    };
    const out: { text: string; color: string; background: string }[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent?.trim();
      const el = n.parentElement;
      if (!text || !el) continue;
      const box = el.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) continue; // visually hidden
      out.push({ text, color: getComputedStyle(el).color, background: backgroundOf(el) });
    }
    return out;
  }, selector);

const channels = (css: string): number[] => {
  const m = /rgba?\(([^)]+)\)/.exec(css);
  if (!m?.[1]) throw new Error(`not an rgb() color: ${css}`);
  return m[1].split(',').map((v) => Number.parseFloat(v));
};

const luminance = (css: string): number => {
  const [r = 0, g = 0, b = 0] = channels(css)
    .slice(0, 3)
    .map((v) => v / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

/** WCAG 2.1 contrast ratio of two computed `rgb()` colors. */
export const contrast = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

/** Reads a value inside an element's shadow root. */
export const shadowText = (page: Page, selector: string, inner: string): Promise<string | undefined> =>
  page.evaluate(
    ([sel, part]) => document.querySelector(sel!)?.shadowRoot?.querySelector(part!)?.textContent?.trim(),
    [selector, inner] as const,
  );
