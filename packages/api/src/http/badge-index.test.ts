import { afterAll, describe, expect, it, vi } from 'vitest';
import { createApiKey } from '../auth/api-keys.js';
import { badgeTokenHash, newBadgeToken } from '../auth/badge-tokens.js';
import { createTestClient } from '../testing/client.js';
import { residentId } from '../testing/ids.js';
import { spawnServer } from '../testing/spawn-server.js';
import { createTestDatabase, dbKinds, openTestDb } from '../testing/test-db.js';
import type { BadgeCache } from './badge-cache.js';
import { BadgeIndex, type IndexedBadge } from './badge-index.js';
import { createFivecolor } from './create-app.js';
import { createLogger } from './logger.js';

const badge = (partyId: string, over: Partial<IndexedBadge> = {}): IndexedBadge => ({
  partyId,
  kind: 'person',
  nameMasked: '张*',
  color: 'green',
  since: null,
  until: null,
  policyId: 'pol-1',
  objection: false,
  ...over,
});
const TODAY = '2026-12-01';

describe('BadgeIndex', () => {
  it('finds every loaded token (across growth of its table) and nothing else', () => {
    const index = new BadgeIndex();
    const tokens = Array.from({ length: 5000 }, () => newBadgeToken());
    const since = index.beginLoad(TODAY);
    tokens.forEach((t, i) => {
      index.load(badgeTokenHash(t), badge(`p${i % 2500}`, { color: i % 2 ? 'red' : 'green' }), since);
    });
    index.endLoad(since);
    expect(index.size).toBe(5000);
    expect(index.parties).toBe(2500);
    tokens.forEach((t, i) => {
      // The party's last loaded row wins: tokens i and i + 2500 share party p(i % 2500).
      const b = index.find(t, TODAY, 'pol-1')?.badge;
      expect(b?.partyId).toBe(`p${i % 2500}`);
      expect(b?.color).toBe((i % 2500) % 2 ? 'red' : 'green');
    });
    expect(index.find(newBadgeToken(), TODAY, 'pol-1')).toBeUndefined();
  });

  it('gives back party ids and masked names as they were read, a name shared by many parties included', () => {
    const index = new BadgeIndex();
    const rows = [
      badge('pty_x', { nameMasked: '章**' }),
      badge('pty_y', { nameMasked: '章**' }),
      badge('甲方-1', { kind: 'org', nameMasked: '宁波某某有限公司' }),
      badge('p\u00e9', { nameMasked: 'L*****' }),
    ];
    const tokens = rows.map(() => newBadgeToken());
    const since = index.beginLoad(TODAY);
    rows.forEach((r, i) => {
      index.load(badgeTokenHash(tokens[i] as string), r, since);
    });
    index.endLoad(since);
    rows.forEach((r, i) => {
      expect(index.find(tokens[i] as string, TODAY, 'pol-1')?.badge).toEqual(r);
    });
    // A name changed by a write is what the index answers once the database was read again.
    const t = tokens[0] as string;
    const hit = index.find(t, TODAY, 'pol-1');
    index.invalidateParty('pty_x');
    index.put(
      badgeTokenHash(t),
      badge('pty_x', { nameMasked: '王*' }),
      index.find(t, TODAY, 'pol-1') ?? 0,
      TODAY,
    );
    expect(hit?.badge?.nameMasked).toBe('章**');
    expect(index.find(t, TODAY, 'pol-1')?.badge?.nameMasked).toBe('王*');
    expect(index.find(tokens[1] as string, TODAY, 'pol-1')?.badge?.nameMasked).toBe('章**');
  });

  it('answers nothing for an invalidated party until the database is read after the invalidation', () => {
    const index = new BadgeIndex();
    const t = newBadgeToken();
    const h = badgeTokenHash(t);
    const since = index.beginLoad(TODAY);
    index.load(h, badge('p1'), since);
    index.endLoad(since);
    const before = index.find(t, TODAY, 'pol-1');
    expect(before?.badge?.color).toBe('green');
    // A lookup began, then the party changed: what that lookup read is not kept.
    index.invalidateParty('p1');
    expect(index.find(t, TODAY, 'pol-1')?.badge).toBeNull();
    index.put(h, badge('p1', { color: 'green' }), before as NonNullable<typeof before>, TODAY);
    expect(index.find(t, TODAY, 'pol-1')?.badge).toBeNull();
    // A lookup that began after it is kept.
    const seen = index.find(t, TODAY, 'pol-1');
    index.put(h, badge('p1', { color: 'red' }), seen as NonNullable<typeof seen>, TODAY);
    expect(index.find(t, TODAY, 'pol-1')?.badge?.color).toBe('red');
    // The database says the token is gone (revoked): dropped.
    index.invalidateParty('p1');
    const again = index.find(t, TODAY, 'pol-1');
    index.put(h, null, again as NonNullable<typeof again>, TODAY);
    expect(index.find(t, TODAY, 'pol-1')).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('does not answer past a state until or under another policy', () => {
    const index = new BadgeIndex();
    const t = newBadgeToken();
    const since = index.beginLoad(TODAY);
    index.load(badgeTokenHash(t), badge('p1', { color: 'yellow', until: '2026-12-02' }), since);
    index.endLoad(since);
    expect(index.find(t, '2026-12-01', 'pol-1')?.badge?.color).toBe('yellow');
    expect(index.find(t, '2026-12-02', 'pol-1')?.badge).toBeNull();
    expect(index.find(t, '2026-12-01', 'pol-2')?.badge).toBeNull();
  });

  it('trusts what it read until the next CST midnight only, and asks for a reload on the next day', () => {
    const index = new BadgeIndex();
    let reloads = 0;
    index.onNewDay = () => reloads++;
    const t = newBadgeToken();
    const since = index.beginLoad(TODAY);
    index.load(badgeTokenHash(t), badge('p1'), since);
    index.endLoad(since);
    expect(index.find(t, TODAY, 'pol-1')?.badge?.color).toBe('green');
    expect(reloads).toBe(0);
    const seen = index.find(t, '2026-12-02', 'pol-1');
    expect(seen?.badge).toBeNull();
    expect(index.find(t, '2026-12-02', 'pol-1')?.badge).toBeNull();
    expect(reloads).toBe(1);
    // Read again that day (by a lookup, or the reload): trusted again.
    index.put(
      badgeTokenHash(t),
      badge('p1', { color: 'red' }),
      seen as NonNullable<typeof seen>,
      '2026-12-02',
    );
    expect(index.find(t, '2026-12-02', 'pol-1')?.badge?.color).toBe('red');
  });

  it('marks a party invalidated while a load ran stale, and a token unknown to it kept only without invalidations', () => {
    const index = new BadgeIndex();
    const [a, b, c] = [newBadgeToken(), newBadgeToken(), newBadgeToken()];
    const since = index.beginLoad(TODAY);
    index.invalidateParty('p1'); // after the load's query began, before its rows arrive
    index.load(badgeTokenHash(a), badge('p1'), since);
    index.load(badgeTokenHash(b), badge('p2'), since);
    index.endLoad(since);
    expect(index.find(a, TODAY, 'pol-1')?.badge).toBeNull();
    expect(index.find(b, TODAY, 'pol-1')?.badge).not.toBeNull();
    // A token it did not hold (issued elsewhere): kept only if nothing was invalidated during the lookup.
    const seen = index.epoch;
    index.invalidateParty('p9');
    index.put(badgeTokenHash(c), badge('p3'), seen, TODAY);
    expect(index.find(c, TODAY, 'pol-1')).toBeUndefined();
    index.put(badgeTokenHash(c), badge('p3'), index.epoch, TODAY);
    expect(index.find(c, TODAY, 'pol-1')?.badge?.partyId).toBe('p3');
  });

  it('answers nothing while suspended, and holds every party stale after resuming', () => {
    const index = new BadgeIndex();
    const t = newBadgeToken();
    const since = index.beginLoad(TODAY);
    index.load(badgeTokenHash(t), badge('p1'), since);
    index.endLoad(since);
    index.suspend();
    expect(index.find(t, TODAY, 'pol-1')).toBeUndefined();
    index.resume();
    expect(index.find(t, TODAY, 'pol-1')?.badge).toBeNull();
  });

  it('holds at most maxTokens', () => {
    const index = new BadgeIndex(2);
    const since = index.beginLoad(TODAY);
    const loaded = [1, 2, 3].map((i) => index.load(badgeTokenHash(newBadgeToken()), badge(`p${i}`), since));
    expect(loaded).toEqual([true, true, false]);
    index.put(badgeTokenHash(newBadgeToken()), badge('p4'), index.epoch, TODAY);
    expect(index.size).toBe(2);
    // A party the index would hold only for a token over the cap is not held either.
    expect(index.parties).toBe(2);
  });

  // Found in review: dropped entries were never reused, so tokens issued and revoked over months grew the
  // table without bound (maxTokens counts live tokens only).
  it('takes revoked tokens out of its table, those asked for again and those a reload no longer reads', () => {
    const index = new BadgeIndex();
    const kept = Array.from({ length: 10 }, () => newBadgeToken());
    let since = index.beginLoad(TODAY);
    for (const [i, t] of kept.entries()) index.load(badgeTokenHash(t), badge(`kept${i}`), since);
    index.endLoad(since);
    // Asked for, then revoked and asked for again: the database says it is gone.
    for (let i = 0; i < 100_000; i++) {
      const token = newBadgeToken();
      index.put(badgeTokenHash(token), badge(`p${i % 100}`), index.epoch, TODAY);
      index.invalidateParty(`p${i % 100}`);
      const seen = index.find(token, TODAY, 'pol-1');
      index.put(badgeTokenHash(token), null, seen as NonNullable<typeof seen>, TODAY);
    }
    expect(index.size).toBe(10);
    // 100,000 tokens would take 3.6 MB; the live ten and what has not been taken out yet, a few kB.
    expect(index.tokenBytes).toBeLessThan(256 * 1024);
    // Revoked and never asked for again: the next day's reload does not read them.
    for (let day = 2; day <= 30; day++) {
      const date = `2026-12-${String(day).padStart(2, '0')}`;
      since = index.beginLoad(date);
      for (const [i, t] of kept.entries()) index.load(badgeTokenHash(t), badge(`kept${i}`), since);
      for (let i = 0; i < 2000; i++)
        index.load(badgeTokenHash(newBadgeToken()), badge(`d${day}-${i}`), since);
      index.endLoad(since);
      for (let i = 0; i < 2000; i++) index.invalidateParty(`d${day}-${i}`); // all revoked
    }
    since = index.beginLoad('2026-12-31');
    for (const [i, t] of kept.entries()) index.load(badgeTokenHash(t), badge(`kept${i}`), since);
    index.endLoad(since);
    expect(index.size).toBe(10);
    expect(index.tokenBytes).toBeLessThan(512 * 1024); // 58,000 tokens would take 2 MB
    for (const [i, t] of kept.entries())
      expect(index.find(t, '2026-12-31', 'pol-1')?.badge?.partyId).toBe(`kept${i}`);
  });

  // Found in review: a revocation only marks the party stale, and a lookup of the party's other token
  // made it current again, which answered for the revoked token too.
  it('does not answer for a revoked token after another token of its party was looked up', () => {
    const index = new BadgeIndex();
    const [t1, t2] = [newBadgeToken(), newBadgeToken()];
    const since = index.beginLoad(TODAY);
    index.load(badgeTokenHash(t1), badge('p1'), since);
    index.load(badgeTokenHash(t2), badge('p1'), since);
    index.endLoad(since);
    expect(index.find(t1, TODAY, 'pol-1')?.badge?.partyId).toBe('p1');
    index.invalidateParty('p1'); // t1 revoked
    const seen = index.find(t2, TODAY, 'pol-1');
    index.put(badgeTokenHash(t2), badge('p1'), seen as NonNullable<typeof seen>, TODAY);
    expect(index.find(t2, TODAY, 'pol-1')?.badge?.partyId).toBe('p1');
    expect(index.find(t1, TODAY, 'pol-1')?.badge).toBeNull();
  });

  it('does not answer for a revoked token after a reload that no longer reads it', () => {
    const index = new BadgeIndex();
    const [t1, t2] = [newBadgeToken(), newBadgeToken()];
    let since = index.beginLoad(TODAY);
    index.load(badgeTokenHash(t1), badge('p1'), since);
    index.load(badgeTokenHash(t2), badge('p1'), since);
    index.endLoad(since);
    index.invalidateParty('p1'); // t1 revoked; nobody asks for it before the next day's reload
    since = index.beginLoad('2026-12-02');
    index.load(badgeTokenHash(t2), badge('p1'), since);
    index.endLoad(since);
    expect(index.find(t2, '2026-12-02', 'pol-1')?.badge?.partyId).toBe('p1');
    // Not answered: the reload dropped it (not read, not confirmed since), so the database is asked.
    expect(index.find(t1, '2026-12-02', 'pol-1')).toBeUndefined();
  });

  it('does not confirm a token a load read before its revocation, even when its party is current again', () => {
    const index = new BadgeIndex();
    const [t1, t2] = [newBadgeToken(), newBadgeToken()];
    const since = index.beginLoad(TODAY);
    index.load(badgeTokenHash(t1), badge('p1'), since);
    index.load(badgeTokenHash(t2), badge('p1'), since);
    index.invalidateParty('p1'); // t1 revoked while the load runs
    const seen = index.find(t2, TODAY, 'pol-1');
    index.put(badgeTokenHash(t2), badge('p1'), seen as NonNullable<typeof seen>, TODAY);
    index.endLoad(since);
    expect(index.find(t2, TODAY, 'pol-1')?.badge?.partyId).toBe('p1');
    expect(index.find(t1, TODAY, 'pol-1')?.badge).toBeNull();
  });

  it('trusts nothing a load read across a suspension (invalidations may have been lost meanwhile)', () => {
    const index = new BadgeIndex();
    const t = newBadgeToken();
    const since = index.beginLoad(TODAY);
    index.load(badgeTokenHash(t), badge('p1'), since);
    index.suspend();
    index.resume();
    index.endLoad(since);
    expect(index.find(t, TODAY, 'pol-1')?.badge).toBeNull();
  });

  it('keeps the objection flag of a party it answers for while a reload reads it', () => {
    const index = new BadgeIndex();
    const t = newBadgeToken();
    let since = index.beginLoad(TODAY);
    index.load(badgeTokenHash(t), badge('p1', { objection: true }), since);
    index.endLoad(since);
    since = index.beginLoad(TODAY);
    index.loadParty('p1', 'person', '张*', true);
    expect(index.find(t, TODAY, 'pol-1')?.badge?.objection).toBe(true);
    index.endLoad(since);
    expect(index.find(t, TODAY, 'pol-1')?.badge?.objection).toBe(true);
  });
});

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe.each(dbKinds())('the badge index on %s', (kind) => {
  it('serves tokens issued before start without the database, and never a stale color or a revoked token', async () => {
    const db = await openTestDb(kind);
    cleanups.push(() => db.close());
    const secret = `index-secret-${kind}-0123456789`;
    const clock = { now: Date.parse('2026-12-01T04:00:00Z') };
    const start = () =>
      createFivecolor({
        db,
        secret,
        logger: createLogger({ level: 'silent' }),
        now: () => new Date(clock.now),
        sweepStates: false,
        webhooks: { deliver: false }, // its polls would count among the queries watched below
      });
    const key = async (role: 'clerk' | 'judge') =>
      (await createApiKey(db, secret, { role, name: role, court: '浙02' })).key;
    // Parties and tokens made by one app, then a new app (a restart) whose index loads them.
    const first = await start();
    const clerk = createTestClient(first.app, await key('clerk'));
    const judgeKey = await key('judge');
    const ids = [];
    for (const [n, name] of ['赵某某', '钱某某', '孙某某'].entries())
      ids.push(
        (
          await clerk.party.register.mutate({
            kind: 'person',
            idType: 'RESIDENT_ID',
            idNumber: residentId(n + 1),
            name,
          })
        ).partyId,
      );
    const [a, , c] = ids as [string, string, string];
    const judge1 = createTestClient(first.app, judgeKey);
    await judge1.record.create.mutate({
      partyId: c,
      category: 'Y08',
      court: '浙0212',
      caseNumber: '（2026）浙0212民初2号',
      effectiveFrom: '2026-01-01',
      effectiveUntil: '2098-06-01',
    });
    const tokens = [];
    for (const p of ids) tokens.push((await judge1.party.issueBadgeToken.mutate({ partyId: p })).token);
    const [ta, tb, tc] = tokens as [string, string, string];
    await first.close();

    const f = await start();
    cleanups.push(() => f.close());
    const judge = createTestClient(f.app, judgeKey);
    const metrics = await (await f.app.request('/metrics')).text();
    expect(metrics).toMatch(/^fivecolor_badge_index_tokens 3$/m);
    expect(metrics).toMatch(/^fivecolor_badge_index_loaded 1$/m);
    const spy = vi.spyOn((db.pglite ?? db.pool) as { query: (...a: unknown[]) => unknown }, 'query');
    const get = async (token: string, lang = '') => {
      const res = await f.app.request(`/v1/badge/${token}${lang}`);
      return res.status === 200 ? (await res.json()).color : res.status;
    };
    const counted = async () => {
      const text = await (await f.app.request('/metrics')).text();
      const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
      return [read('fivecolor_badge_index_answers_total'), read('fivecolor_badge_database_lookups_total')];
    };
    expect([await get(ta), await get(tb), await get(tc)]).toEqual(['green', 'green', 'yellow']);
    expect(spy).not.toHaveBeenCalled();
    expect(await counted()).toEqual([3, 0]);

    // A color change: the cached badge and the index entry both give way; the next read is the database's.
    const cache = f.deps.cache as BadgeCache;
    const epoch = cache.epoch;
    await judge.record.create.mutate({
      partyId: a,
      category: 'R01',
      court: '浙0212',
      caseNumber: '（2026）浙0212刑初5号',
      effectiveFrom: '2026-01-01',
    });
    // On PostgreSQL the write's own NOTIFY comes back to this process too, and invalidates once more.
    const invalidations = kind === 'postgres' ? 2 : 1;
    const deadline = Date.now() + 5000;
    while (cache.epoch < epoch + invalidations && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    spy.mockClear();
    expect(await get(ta)).toBe('red');
    expect(spy).toHaveBeenCalled();
    expect(await counted()).toEqual([3, 1]);
    // …and what it read is back in the index: another language (not cached) is served without a query.
    spy.mockClear();
    expect(await get(ta, '?lang=en')).toBe('red');
    expect(spy).not.toHaveBeenCalled();

    // A revoked token stops working at once, in every language — also when the party's other token is
    // read first (that read makes the party current in the index again; the revoked token is not).
    const tb2 = (await judge.party.issueBadgeToken.mutate({ partyId: ids[1] as string })).token;
    await judge.party.revokeBadgeToken.mutate({ token: tb });
    expect(await get(tb2, '?lang=en')).toBe('green');
    expect(await get(tb2)).toBe('green');
    expect(await get(tb)).toBe(404);
    expect(await get(tb, '?lang=en')).toBe(404);

    // Time alone: on the state's until the index does not answer the old color.
    clock.now = Date.parse('2098-05-31T16:00:00Z');
    expect(await get(tc, '?lang=en')).toBe('green');
    expect(await get(tc)).toBe('green');
    spy.mockRestore();
  });
});

describe.each(dbKinds().filter((k) => k === 'postgres'))(
  'two server processes with badge indexes on %s',
  () => {
    it('a token, color change and revocation made in one are reflected by the other', async () => {
      const t = await createTestDatabase();
      cleanups.push(t.drop);
      const a = await spawnServer({ DATABASE_URL: t.url, CHILD_KEYS: '1' });
      cleanups.push(() => a.stop());
      const clerk = createTestClient(a.base, a.keys.clerk as string);
      const judge = createTestClient(a.base, a.keys.judge as string);
      const register = async (n: number) =>
        (
          await clerk.party.register.mutate({
            kind: 'person',
            idType: 'RESIDENT_ID',
            idNumber: residentId(n),
            name: '郑某',
          })
        ).partyId;
      const p1 = await register(11);
      const p2 = await register(12);
      const t1 = (await judge.party.issueBadgeToken.mutate({ partyId: p1 })).token;
      const t2 = (await judge.party.issueBadgeToken.mutate({ partyId: p2 })).token;
      // Process b starts after: its index holds both tokens.
      const b = await spawnServer({ DATABASE_URL: t.url });
      cleanups.push(() => b.stop());
      expect(await (await fetch(`${b.base}/metrics`)).text()).toMatch(/^fivecolor_badge_index_tokens 2$/m);
      const badge = async (token: string, lang = '') => {
        const res = await fetch(`${b.base}/v1/badge/${token}${lang}`);
        return res.status === 200 ? (await res.json()).color : res.status;
      };
      const within = async (token: string, want: unknown, lang = '') => {
        const start = Date.now();
        let got = await badge(token, lang);
        while (got !== want && Date.now() - start < 1000) {
          await new Promise((r) => setTimeout(r, 25));
          got = await badge(token, lang);
        }
        return got;
      };
      expect([await badge(t1), await badge(t2)]).toEqual(['green', 'green']);

      await judge.record.create.mutate({
        partyId: p1,
        category: 'R01',
        court: '浙0212',
        caseNumber: '（2026）浙0212刑初7号',
        effectiveFrom: '2026-01-01',
      });
      expect(await within(t1, 'red')).toBe('red');
      expect(await badge(t1, '?lang=en')).toBe('red');

      await judge.party.revokeBadgeToken.mutate({ token: t2 });
      expect(await within(t2, 404)).toBe(404);
      expect(await badge(t2, '?lang=en')).toBe(404);

      // A token issued in a after b loaded its index: b asks the database.
      const t3 = (await judge.party.issueBadgeToken.mutate({ partyId: p2 })).token;
      expect(await badge(t3)).toBe('green');
    });
  },
);
