import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey } from '../auth/api-keys.js';
import { isBadgeToken, newBadgeToken, onBadgeTokenIssued } from '../auth/badge-tokens.js';
import { createTestClient } from '../testing/client.js';
import { residentId } from '../testing/ids.js';
import { dbKinds, openTestDb } from '../testing/test-db.js';
import { BadgeCache } from './badge-cache.js';
import { createFivecolor, type FivecolorOptions } from './create-app.js';
import { createLogger } from './logger.js';
import { RateLimiter } from './rate-limit.js';

// The next 24 random bytes asked for (the next badge token minted), when a test chooses them.
const forced = vi.hoisted(() => ({ bytes: null as Buffer | null }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const randomBytes = ((size: number, ...rest: unknown[]) => {
    if (size === 24 && forced.bytes) {
      const b = forced.bytes;
      forced.bytes = null;
      return b;
    }
    return (real.randomBytes as (...a: unknown[]) => Buffer)(size, ...rest);
  }) as typeof real.randomBytes;
  return { ...real, default: { ...real, randomBytes }, randomBytes };
});

/** A well-formed token that was never issued. */
const unknownToken = () =>
  `bdg_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url')}`;

/** The app with `opts` over a fresh database; a clock to move; judge and clerk clients. */
async function badgeApp(kind: 'pglite' | 'postgres', opts: Partial<FivecolorOptions> = {}) {
  const db = await openTestDb(kind);
  const secret = `misses-secret-${kind}-0123456789`;
  const clock = { now: Date.now() };
  const f = await createFivecolor({
    db,
    secret,
    logger: createLogger({ level: 'silent' }),
    now: () => new Date(clock.now),
    sweepStates: false,
    // No webhook worker: its polls would count among the queries the badge route's are told from.
    webhooks: { deliver: false },
    ...opts,
  });
  // Every query of the app's pool (PostgreSQL) or instance (PGlite); the LISTEN connection is apart.
  const spy = vi.spyOn((db.pglite ?? db.pool) as { query: (...a: unknown[]) => unknown }, 'query');
  const key = async (role: 'clerk' | 'judge') =>
    (await createApiKey(db, secret, { role, name: role, court: '浙02' })).key;
  const clerk = createTestClient(f.app, await key('clerk'));
  const judge = createTestClient(f.app, await key('judge'));
  let n = 0;
  const issue = async () => {
    const { partyId } = await clerk.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(++n),
      name: '章某某',
    });
    return (await judge.party.issueBadgeToken.mutate({ partyId })).token;
  };
  const get = (token: string, headers: Record<string, string> = {}) =>
    f.app.request(`/v1/badge/${token}`, { headers });
  let closed = false;
  return {
    app: f.app,
    db,
    clock,
    clerk,
    judge,
    issue,
    get,
    /** Queries run so far. */
    queries: () => spy.mock.calls.length,
    /** Closes the database under the app: every query from now on fails (a 500). */
    async breakDb() {
      closed = true;
      await db.close();
    },
    async close() {
      await f.close();
      if (!closed) await db.close();
    },
  };
}

describe('badge token format', () => {
  it('accepts minted tokens only', () => {
    expect(isBadgeToken(newBadgeToken())).toBe(true);
    for (const bad of [
      '',
      'bdg_',
      'bdg_unknown',
      `bdg_${'a'.repeat(31)}`,
      `bdg_${'a'.repeat(33)}`,
      `xdg_${'a'.repeat(32)}`,
      `bdg_${'a'.repeat(31)}=`,
      `bdg_${'a'.repeat(31)}/`,
    ])
      expect(isBadgeToken(bad)).toBe(false);
  });

  it('tells listeners of every token minted', () => {
    const seen: string[] = [];
    const stop = onBadgeTokenIssued((t) => seen.push(t));
    const t = newBadgeToken();
    stop();
    newBadgeToken();
    expect(seen).toEqual([t]);
  });
});

describe('BadgeCache remembers misses', () => {
  it('for its TTL, until any invalidation, or until the token is minted', () => {
    const c = new BadgeCache(10, { missTtlMs: 30_000 });
    c.setMissed('a', 1000);
    expect(c.isMissed('a', 1000 + 29_999)).toBe(true);
    expect(c.isMissed('a', 1000 + 30_000)).toBe(false);
    c.setMissed('a', 0);
    c.setMissed('b', 0);
    c.forgetMiss('a');
    expect([c.isMissed('a', 1), c.isMissed('b', 1)]).toEqual([false, true]);
    c.invalidateParty('any party');
    expect(c.isMissed('b', 1)).toBe(false);
    // A lookup that began before an invalidation keeps no miss.
    const before = c.epoch;
    c.invalidateParty('p');
    c.setMissed('c', 0, before);
    expect(c.isMissed('c', 1)).toBe(false);
    // Nothing is remembered while suspended.
    c.suspend();
    c.setMissed('d', 0);
    c.resume();
    expect(c.isMissed('d', 1)).toBe(false);
  });

  it('keeps at most maxMisses, the oldest going first', () => {
    const c = new BadgeCache(10, { maxMisses: 2 });
    c.setMissed('a', 0);
    c.setMissed('b', 0);
    c.setMissed('c', 0);
    expect(c.missedSize).toBe(2);
    expect([c.isMissed('a', 1), c.isMissed('b', 1), c.isMissed('c', 1)]).toEqual([false, true, true]);
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then perSecond, per client; refunds; bounded', () => {
    const r = new RateLimiter({ burst: 3, perSecond: 2 }, 4);
    expect([0, 1, 2, 3].map(() => r.take('a', 0))).toEqual([0, 0, 0, 1]);
    expect(r.take('b', 0)).toBe(0);
    expect(r.take('a', 499)).toBe(1);
    expect(r.take('a', 500)).toBe(0);
    r.refund('a');
    expect(r.take('a', 500)).toBe(0);
    expect(r.take('a', 500)).toBe(1);
    expect(r.refused).toBe(3);
    for (let i = 0; i < 100; i++) r.take(`c${i}`, 1000);
    expect(r.size).toBeLessThanOrEqual(4);
  });
});

describe.each(dbKinds())('badge route misses on %s', (kind) => {
  let t: Awaited<ReturnType<typeof badgeApp>>;
  beforeAll(async () => {
    t = await badgeApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a token not of the token format 404 without asking the database', async () => {
    const broken = await badgeApp(kind);
    const valid = await broken.issue();
    await broken.breakDb();
    for (const bad of [
      'bdg_unknown',
      'nope',
      `bdg_${'a'.repeat(40)}`,
      `fck_${'a'.repeat(32)}`,
      valid.slice(0, -1),
    ]) {
      const res = await broken.get(bad);
      expect(res.status, bad).toBe(404);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual({ error: 'not found: unknown or revoked badge token' });
    }
    // A well-formed one does go to the (closed) database.
    expect((await broken.get(unknownToken())).status).toBe(500);
    await broken.close();
  });

  it('remembers a miss for 30 s: asked again, it costs no query', async () => {
    const missed = unknownToken();
    const q0 = t.queries();
    expect((await t.get(missed)).status).toBe(404);
    expect(t.queries()).toBe(q0 + 1);
    expect((await t.get(missed)).status).toBe(404); // from the negative cache
    expect((await t.get(`${missed}?lang=en`)).status).toBe(404); // any language
    expect(t.queries()).toBe(q0 + 1);
    expect((await t.get(unknownToken())).status).toBe(404); // a new one asks the database
    expect(t.queries()).toBe(q0 + 2);
    const saved = t.clock.now;
    t.clock.now += 30_001;
    expect((await t.get(missed)).status).toBe(404); // forgotten after 30 s: asked again
    expect(t.queries()).toBe(q0 + 3);
    t.clock.now = saved;
  });

  it('serves a token minted after a miss of it was remembered', async () => {
    const bytes = Buffer.from(crypto.getRandomValues(new Uint8Array(24)));
    const token = `bdg_${bytes.toString('base64url')}`;
    expect((await t.get(token)).status).toBe(404);
    expect((await t.get(token)).status).toBe(404); // remembered
    forced.bytes = bytes;
    expect(await t.issue()).toBe(token);
    const res = await t.get(token);
    expect(res.status).toBe(200);
    expect((await res.json()).name).toBe('章**');
  });

  it('forgets remembered misses on any write that invalidates a party', async () => {
    const missed = unknownToken();
    expect((await t.get(missed)).status).toBe(404);
    const { partyId } = await t.clerk.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(900),
      name: '章某某',
    });
    let q = t.queries();
    expect((await t.get(missed)).status).toBe(404);
    expect(t.queries()).toBe(q); // registering touches no cached party: still remembered
    await t.judge.record.create.mutate({
      partyId,
      category: 'R01',
      court: '浙0212',
      caseNumber: '（2026）浙0212刑初9号',
      effectiveFrom: '2026-01-01',
    });
    q = t.queries();
    expect((await t.get(missed)).status).toBe(404);
    expect(t.queries()).toBe(q + 1); // asked the database again
  });
});

describe.each(dbKinds())('badge lookup after another process migrated the database (%s)', (kind) => {
  it('prepares its statement again when a result column changed, instead of failing every miss', async () => {
    const t = await badgeApp(kind, { badgeCache: false, badgeIndex: false });
    try {
      const token = await t.issue();
      expect((await t.get(token)).status).toBe(200); // the lookup is prepared
      // What migration 0011 did under running servers: a column the lookup returns changed collation.
      await t.db.db.execute(sql`alter table party_state alter column policy_id type text collate "POSIX"`);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await t.get(token)).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
    } finally {
      await t.close();
    }
  });
});

describe.each(dbKinds())('badge route rate limit on %s', (kind) => {
  it('answers 429 with Retry-After once a client spends its misses; hits and other clients are unaffected', async () => {
    const t = await badgeApp(kind, {
      badgeMissLimit: { burst: 5, perSecond: 0.5 },
      reports: { trustProxy: true },
    });
    try {
      const valid = await t.issue();
      expect((await t.get(valid, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200); // now cached
      const a = { 'x-forwarded-for': '203.0.113.7' };
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await t.get(i % 2 ? 'bdg_bad' : unknownToken(), a)).status);
      expect(statuses).toEqual([404, 404, 404, 404, 404]);
      const limited = await t.get(unknownToken(), a);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('2');
      expect(limited.headers.get('access-control-expose-headers')).toBe('Retry-After');
      expect((await limited.json()).error).toMatch(/too many requests/);
      // A cached badge is still served to that client, at once (no promise).
      const hit = t.app.fetch(new Request(`http://localhost/v1/badge/${valid}`, { headers: a }));
      expect(hit).not.toBeInstanceOf(Promise);
      expect((hit as Response).status).toBe(200);
      // Another client is not limited.
      expect((await t.get(unknownToken(), { 'x-forwarded-for': '203.0.113.8' })).status).toBe(404);
      const metrics = await (await t.app.request('/metrics')).text();
      expect(metrics).toContain('fivecolor_badge_rate_limited_total 1');
      // The allowance refills on the app's clock (a test's clock stands still, however slow the machine).
      t.clock.now += 2000;
      expect((await t.get(unknownToken(), a)).status).toBe(404);
      expect((await t.get(unknownToken(), a)).status).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('gives back the request of a token found (the limit is on misses), and limits by default', async () => {
    const t = await badgeApp(kind, { badgeMissLimit: { burst: 2, perSecond: 0.01 }, badgeCache: false });
    try {
      const valid = await t.issue();
      for (let i = 0; i < 5; i++) expect((await t.get(valid)).status).toBe(200);
    } finally {
      await t.close();
    }
    const d = await badgeApp(kind);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 101; i++) statuses.push((await d.get(`bdg_${i}`)).status);
      expect(statuses.slice(0, 100).every((s) => s === 404)).toBe(true);
      expect(statuses[100]).toBe(429);
    } finally {
      await d.close();
    }
  });
});
