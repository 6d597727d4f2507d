// The court portal's server side as `pnpm start` runs it: the demo's stand-in portal routes (/demo/*),
// and CORS for a portal page on another origin, checked in real Chromium.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/chromium.js';
import { readConfig, readOrigins } from '../src/config.js';
import type { DemoData } from '../src/demo.js';
import { demoOrigins } from '../src/demo-routes.js';
import { freshEnv, type RunningCli, startCli } from './helpers.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** A blank page on its own origin (a portal elsewhere); returns its origin. */
const site = (servers: Server[]) =>
  new Promise<string>((resolve) => {
    const s = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>portal</title><p>portal</p>');
    }).listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
    servers.push(s);
  });

/** Runs `fetch` in the page; the JSON body, or `blocked` when the browser refused the response. */
async function fetchFrom(page: Page, url: string, init: RequestInit = {}) {
  return page.evaluate(
    async ([u, i]) => {
      try {
        const r = await fetch(u as string, i as RequestInit);
        const type = r.headers.get('content-type') ?? '';
        return {
          status: r.status,
          type,
          body: type.includes('json') ? await r.json() : (await r.blob()).size,
        };
      } catch (e) {
        return { blocked: String(e) };
      }
    },
    [url, init] as const,
  );
}

describe('FIVECOLOR_ALLOWED_ORIGINS', () => {
  it('takes comma-separated exact origins and names a bad entry', () => {
    expect(
      readConfig({ FIVECOLOR_ALLOWED_ORIGINS: ' https://a.example , http://127.0.0.1:5173,' }).allowedOrigins,
    ).toEqual(['https://a.example', 'http://127.0.0.1:5173']);
    expect(readConfig({}).allowedOrigins).toEqual([]);
    for (const bad of ['https://a.example/', 'https://a.example/portal', '*', 'a.example', 'ftp://a.example'])
      expect(() => readOrigins(bad), bad).toThrow(/^FIVECOLOR_ALLOWED_ORIGINS: each entry must be an origin/);
    expect(demoOrigins(8787, ['https://a.example'])).toEqual([
      'https://a.example',
      'http://localhost:8787',
      'http://127.0.0.1:8787',
    ]);
  });
});

describe('pnpm start: the demo portal and cross-origin calls', () => {
  const servers: Server[] = [];
  let cli: RunningCli;
  let env: Record<string, string>;
  let port: number;
  let api: string;
  let portal: string;
  let unlisted: string;
  let demo: DemoData;
  let browser: Browser;

  beforeAll(async () => {
    portal = await site(servers);
    unlisted = await site(servers);
    port = await freePort();
    env = { ...(await freshEnv('pglite')).env, PORT: String(port), FIVECOLOR_ALLOWED_ORIGINS: portal };
    cli = await startCli(['start', '--parties', '10'], env);
    api = `http://127.0.0.1:${port}`;
    demo = JSON.parse(readFileSync(join(env.FIVECOLOR_DATA_DIR as string, 'demo.json'), 'utf8'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await cli?.stop();
    for (const s of servers) s.close();
  });

  const session = async (partyId: string) =>
    fetch(`${api}/demo/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ partyId }),
    });

  it('lists the demo litigants with masked names and signs one in without showing the portal key', async () => {
    expect(await cli.waitFor('/demo/litigants')).toContain(
      `demo portal  http://localhost:${port}/demo/litigants`,
    );
    const litigants = (await (await fetch(`${api}/demo/litigants`)).json()) as {
      partyId: string;
      label: string;
    }[];
    expect(litigants.map((l) => l.partyId)).toEqual(demo.stories.map((s) => s.partyId));
    expect(litigants[0]?.label).toMatch(/^章\*\* · 虚假诉讼罪/);
    const text = JSON.stringify(litigants);
    for (const s of demo.stories) expect(text).not.toContain(s.idNumber);
    expect(text).not.toContain('章某某');

    const res = await session(litigants[0]?.partyId as string);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; partyId: string; expiresAt: string };
    expect(body).toEqual({
      token: expect.any(String),
      partyId: litigants[0]?.partyId,
      expiresAt: expect.any(String),
    });
    expect(JSON.stringify(body)).not.toContain(demo.keys.portal);
    const me = await fetch(
      `${api}/trpc/party.get?input=${encodeURIComponent(JSON.stringify({ partyId: body.partyId }))}`,
      { headers: { Authorization: `Bearer ${body.token}` } },
    );
    expect(
      ((await me.json()) as { result: { data: { party: { name: string } } } }).result.data.party.name,
    ).toBe('章某某');
  });

  it('refuses a partyId that is not a demo litigant, and a malformed body', async () => {
    const unknown = await session('pty_AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(
      /^partyId: not one of the demo litigants/,
    );
    const bad = await fetch(`${api}/demo/session`, { method: 'POST', body: 'nonsense' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^partyId: /);
  });

  it('lets a listed portal origin (and the demo’s other name) call the API with a session; an unlisted origin is blocked by the browser', async () => {
    const partyId = demo.stories[1]?.partyId as string;
    const { token } = (await (await session(partyId)).json()) as { token: string };
    const auth = { Authorization: `Bearer ${token}` };
    const get = `${api}/trpc/party.get?input=${encodeURIComponent(JSON.stringify({ partyId }))}`;
    const page = await browser.newPage();

    await page.goto(`${portal}/`);
    // The demo's stand-in portal answers the listed origin too (court.html with ?api=… on another origin).
    expect(await fetchFrom(page, `${api}/demo/litigants`)).toMatchObject({
      status: 200,
      body: expect.arrayContaining([expect.objectContaining({ partyId: demo.stories[0]?.partyId })]),
    });
    const read = await fetchFrom(page, get, { headers: auth });
    expect(read).toMatchObject({
      status: 200,
      body: { result: { data: { party: { partyId, name: '李某' } } } },
    });
    const banks = await fetchFrom(page, `${api}/trpc/consent.banks`, { headers: auth });
    expect(banks).toMatchObject({
      status: 200,
      body: { result: { data: [{ org: '宁波银行', name: '宁波银行' }] } },
    });
    // A mutation: POST with a JSON body (a preflight for Authorization and Content-Type).
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const grant = await fetchFrom(page, `${api}/trpc/consent.grant`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ grantee: '宁波银行', scopes: ['code'], until }),
    });
    expect(grant).toMatchObject({
      status: 200,
      body: { result: { data: { grantee: '宁波银行', active: true } } },
    });
    const pdf = await fetchFrom(page, `${api}/v1/parties/${partyId}/export.pdf`, { headers: auth });
    expect(pdf).toMatchObject({ status: 200, type: 'application/pdf' });
    expect((pdf as { body: number }).body).toBeGreaterThan(10_000);

    // The demo serves the playground at http://localhost:<port>; the API at 127.0.0.1 is another origin.
    await page.goto(`http://localhost:${port}/playground/`);
    expect(await fetchFrom(page, get, { headers: auth })).toMatchObject({ status: 200 });

    await page.goto(`${unlisted}/`);
    expect(await fetchFrom(page, `${api}/demo/litigants`)).toEqual({
      blocked: expect.stringMatching(/TypeError/),
    });
    expect(await fetchFrom(page, get, { headers: auth })).toEqual({
      blocked: expect.stringMatching(/TypeError/),
    });
    expect(await fetchFrom(page, `${api}/v1/parties/${partyId}/export.pdf`, { headers: auth })).toEqual({
      blocked: expect.stringMatching(/TypeError/),
    });
    await page.close();
  });

  it('mounts no demo routes and allows no extra origin when the same data is served by `serve`', async () => {
    await cli.stop();
    cli = await startCli(['serve'], { ...env, FIVECOLOR_ALLOWED_ORIGINS: '' });
    expect((await fetch(`${api}/demo/litigants`)).status).toBe(404);
    expect((await session(demo.stories[0]?.partyId as string)).status).toBe(404);
    const pre = await fetch(`${api}/trpc/party.get`, {
      method: 'OPTIONS',
      headers: { Origin: `http://localhost:${port}`, 'Access-Control-Request-Method': 'GET' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});
