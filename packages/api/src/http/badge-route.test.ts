import { Hono } from 'hono';
import { mount } from 'hono/mount';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

describe.each(dbKinds())('public routes on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let token: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = await h.registerPerson(1, '章某某');
    token = (await h.as('judge').party.issueBadgeToken.mutate({ partyId })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves the badge with the masked name, ETag/304, Cache-Control and CORS *', async () => {
    const res = await h.app.request(`/v1/badge/${token}`, { headers: { Origin: 'https://bank.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const body = await res.json();
    expect(body).toMatchObject({
      color: 'green',
      label: '绿码',
      name: '章**',
      until: null,
      verifyUrl: `https://court.example/badge/${token}`,
    });
    expect(JSON.stringify(body)).not.toContain(residentId(1));
    const etag = res.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const again = await h.app.request(`/v1/badge/${token}`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const en = await (await h.app.request(`/v1/badge/${token}?lang=en`)).json();
    expect(en.label).toBe('Green code');
    expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
    const preflight = await h.app.request(`/v1/badge/${token}`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://bank.example', 'Access-Control-Request-Headers': 'if-none-match' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('If-None-Match');
  });

  it('answers a cache hit without a promise, and a miss with one (the hot path stays synchronous)', async () => {
    const fresh = (await h.as('judge').party.issueBadgeToken.mutate({ partyId })).token;
    const url = `http://localhost/v1/badge/${fresh}`;
    const first = h.app.fetch(new Request(url));
    expect(first).toBeInstanceOf(Promise);
    expect((await first).status).toBe(200);
    const hit = h.app.fetch(new Request(url));
    expect(hit).not.toBeInstanceOf(Promise);
    expect((hit as Response).status).toBe(200);
    // Everything else still goes through the app with its middlewares.
    const other = await h.app.fetch(new Request('http://localhost/healthz'));
    expect(other.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers a failed lookup with a 500 that carries the request id, and logs it', async () => {
    const broken = await createHarness(kind);
    await broken.db.close(); // every lookup now fails
    const res = await broken.app.request(`/v1/badge/${token}`);
    expect(res.status).toBe(500);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = await res.json();
    expect(body).toEqual({ error: 'internal server error', requestId: res.headers.get('x-request-id') });
    const lines = broken.logs.map((l) => JSON.parse(l));
    expect(lines.find((l) => l.msg === 'badge lookup failed')?.reqId).toBe(body.requestId);
    expect(lines.find((l) => l.msg === 'request' && l.status === 500)?.route).toBe('/v1/badge/:token');
    await broken.close().catch(() => {});
  });

  it('still answers when the app is mounted in another Hono app', async () => {
    const parent = new Hono();
    parent.all('/*', mount(h.app.fetch, { replaceRequest: (req) => req }));
    const res = await parent.request(`/v1/badge/${token}`);
    expect(res.status).toBe(200);
    expect((await res.json()).name).toBe('章**');
    expect((await parent.request('/healthz')).status).toBe(200);
  });

  it('reflects a write at once (cache invalidated) and 404s after the token is revoked', async () => {
    await h.app.request(`/v1/badge/${token}`);
    const r = await h.as('judge').record.create.mutate({
      partyId,
      category: 'R01',
      court: '浙0212',
      caseNumber: '（2026）浙0212刑初1号',
      effectiveFrom: '2026-01-01',
    });
    expect((await (await h.app.request(`/v1/badge/${token}`)).json()).color).toBe('red');
    await h.as('judge').record.revoke.mutate({ recordId: r.recordId, reason: 'entered in error' });
    expect((await (await h.app.request(`/v1/badge/${token}`)).json()).color).toBe('green');
    await h.as('judge').party.revokeBadgeToken.mutate({ token });
    expect((await h.app.request(`/v1/badge/${token}`)).status).toBe(404);
    expect((await h.app.request('/v1/badge/bdg_unknown')).status).toBe(404);
  });

  it('answers many concurrent misses, batched into one lookup, each with its own party', async () => {
    const surnames = ['赵', '孙', '李', '周', '吴', '郑'];
    const tokens: string[] = [];
    for (const [i, surname] of surnames.entries()) {
      const id = (
        await h.as('clerk').party.register.mutate({
          kind: 'person',
          idType: 'RESIDENT_ID',
          idNumber: residentId(10 + i),
          name: `${surname}某某`,
        })
      ).partyId;
      tokens.push((await h.as('judge').party.issueBadgeToken.mutate({ partyId: id })).token);
    }
    const paths = [
      ...tokens.map((t) => `/v1/badge/${t}`),
      '/v1/badge/bdg_never_issued',
      `/v1/badge/${tokens[2]}?lang=en`,
      `/v1/badge/${tokens[0]}`,
    ];
    const responses = await Promise.all(paths.map((p) => h.app.request(p)));
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 404, 200, 200]);
    expect(bodies.map((b) => b.name)).toEqual([...surnames.map((s) => `${s}**`), undefined, '李**', '赵**']);
    expect(bodies[7].label).toBe('Green code');
  });

  it('expires a cached badge at the classification until (time alone changes the color)', async () => {
    const other = (
      await h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(2),
        name: '钱某某',
      })
    ).partyId;
    await h.as('judge').record.create.mutate({
      partyId: other,
      category: 'Y08',
      court: '浙0212',
      caseNumber: '（2026）浙0212民初2号',
      effectiveFrom: '2026-01-01',
      effectiveUntil: '2098-06-01',
    });
    const t = (await h.as('judge').party.issueBadgeToken.mutate({ partyId: other })).token;
    const first = await (await h.app.request(`/v1/badge/${t}`)).json();
    expect(first).toMatchObject({ color: 'yellow', until: '2098-06-01', name: '钱**' });
    const saved = h.clock.now;
    try {
      h.clock.now = new Date('2098-05-31T15:59:59Z'); // 23:59:59 CST, the day before until
      expect((await (await h.app.request(`/v1/badge/${t}`)).json()).color).toBe('yellow');
      h.clock.now = new Date('2098-05-31T16:00:00Z'); // 00:00 CST on until
      expect(await (await h.app.request(`/v1/badge/${t}`)).json()).toMatchObject({
        color: 'green',
        asOf: '2098-06-01',
        until: null,
      });
    } finally {
      h.clock.now = saved;
    }
  });

  it('answers /healthz and /metrics by route pattern, without tokens or personal data', async () => {
    expect(await (await h.app.request('/healthz')).json()).toEqual({ ok: true, db: kind });
    const text = await (await h.app.request('/metrics')).text();
    expect(text).toContain(
      'fivecolor_http_requests_total{method="GET",route="/v1/badge/:token",status="200"}',
    );
    expect(text).toContain('route="/trpc/party.register"');
    // Batches and unknown names do not make labels of their own.
    await h.app.request('/trpc/policy.get,stats.summary?batch=1&input=%7B%7D');
    await h.app.request('/trpc/no.such.thing');
    const after = await (await h.app.request('/metrics')).text();
    expect(after).toContain('route="/trpc/(batch)"');
    expect(after).toContain('route="/trpc/unknown"');
    expect(after).not.toContain('policy.get,stats.summary');
    expect(text).toMatch(
      /fivecolor_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/badge\/:token",le="0.005"\}/,
    );
    // The badge served above is cached: its body and ETag take a few hundred bytes.
    expect(Number(/^fivecolor_badge_cache_body_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(100);
    // The process's own stalls: event-loop lag and GC pauses.
    expect(text).toMatch(/^fivecolor_eventloop_lag_p99_seconds \d/m);
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    expect(text).not.toContain(token);
    expect(text).not.toContain(residentId(1));
  });
});
