import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadgeCache } from './badge-cache.js';
import { ShardedMap } from './sharded-map.js';

const token = () => `bdg_${randomBytes(24).toString('base64url')}`;

describe('ShardedMap', () => {
  it('answers get, set, delete and size as one Map does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.array(fc.tuple(fc.constantFrom('set', 'delete'), fc.string({ maxLength: 3 }), fc.integer()), {
          maxLength: 200,
        }),
        (expected, ops) => {
          const sharded = new ShardedMap<number>(expected);
          const oracle = new Map<string, number>();
          for (const [op, key, value] of ops) {
            if (op === 'set') {
              sharded.set(key, value);
              oracle.set(key, value);
            } else expect(sharded.delete(key)).toBe(oracle.delete(key));
            expect(sharded.size).toBe(oracle.size);
          }
          for (const [, key] of ops) {
            expect(sharded.get(key)).toBe(oracle.get(key));
          }
        },
      ),
    );
  });

  it('spreads the entries of a large map over shards of a few thousand, none much fuller than the rest', () => {
    const n = 125_000; // a generation of the default badge cache
    const map = new ShardedMap<number>(n);
    const keys = Array.from({ length: n }, token);
    for (const [i, k] of keys.entries()) map.set(`${k}${i % 2 ? '\u0000en' : ''}`, i);
    expect(map.shardCount).toBe(64);
    const sizes = new Set(keys.slice(0, 2000).map((k) => map.oldestIn(k).shardSize));
    expect(Math.max(...sizes)).toBeLessThan(2400); // 1,953 on average
    expect(Math.min(...sizes)).toBeGreaterThan(1500);
  });

  it('names the oldest key of a shard (insertion order), and a small map is one shard', () => {
    const map = new ShardedMap<number>(10);
    expect(map.shardCount).toBe(1);
    map.set('b', 1);
    map.set('a', 2);
    map.set('b', 3); // replacing keeps its place
    expect(map.oldestIn('a')).toEqual({ oldest: 'b', shardSize: 2 });
  });
});

describe('BadgeCache misses at scale', () => {
  it('keeps about maxMisses, the oldest of each shard going first', () => {
    const cache = new BadgeCache(10, { maxMisses: 100_000 });
    const tokens = Array.from({ length: 150_000 }, token);
    for (const t of tokens) cache.setMissed(t, 0);
    expect(cache.missedSize).toBeLessThanOrEqual(100_032); // 64 shards of 1,563
    expect(cache.missedSize).toBeGreaterThan(97_000);
    expect(tokens.slice(0, 1000).filter((t) => cache.isMissed(t, 1))).toEqual([]);
    expect(tokens.slice(-1000).every((t) => cache.isMissed(t, 1))).toBe(true);
  });
});
