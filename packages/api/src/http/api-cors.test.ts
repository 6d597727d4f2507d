import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.js';

const PORTAL = 'https://portal.court.example';
const OTHER = 'https://evil.example';

describe('CORS of the authenticated API', () => {
  let s: TestServer;
  let partyId: string;
  beforeAll(async () => {
    s = await startTestServer({ allowedOrigins: [PORTAL, 'http://127.0.0.1:5173'] });
    partyId = await s.registerPerson(61, '冯某');
  });
  afterAll(async () => {
    await s?.close();
  });

  const preflight = (path: string, origin: string, method = 'GET') =>
    fetch(`${s.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
  const get = (path: string, origin?: string) =>
    fetch(`${s.url}${path}`, {
      headers: { Authorization: `Bearer ${s.keys.judge}`, ...(origin ? { Origin: origin } : {}) },
    });
  const input = () => encodeURIComponent(JSON.stringify({ partyId }));

  it('answers a preflight from a listed origin: that origin, GET/POST, Authorization and Content-Type, no credentials', async () => {
    for (const path of ['/trpc/party.get', '/trpc/record.create', `/v1/parties/${partyId}/export.pdf`]) {
      const r = await preflight(path, PORTAL, path.includes('record') ? 'POST' : 'GET');
      expect(r.status, path).toBe(204);
      expect(r.headers.get('access-control-allow-origin'), path).toBe(PORTAL);
      expect(r.headers.get('access-control-allow-methods')?.split(',')).toEqual(['GET', 'POST', 'OPTIONS']);
      expect(r.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual([
        'authorization',
        'content-type',
      ]);
      expect(r.headers.get('access-control-allow-credentials')).toBeNull();
      expect(r.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
  });

  it('gives a listed origin the response headers on the real request, and errors too', async () => {
    const ok = await get(`/trpc/party.get?input=${input()}`, PORTAL);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('vary')).toMatch(/\bOrigin\b/);
    // A refusal is readable by the portal page too (it must tell the user the session expired).
    const refused = await fetch(`${s.url}/trpc/party.get?input=${input()}`, {
      headers: { Authorization: 'Bearer fck_unknown', Origin: 'http://127.0.0.1:5173' },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
  });

  it('gives any other origin no CORS header at all (its browser withholds the response), and says Vary: Origin', async () => {
    for (const origin of [OTHER, `${PORTAL}.evil.example`, 'http://portal.court.example', 'null']) {
      const pre = await preflight('/trpc/party.get', origin);
      const real = await get(`/trpc/party.get?input=${input()}`, origin);
      for (const r of [pre, real]) {
        const cors = [...r.headers.keys()].filter((k) => k.startsWith('access-control-'));
        expect(cors, origin).toEqual([]);
        expect(r.headers.get('vary'), origin).toMatch(/\bOrigin\b/);
      }
    }
    // Without an Origin (curl, a server, the same origin) nothing changes but Vary.
    const plain = await get(`/trpc/party.get?input=${input()}`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(plain.headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it('leaves the public routes as they were (badge and report verification: CORS *)', async () => {
    const r = await fetch(`${s.url}/.well-known/jwks.json`, { headers: { Origin: OTHER } });
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('allows no origin when none is configured', async () => {
    const none = await startTestServer();
    try {
      const r = await fetch(`${none.url}/trpc/party.get`, {
        method: 'OPTIONS',
        headers: { Origin: PORTAL, 'Access-Control-Request-Method': 'GET' },
      });
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await none.close();
    }
  });
});
