import { describe, expect, it } from 'vitest';
import { BadgeCache, type BadgeEntry } from './badge-cache.js';

const entry = (partyId: string, expiresAt = 1_000): BadgeEntry => ({
  partyId,
  body: new TextEncoder().encode('{}') as Uint8Array<ArrayBuffer>,
  etag: '"x"',
  expiresAt,
});

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
    expect(cache.get('a', 0)).toBe(moved); // now a hit in the young generation: nothing copied
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
});
