import { maskName } from '@fivecolor/core';
import type { Hono } from 'hono';
import { cors } from 'hono/cors';
import { type DemoData, demoClient } from './demo.js';

/**
 * The origins the demo allows to call its API cross-origin, besides `FIVECOLOR_ALLOWED_ORIGINS`:
 * `http://localhost:<port>` and `http://127.0.0.1:<port>`. A browser treats the two names of the same
 * server as two origins, so a page opened at one that calls the API at the other shows cross-origin
 * use, as a court portal on its own origin would make it.
 *
 * @example
 * demoOrigins(8787, []); // ['http://localhost:8787', 'http://127.0.0.1:8787']
 */
export function demoOrigins(port: number, configured: readonly string[]): string[] {
  return [...new Set([...configured, `http://localhost:${port}`, `http://127.0.0.1:${port}`])];
}

/**
 * The demo's stand-in for the court's online-service portal, mounted only by `pnpm start` with demo
 * data: `GET /demo/litigants` lists the demo's people and companies, and `POST /demo/session
 * { partyId }` signs one of them in, returning a party session token. The server calls
 * `party.issueSession` with the demo's `portal` key itself; that key never reaches the browser. A real
 * portal authenticates the litigant first; this one trusts anyone, so it only ever knows the demo's
 * fictional litigants. A page on one of `allowedOrigins` may call them cross-origin, like the API.
 */
export function mountDemoRoutes(app: Hono, demo: DemoData, allowedOrigins: readonly string[] = []): void {
  const litigants = demo.stories.map((s) => ({
    partyId: s.partyId,
    label: `${maskName(s.name, s.kind)} · ${s.title}`,
    kind: s.kind,
    color: s.color,
  }));
  const known = new Set(litigants.map((l) => l.partyId));
  const portal = demoClient(app, demo.keys.portal);

  app.use(
    '/demo/*',
    cors({
      origin: [...allowedOrigins],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type'],
    }),
  );
  app.get('/demo/litigants', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(litigants);
  });

  app.post('/demo/session', async (c) => {
    c.header('Cache-Control', 'no-store');
    const body: unknown = await c.req.json().catch(() => null);
    const partyId = (body as { partyId?: unknown } | null)?.partyId;
    if (typeof partyId !== 'string')
      return c.json({ error: 'partyId: send JSON { "partyId": "<one of GET /demo/litigants>" }' }, 400);
    if (!known.has(partyId))
      return c.json(
        { error: 'partyId: not one of the demo litigants (GET /demo/litigants lists them)' },
        404,
      );
    const { token, expiresAt } = await portal.party.issueSession.mutate({ partyId });
    return c.json({ token, partyId, expiresAt });
  });
}
