import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadgeCache, type BadgeEntry } from './badge-cache.js';

const entry = (partyId: string, expiresAt = 1_000): BadgeEntry => ({
  partyId,
  body: new TextEncoder().encode('{}') as Uint8Array<ArrayBuffer>,
  etag: '"x"',
  expiresAt,
});

/** An entry's fields as a plain object, its body as text (what a client would get). */
const plain = (e: BadgeEntry | undefined) =>
  e && { partyId: e.partyId, body: Buffer.from(e.body).toString(), etag: e.etag, expiresAt: e.expiresAt };

describe('BadgeCache', () => {
  it('evicts the least recently used entry when full', () => {
    const cache = new BadgeCache(2);
    cache.set('a', entry('p1'));
    cache.set('b', entry('p2'));
    expect(cache.get('a', 0)).toBeDefined(); // a is now more recent than b
    cache.set('c', entry('p3'));
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBeDefined();
    expect(cache.get('c', 0)).toBeDefined();
    expect(cache.size).toBe(2);
  });

  it('moves an entry hit in the older generation with a copy of its body, and serves it from the young one', () => {
    const cache = new BadgeCache(2);
    const first = { ...entry('p1'), body: Buffer.from('{"color":"red"}') };
    cache.set('a', first);
    cache.set('b', entry('p2')); // the young generation (1 entry) is full: 'a' is now in the older one
    const moved = cache.get('a', 0);
    expect(moved?.body).not.toBe(first.body);
    expect(Buffer.from(moved?.body ?? []).toString()).toBe('{"color":"red"}');
    expect(Buffer.from(cache.get('a', 0)?.body ?? []).toString()).toBe('{"color":"red"}'); // now young
    expect(cache.size).toBe(2);
    cache.set('c', entry('p3'));
    expect(Buffer.from(cache.get('a', 0)?.body ?? []).toString()).toBe('{"color":"red"}');
  });

  it('drops expired entries and every entry of an invalidated party, and counts hits and misses', () => {
    const cache = new BadgeCache();
    cache.set('t1', entry('p1', 500));
    cache.set('t1\u0000en', entry('p1'));
    cache.set('t2', entry('p2'));
    expect(cache.get('t1', 500)).toBeUndefined(); // expired at 500
    cache.invalidateParty('p1');
    expect(cache.get('t1\u0000en', 0)).toBeUndefined();
    expect(cache.get('t2', 0)).toBeDefined();
    expect({ hits: cache.hits, misses: cache.misses, size: cache.size }).toEqual({
      hits: 1,
      misses: 2,
      size: 1,
    });
  });

  it('does not keep an entry read before an invalidation (a write during the lookup)', () => {
    const cache = new BadgeCache();
    const before = cache.epoch;
    cache.invalidateParty('p1'); // a write commits while the lookup is on its way
    cache.set('t1', entry('p1'), before);
    expect(cache.get('t1', 0)).toBeUndefined();
    cache.set('t1', entry('p1'), cache.epoch);
    expect(cache.get('t1', 0)).toBeDefined();
  });

  it('invalidates a party whose entries have moved to the older generation', () => {
    const cache = new BadgeCache(4); // two generations of two
    cache.set('t1', entry('p1'));
    cache.set('t2', entry('p2'));
    cache.set('t3', entry('p3')); // t1, t2 are now the older generation
    cache.invalidateParty('p1');
    expect(cache.get('t1', 0)).toBeUndefined();
    expect(cache.get('t2', 0)).toBeDefined();
    cache.set('t4', entry('p4'));
    cache.set('t5', entry('p5')); // t3 and t2 were the young ones; t4 and t5 push out what was not touched
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get('t5', 0)).toBeDefined();
  });

  it('invalidates an entry that a hit moved out of a generation since dropped', () => {
    const cache = new BadgeCache(4);
    cache.set('t1', entry('p1'));
    cache.set('t2', entry('p2'));
    cache.set('t3', entry('p3')); // t1, t2 old; t3 young
    expect(cache.get('t1', 0)).toBeDefined(); // t1 moves to the young generation: t3, t1
    cache.set('t4', entry('p4')); // young full: t3, t1 become the old generation, t2 is dropped
    expect(cache.get('t2', 0)).toBeUndefined();
    cache.invalidateParty('p1');
    expect(cache.get('t1', 0)).toBeUndefined();
    expect(cache.get('t3', 0)).toBeDefined();
    cache.set('t1', entry('p1')); // rebuilt after the write, and invalidated again by the next one
    cache.invalidateParty('p1');
    expect(cache.get('t1', 0)).toBeUndefined();
  });

  it('gives back the bytes, ETag, expiry and party of what was set, across slabs, and keeps handed-out bodies valid', () => {
    const cache = new BadgeCache(20_000); // generations of 3.2 MB of bodies: room for these
    const big = (n: number, c: string) => Buffer.from(c.repeat(n));
    const entries = [
      { key: 't1', partyId: 'p1', body: big(400_000, '绿'), etag: '"e1"', expiresAt: 5 }, // 1.2 MB: a slab of its own
      { key: 't2', partyId: 'p2', body: big(700_000, 'a'), etag: `"${'x'.repeat(27)}"`, expiresAt: 6 },
      { key: 't3', partyId: 'p2', body: big(700_000, 'b'), etag: '"e3"', expiresAt: 7 }, // past the slab's end
      { key: 't4', partyId: 'p3', body: Buffer.alloc(0), etag: '""', expiresAt: 8 },
    ];
    for (const { key, ...e } of entries) cache.set(key, e as BadgeEntry);
    const handedOut = cache.get('t1', 0);
    for (const { key, body, ...e } of entries) {
      const got = cache.get(key, 0);
      expect({ ...plain(got), body: undefined }).toEqual({ ...e, body: undefined });
      expect(Buffer.from(got?.body ?? []).equals(body)).toBe(true);
    }
    // Both generations dropped (each turned over by its bytes).
    for (let i = 0; i < 6; i++)
      cache.set(`u${i}`, { partyId: `q${i}`, body: big(1_700_000, 'z'), etag: '"z"', expiresAt: 9 });
    expect(cache.get('t1', 0)).toBeUndefined();
    expect(Buffer.from(handedOut?.body ?? []).equals(big(400_000, '绿'))).toBe(true);
  });

  it('stays within its bytes when the same few entries are built again and again (writes, midnight)', () => {
    const cache = new BadgeCache(2000); // generations of 1,000 entries, 320 bytes of bodies an entry
    const body = Buffer.from(
      JSON.stringify({ color: 'green', label: '绿色', name: '张*', padding: 'x'.repeat(200) }),
    );
    // 100 tokens asked for all day; each party written to 1,000 times: every write drops the party's entry
    // and the next request builds it again.
    for (let round = 0; round < 1000; round++)
      for (let i = 0; i < 100; i++) {
        cache.invalidateParty(`p${i}`);
        cache.set(`t${i}`, {
          partyId: `p${i}`,
          body,
          etag: '"an-etag-of-27-characters.."',
          expiresAt: 1_000,
        });
      }
    expect(cache.size).toBe(100);
    // 100,000 bodies of 259 bytes were written; two generations of at most 320,000 bytes hold the last.
    expect(cache.bytes).toBeLessThanOrEqual(2 * 1000 * 320);
    expect(Buffer.from(cache.get('t7', 0)?.body ?? []).equals(body)).toBe(true);
  });

  it('answers as a cache of plain Maps with the same generations does (random sets, gets, expiries, invalidations)', () => {
    // The oracle: the same eviction rule over Maps — a generation turns over when it has held `size` keys,
    // or when its bodies and ETags written (those set again included) would pass 320 bytes a key.
    class MapCache {
      young = new Map<string, BadgeEntry | null>();
      old = new Map<string, BadgeEntry | null>();
      youngBytes = 0;
      constructor(readonly size: number) {}
      get(key: string, now: number): BadgeEntry | undefined {
        const inYoung = this.young.get(key);
        const e = inYoung ?? this.old.get(key) ?? undefined;
        if (!e || e.expiresAt <= now) {
          if (e) this.remove(key);
          return undefined;
        }
        if (!inYoung) {
          this.old.set(key, null);
          this.add(key, e);
        }
        return e;
      }
      set(key: string, e: BadgeEntry) {
        this.remove(key);
        this.add(key, e);
      }
      add(key: string, e: BadgeEntry) {
        const bytes = e.body.length + e.etag.length;
        if (
          (this.young.size >= this.size && !this.young.has(key)) ||
          (this.youngBytes > 0 && this.youngBytes + bytes > this.size * 320)
        ) {
          [this.old, this.young] = [this.young, new Map()];
          this.youngBytes = 0;
        }
        this.young.set(key, e);
        this.youngBytes += bytes;
      }
      remove(key: string) {
        for (const gen of [this.young, this.old]) if (gen.has(key)) gen.set(key, null);
      }
      invalidate(partyId: string) {
        for (const gen of [this.young, this.old])
          for (const [k, e] of gen) if (e?.partyId === partyId) gen.set(k, null);
      }
      count() {
        return [...this.young.values(), ...this.old.values()].filter(Boolean).length;
      }
    }
    const key = fc.integer({ min: 0, max: 11 });
    const op = fc.oneof(
      fc.record({
        op: fc.constant('set' as const),
        key,
        // Some bodies long enough for a generation to turn over by its bytes.
        body: fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 12 }),
          fc.string({ minLength: 100, maxLength: 700 }),
        ),
        etag: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
        expiresAt: fc.integer({ min: 0, max: 20 }),
      }),
      fc.record({ op: fc.constant('get' as const), key, now: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ op: fc.constant('invalidate' as const), party: fc.integer({ min: 0, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10 }), fc.array(op, { maxLength: 120 }), (max, ops) => {
        const cache = new BadgeCache(max);
        const oracle = new MapCache(Math.floor(max / 2));
        // A key's party never changes (a token is minted for one party).
        const partyOf = (k: number) => `p${k % 4}`;
        for (const o of ops) {
          if (o.op === 'set') {
            const e = {
              partyId: partyOf(o.key),
              body: Buffer.from(o.body),
              etag: o.etag,
              expiresAt: o.expiresAt,
            };
            cache.set(`k${o.key}`, e as BadgeEntry);
            oracle.set(`k${o.key}`, e as BadgeEntry);
          } else if (o.op === 'get') {
            const got = cache.get(`k${o.key}`, o.now);
            const want = oracle.get(`k${o.key}`, o.now);
            expect(plain(got)).toEqual(plain(want));
          } else {
            cache.invalidateParty(`p${o.party}`);
            oracle.invalidate(`p${o.party}`);
          }
          expect(cache.size).toBe(oracle.count());
        }
      }),
      { numRuns: 500 },
    );
  });
});
