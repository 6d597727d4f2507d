import type { PartyInvalidator } from '../services/deps.js';
import type { BadgeIndex } from './badge-index.js';
import { ShardedMap } from './sharded-map.js';

export interface BadgeEntry {
  partyId: string;
  /** The UTF-8 JSON body, ready to send. */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  /** Epoch ms after which the entry must be recomputed (the classification's `until`, or the next day). */
  expiresAt: number;
}

/** A generation of the cache: its entries, and which keys were added to it for each party. */
interface Generation {
  entries: ShardedMap<BadgeEntry>;
  keysByParty: ShardedMap<string[]>;
}

const generation = (size: number): Generation => ({
  entries: new ShardedMap(size),
  keysByParty: new ShardedMap(size),
});

/**
 * In-process cache of badge responses, keyed by token + language, invalidated per party on writes (locally
 * and, on PostgreSQL, by LISTEN/NOTIFY from other processes). Eviction is least-recently-used by
 * generations: entries live in a young and an old generation of up to `maxEntries / 2` each; a hit in the
 * young one changes nothing (the hot path), a hit in the old one moves the entry to the young one, and when
 * the young one is full the old one is dropped whole. Each generation indexes its own keys by party, so
 * dropping one is a constant-time swap, not a walk over its entries while requests wait. An index may
 * name a key that has since left its generation (moved to the young one, expired, or invalidated):
 * invalidating its party removes the key wherever it is now, which is what invalidation must do anyway.
 * About 0.5 KB an entry: 250,000 entries take about 125 MB. Every map here is a `ShardedMap`: a single
 * Map of a generation's 125,000 entries stopped every request for tens of milliseconds each time it grew.
 *
 * It also remembers misses (tokens that found no badge) for `missTtlMs` (default 30 s), so a token asked
 * for again and again costs no query. Any invalidation forgets every miss (the party of a token that is
 * not found is unknown), and so does the minting of a token (`forgetMiss`). About `maxMisses` are kept
 * (default 100,000, about 100 bytes each): as many in each shard of the map, the oldest of a shard going
 * first.
 */
export class BadgeCache implements PartyInvalidator {
  readonly #generationSize: number;
  #young: Generation;
  #old: Generation;
  hits = 0;
  misses = 0;
  /** Bumped by every invalidation: an entry built from a read that began before it is not kept. */
  epoch = 0;
  /** While invalidations cannot arrive (the PostgreSQL listener is down), nothing is served nor kept. */
  #suspended = false;
  /** Token → when its remembered miss expires (epoch ms), oldest first. */
  #missed: ShardedMap<number>;
  readonly #missTtlMs: number;
  readonly #maxMisses: number;
  /** Misses kept per shard of `#missed` (the oldest of a shard goes first). */
  readonly #missesPerShard: number;
  /** The index of every token's badge data, kept current by the same invalidations (null: none). */
  index: BadgeIndex | null = null;
  /** Called after `resume` (the index is reloaded then: what changed while suspended is unknown). */
  onResume: (() => void) | null = null;

  constructor(
    readonly maxEntries = 250_000,
    opts: { missTtlMs?: number | undefined; maxMisses?: number | undefined } = {},
  ) {
    this.#generationSize = Math.max(1, Math.floor(maxEntries / 2));
    this.#young = generation(this.#generationSize);
    this.#old = generation(this.#generationSize);
    this.#missTtlMs = opts.missTtlMs ?? 30_000;
    this.#maxMisses = Math.max(1, opts.maxMisses ?? 100_000);
    this.#missed = new ShardedMap(this.#maxMisses);
    this.#missesPerShard = Math.ceil(this.#maxMisses / this.#missed.shardCount);
  }

  /** Whether `token` was looked up and not found less than `missTtlMs` ago (and nothing changed since). */
  isMissed(token: string, now: number): boolean {
    const until = this.#missed.get(token);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#missed.delete(token);
    return false;
  }

  /** Remembers that `token` found no badge, unless an invalidation happened since `builtAt`. */
  setMissed(token: string, now: number, builtAt = this.epoch): void {
    if (builtAt !== this.epoch || this.#suspended || this.#missTtlMs <= 0) return;
    this.#missed.delete(token);
    const { oldest, shardSize } = this.#missed.oldestIn(token);
    if (shardSize >= this.#missesPerShard && oldest !== undefined) this.#missed.delete(oldest);
    this.#missed.set(token, now + this.#missTtlMs);
  }

  /** `token` was just minted: forget its miss, and keep no miss of it from a lookup already under way. */
  forgetMiss(token: string): void {
    this.epoch++;
    this.#missed.delete(token);
  }

  /** How many misses are remembered (expired ones included until they are asked for or pushed out). */
  get missedSize(): number {
    return this.#missed.size;
  }

  get(key: string, now: number): BadgeEntry | undefined {
    if (this.#suspended) {
      this.misses++;
      return undefined;
    }
    const young = this.#young.entries.get(key);
    const e = young ?? this.#old.entries.get(key);
    if (e === undefined || e.expiresAt <= now) {
      if (e !== undefined) this.#remove(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (young !== undefined) return e;
    // A hit in the older generation moves the entry to the young one, with a copy of its body: bodies
    // share Node's 8 KB buffer slabs, and a copy made now shares one with the young generation's bodies,
    // so an old slab is not kept alive by the one entry of it that is still asked for.
    this.#old.entries.delete(key);
    const moved = { ...e, body: Buffer.from(e.body) };
    this.#addYoung(key, moved);
    return moved;
  }

  /** Keeps `entry` unless an invalidation happened since `builtAt` (the `epoch` read before the lookup). */
  set(key: string, entry: BadgeEntry, builtAt = this.epoch): void {
    if (builtAt !== this.epoch || this.#suspended) return;
    this.#remove(key);
    this.#addYoung(key, entry);
  }

  invalidateParty(partyId: string): void {
    this.epoch++;
    this.index?.invalidateParty(partyId);
    if (this.#missed.size > 0) this.#missed = new ShardedMap(this.#maxMisses);
    for (const gen of [this.#young, this.#old]) {
      for (const k of gen.keysByParty.get(partyId) ?? []) this.#remove(k);
      gen.keysByParty.delete(partyId);
    }
  }

  clear(): void {
    this.epoch++;
    this.#missed = new ShardedMap(this.#maxMisses);
    this.#young = generation(this.#generationSize);
    this.#old = generation(this.#generationSize);
  }

  /** Drops everything and serves nothing until `resume` (invalidations from elsewhere may be missed). */
  suspend(): void {
    this.#suspended = true;
    this.index?.suspend();
    this.clear();
  }

  /** Serves again, from empty (what changed while suspended is unknown). */
  resume(): void {
    this.clear();
    this.#suspended = false;
    this.index?.resume();
    this.onResume?.();
  }

  get size(): number {
    return this.#young.entries.size + this.#old.entries.size;
  }

  #addYoung(key: string, e: BadgeEntry): void {
    if (this.#young.entries.size >= this.#generationSize) {
      this.#old = this.#young;
      this.#young = generation(this.#generationSize);
    }
    this.#young.entries.set(key, e);
    const keys = this.#young.keysByParty.get(e.partyId);
    if (!keys) this.#young.keysByParty.set(e.partyId, [key]);
    else if (!keys.includes(key)) keys.push(key);
  }

  #remove(key: string): void {
    this.#young.entries.delete(key);
    this.#old.entries.delete(key);
  }
}
