import type { PartyInvalidator } from '../services/deps.js';
import type { BadgeIndex } from './badge-index.js';
import { ShardedMap } from './sharded-map.js';
import { StringArena } from './string-arena.js';

export interface BadgeEntry {
  partyId: string;
  /** The UTF-8 JSON body, ready to send. */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  /** Epoch ms after which the entry must be recomputed (the classification's `until`, or the next day). */
  expiresAt: number;
}

/** Bodies and ETags are kept in slabs of this many bytes (an entry larger than one gets a slab of its own). */
const SLAB_BYTES = 1 << 20;
/**
 * The bytes of bodies and ETags a generation may write an entry on average (a badge's body and ETag take
 * about 250, a little more with a long public URL): room for entries to be built again before the
 * generation counts as full, and 250,000 entries stay within about 110 MB.
 */
const BYTES_PER_ENTRY = 320;

/**
 * A generation of the cache, packed so that the garbage collector sees a few dozen objects however many
 * entries it holds: keys and party ids in string arenas, each entry's fields in typed arrays, bodies and
 * ETags (ASCII, as HTTP has them) in 1 MB slabs. As a Map of entry objects, 250,000 entries were some
 * 1.75 million small objects (key, entry, party id, body view, ETag, the party's key list), and each full
 * collection marked them all: 224 ms for a forced one, against 15 ms without them.
 *
 * An entry's code is its key's code in `keys`. A removed entry is only marked dead; setting its key again
 * takes the code back. Each party's entries are chained (`#firstOf`, `#nextOf`, code + 1 with 0 ending the
 * chain) so that invalidating a party finds them. A key's party never changes (a badge token is minted for
 * one party), so an entry stays in the chain it joined. Nothing is freed until the generation is dropped
 * whole; the bytes of a body are never written over, so a body handed out stays valid after that.
 */
class Generation {
  readonly #keys: StringArena;
  readonly #parties: StringArena;
  #partyOf: Int32Array;
  #nextOf: Int32Array;
  #firstOf: Int32Array;
  #expiresAt: Float64Array;
  #alive: Uint8Array;
  #slab: Uint16Array;
  #start: Int32Array;
  #bodyLength: Int32Array;
  #etagLength: Uint16Array;
  readonly #slabs: Buffer[] = [];
  /** Bytes used of the last slab. */
  #used = SLAB_BYTES;
  /** Bytes of bodies and ETags written, those of entries set again or removed included. */
  bytes = 0;
  /** Live entries. */
  size = 0;

  /**
   * Sized for `capacity` keys, the most it is given (the cache turns a generation over at that many, dead
   * keys included): nothing grows while it fills, which in a request's turn would copy and rehash
   * everything held so far. The arrays are allocated zeroed and untouched, so what the operating system
   * has not been written to costs no memory.
   */
  constructor(capacity: number) {
    const n = Math.max(1, capacity);
    this.#keys = new StringArena(n, 48); // a token (44 characters), and the language's suffix for some
    this.#parties = new StringArena(n, 28);
    this.#partyOf = new Int32Array(n);
    this.#nextOf = new Int32Array(n);
    this.#firstOf = new Int32Array(n);
    this.#expiresAt = new Float64Array(n);
    this.#alive = new Uint8Array(n);
    this.#slab = new Uint16Array(n);
    this.#start = new Int32Array(n);
    this.#bodyLength = new Int32Array(n);
    this.#etagLength = new Uint16Array(n);
  }

  /** Keys ever set here, dead ones included: what the generation holds room for. */
  get keyCount(): number {
    return this.#keys.size;
  }

  /** Whether `key` was ever set here (alive or not). */
  holds(key: string): boolean {
    return this.#keys.find(key) >= 0;
  }

  /** The code of `key`'s live entry, or -1. */
  find(key: string): number {
    const c = this.#keys.find(key);
    return c >= 0 && this.#alive[c] === 1 ? c : -1;
  }

  expiresAt(c: number): number {
    return this.#expiresAt[c] as number;
  }

  /** Entry `c` (a new object, its body a view of the slab). */
  entry(c: number): BadgeEntry {
    const slab = this.#slabs[this.#slab[c] as number] as Buffer;
    const start = this.#start[c] as number;
    const length = this.#bodyLength[c] as number;
    const end = start + length;
    return {
      partyId: this.#parties.get(this.#partyOf[c] as number),
      body: new Uint8Array(slab.buffer as ArrayBuffer, slab.byteOffset + start, length),
      etag: slab.toString('latin1', end, end + (this.#etagLength[c] as number)),
      expiresAt: this.#expiresAt[c] as number,
    };
  }

  /** Keeps a copy of `e` under `key`. */
  set(key: string, e: BadgeEntry): void {
    const known = this.#keys.size;
    const c = this.#keys.intern(key);
    if (c === known) {
      const p = this.#parties.intern(e.partyId);
      this.#partyOf[c] = p;
      this.#nextOf[c] = this.#firstOf[p] as number;
      this.#firstOf[p] = c + 1;
    }
    const size = e.body.length + e.etag.length;
    if (this.#used + size > SLAB_BYTES || this.#slabs.length === 0) {
      this.#slabs.push(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, size)));
      this.#used = 0;
    }
    const slab = this.#slabs[this.#slabs.length - 1] as Buffer;
    const start = this.#used;
    slab.set(e.body, start);
    slab.write(e.etag, start + e.body.length, 'latin1');
    this.#used += size;
    this.bytes += size;
    this.#slab[c] = this.#slabs.length - 1;
    this.#start[c] = start;
    this.#bodyLength[c] = e.body.length;
    this.#etagLength[c] = e.etag.length;
    this.#expiresAt[c] = e.expiresAt;
    if (this.#alive[c] === 0) {
      this.#alive[c] = 1;
      this.size++;
    }
  }

  remove(key: string): void {
    this.removeAt(this.#keys.find(key));
  }

  removeParty(partyId: string): void {
    const p = this.#parties.find(partyId);
    if (p < 0) return;
    for (let c = (this.#firstOf[p] as number) - 1; c >= 0; c = (this.#nextOf[c] as number) - 1)
      this.removeAt(c);
  }

  /** Marks entry `c` dead (nothing when `c` is -1 or already dead). */
  removeAt(c: number): void {
    if (c < 0 || this.#alive[c] === 0) return;
    this.#alive[c] = 0;
    this.size--;
  }
}

/**
 * In-process cache of badge responses, keyed by token + language, invalidated per party on writes (locally
 * and, on PostgreSQL, by LISTEN/NOTIFY from other processes). Eviction is least-recently-used by
 * generations: entries live in a young and an old generation of up to `maxEntries / 2` each; a hit in the
 * young one changes nothing (the hot path), a hit in the old one moves the entry to the young one, and when
 * the young one is full the old one is dropped whole (a constant-time swap, not a walk over its entries
 * while requests wait). Full means `maxEntries / 2` keys, or bodies written taking `BYTES_PER_ENTRY` an
 * entry on average: an entry built again (after a write to its party, at midnight) takes new bytes, the
 * old ones are freed only with their generation, so a few tokens asked for all day would otherwise fill
 * memory without ever filling the generation with keys. A generation is packed (see `Generation`): a
 * few dozen objects for the garbage collector however many entries it holds; docs/operations.md gives
 * the bytes an entry takes.
 *
 * It also remembers misses (tokens that found no badge) for `missTtlMs` (default 30 s), so a token asked
 * for again and again costs no query. Any invalidation forgets every miss (the party of a token that is
 * not found is unknown), and so does the minting of a token (`forgetMiss`). About `maxMisses` are kept
 * (default 100,000, about 100 bytes each): as many in each shard of the map, the oldest of a shard going
 * first.
 */
export class BadgeCache implements PartyInvalidator {
  readonly #generationSize: number;
  /** Bytes of bodies and ETags a generation may write before it counts as full. */
  readonly #generationBytes: number;
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
    this.#generationBytes = this.#generationSize * BYTES_PER_ENTRY;
    this.#young = new Generation(this.#generationSize);
    this.#old = new Generation(this.#generationSize);
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
    let gen = this.#young;
    let c = gen.find(key);
    if (c < 0) {
      gen = this.#old;
      c = gen.find(key);
    }
    if (c < 0 || gen.expiresAt(c) <= now) {
      gen.removeAt(c);
      this.misses++;
      return undefined;
    }
    this.hits++;
    const e = gen.entry(c);
    if (gen === this.#young) return e;
    // A hit in the older generation moves the entry to the young one (a copy of its bytes): the old one
    // is dropped whole when the young one fills.
    gen.removeAt(c);
    this.#addYoung(key, e);
    return e;
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
    this.#young.removeParty(partyId);
    this.#old.removeParty(partyId);
  }

  clear(): void {
    this.epoch++;
    this.#missed = new ShardedMap(this.#maxMisses);
    this.#young = new Generation(this.#generationSize);
    this.#old = new Generation(this.#generationSize);
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
    return this.#young.size + this.#old.size;
  }

  /** Bytes of bodies and ETags the two generations hold, those of dead entries included. */
  get bytes(): number {
    return this.#young.bytes + this.#old.bytes;
  }

  #addYoung(key: string, e: BadgeEntry): void {
    const young = this.#young;
    // Dead keys count too: they hold room in the generation until it is dropped; and so do their bytes.
    const full =
      (young.keyCount >= this.#generationSize && !young.holds(key)) ||
      (young.bytes > 0 && young.bytes + e.body.length + e.etag.length > this.#generationBytes);
    if (full) {
      this.#old = this.#young;
      this.#young = new Generation(this.#generationSize);
    }
    this.#young.set(key, e);
  }

  #remove(key: string): void {
    this.#young.remove(key);
    this.#old.remove(key);
  }
}
