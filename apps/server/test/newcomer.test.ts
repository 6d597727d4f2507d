// The first hour of a newcomer, on a clean copy of the repository: install, `pnpm start`, open every URL
// the banner prints in Chromium, embed a badge on a page of another origin, and run the first documented
// server command. Any console error fails it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/chromium.js';
import { documentedServerCommands } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const copy = mkdtempSync(join(tmpdir(), 'fivecolor-newcomer-'));

/** The repository as a fresh clone has it: the files git tracks or would track, as they are now. */
function cleanCopy(): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    try {
      cpSync(join(ROOT, f), join(copy, f));
    } catch {
      // deleted in the working tree but not yet in the index: a clone of the next commit has it not either
    }
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

const env = (extra: Record<string, string>) => {
  const e: Record<string, string | undefined> = { ...process.env, DATABASE_URL: '' };
  // The copy is a repository of its own: nothing of the surrounding test run's turbo or pnpm leaks in.
  for (const k of Object.keys(e)) if (k.startsWith('TURBO_') || k.startsWith('npm_')) delete e[k];
  return { ...e, ...extra } as NodeJS.ProcessEnv;
};

let start: ChildProcess;
let banner = '';
let base: string;
let browser: Browser;
let partnerSite: Server;

beforeAll(async () => {
  cleanCopy();
  try {
    execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline'], {
      cwd: copy,
      env: env({}),
      stdio: 'pipe',
    });
  } catch {
    execFileSync('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], {
      cwd: copy,
      env: env({}),
      stdio: 'pipe',
    });
  }
  const port = await freePort();
  base = `http://localhost:${port}`;
  start = spawn('pnpm', ['start'], {
    cwd: copy,
    // The build step takes this checkout's turbo cache: its entries are keyed by the content of the tracked
    // files, so they are what the copy would build (CI's own clean clone builds without a cache, and that
    // build is what catches a build depending on an untracked file). Saves a minute and a half.
    env: env({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      TURBO_CACHE_DIR: join(ROOT, '.turbo', 'cache'),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  start.stdout?.on('data', (d) => (banner += d));
  start.stderr?.on('data', (d) => (banner += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pnpm start printed no banner in 8 min:\n${banner}`)),
      480_000,
    );
    start.stdout?.on('data', () => {
      if (banner.includes('Try: curl')) {
        clearTimeout(timer);
        resolve();
      }
    });
    start.on('exit', (code) => reject(new Error(`pnpm start exited with ${code}:\n${banner}`)));
  });
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (partnerSite ? partnerSite.close(r) : r(undefined)));
  if (start?.pid) {
    try {
      process.kill(-start.pid, 'SIGTERM');
    } catch {}
    await new Promise((r) => setTimeout(r, 1000));
  }
  rmSync(copy, { recursive: true, force: true });
}, 60_000);

/** Opens `url` and collects console errors, failed requests and uncaught exceptions. */
async function open(url: string): Promise<{ page: Page; errors: string[]; status: number | undefined }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  const res = await page.goto(url, { waitUntil: 'networkidle' });
  return { page, errors, status: res?.status() };
}

const urlsOf = (re: RegExp) => [...banner.matchAll(re)].map((m) => m[1] as string);

describe('a newcomer on a clean copy', () => {
  it('gets every page the banner prints without an error: console, playground, badges, reports', async () => {
    const pages = [
      ...urlsOf(/console\s+(http\S+)/g),
      ...urlsOf(/playground\s+(http\S+)/g),
      ...urlsOf(/bank page: (http\S+?)\)/g),
      ...urlsOf(/badge {3}(http\S+)/g),
      ...urlsOf(/report {2}\S+ {2}code \w+ {3}(http\S+)/g),
    ];
    expect(pages.length).toBe(3 + 4 + 4);
    for (const url of pages) {
      const { page, errors, status } = await open(url);
      expect(status, url).toBe(200);
      if (url.includes('/badge/')) {
        await page.waitForFunction(
          () => document.querySelector('fivecolor-badge')?.getAttribute('state') === 'ready',
        );
        expect(await page.locator('fivecolor-badge').getAttribute('color'), url).toMatch(
          /^(red|yellow|blue|gold)$/,
        );
      }
      if (url.includes('/v1/reports/')) {
        await page.waitForFunction(
          () => document.querySelector('fivecolor-report')?.getAttribute('state') === 'ready',
        );
        expect(
          await page.locator('fivecolor-report').evaluate((el) => el.shadowRoot?.textContent ?? ''),
        ).toContain('司法诚信报告');
      }
      expect(errors, url).toEqual([]);
      await page.close();
    }
  });

  it('embeds the badge with one script tag on a page of another origin', async () => {
    const token = urlsOf(/badge {3}http\S+\/badge\/(bdg_\S+)/g)[0] as string;
    const api = base.replace('localhost', '127.0.0.1'); // the partner page is on localhost: another origin
    partnerSite = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title>
<link rel="icon" href="data:,">
<script type="module" src="${api}/assets/fivecolor-badge.js"></script></head>
<body><fivecolor-badge token="${token}" api="${api}" lang="en"></fivecolor-badge></body></html>`);
    });
    const port = await new Promise<number>((resolve) =>
      partnerSite.listen(0, '127.0.0.1', () => resolve((partnerSite.address() as AddressInfo).port)),
    );
    const { page, errors } = await open(`http://localhost:${port}/`);
    await page.waitForFunction(
      () => document.querySelector('fivecolor-badge')?.getAttribute('state') === 'ready',
    );
    expect(await page.locator('fivecolor-badge').getAttribute('color')).toBe('red');
    expect(errors).toEqual([]);
  });

  // docs-commands.test.ts runs every documented command in the checkout; here the first few in the copy
  // show that its `fivecolor-server` works from a fresh install.
  it('runs the first documented server commands as written, from the root of the copy', () => {
    const all = documentedServerCommands(copy);
    const commands = [
      all.find((c) => c.includes(' migrate')),
      all.find((c) => c.includes(' keys create')),
      all.find((c) => /verify\s*$/.test(c)),
    ];
    expect(commands.every(Boolean), JSON.stringify(commands)).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'fivecolor-newcomer-cli-'));
    for (const command of commands as string[]) {
      const out = execFileSync('sh', ['-c', command], {
        cwd: copy,
        env: env({ FIVECOLOR_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
        encoding: 'utf8',
      });
      if (command.includes('keys create')) expect(out.trim().split('\n').at(-1), command).toMatch(/^fck_/);
    }
  });
});
