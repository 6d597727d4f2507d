import type { PartyInvalidator } from '../services/deps.js';

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
  entries: Map<string, BadgeEntry>;
  keysByParty: Map<string, string[]>;
}

const generation = (): Generation => ({ entries: new Map(), keysByParty: new Map() });

/**
 * In-process cache of badge responses, keyed by token + language, invalidated per party on writes (locally
 * and, on PostgreSQL, by LISTEN/NOTIFY from other processes). Eviction is least-recently-used by
 * generations: entries live in a young and an old generation of up to `maxEntries / 2` each; a hit in the
 * young one changes nothing (the hot path), a hit in the old one moves the entry to the young one, and when
 * the young one is full the old one is dropped whole. Each generation indexes its own keys by party, so
 * dropping one is a constant-time swap, not a walk over its entries while requests wait. An index may
 * name a key that has since left its generation (moved to the young one, expired, or invalidated):
 * invalidating its party removes the key wherever it is now, which is what invalidation must do anyway.
 * About 0.5 KB an entry: 250,000 entries take about 125 MB.
 */
export class BadgeCache implements PartyInvalidator {
  #young = generation();
  #old = generation();
  readonly #generationSize: number;
  hits = 0;
  misses = 0;
  /** Bumped by every invalidation: an entry built from a read that began before it is not kept. */
  epoch = 0;
  /** While invalidations cannot arrive (the PostgreSQL listener is down), nothing is served nor kept. */
  #suspended = false;

  constructor(readonly maxEntries = 250_000) {
    this.#generationSize = Math.max(1, Math.floor(maxEntries / 2));
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
    if (young === undefined) {
      this.#old.entries.delete(key); // a hit in the older generation moves the entry to the young one
      this.#addYoung(key, e);
    }
    this.hits++;
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
    for (const gen of [this.#young, this.#old]) {
      for (const k of gen.keysByParty.get(partyId) ?? []) this.#remove(k);
      gen.keysByParty.delete(partyId);
    }
  }

  clear(): void {
    this.epoch++;
    this.#young = generation();
    this.#old = generation();
  }

  /** Drops everything and serves nothing until `resume` (invalidations from elsewhere may be missed). */
  suspend(): void {
    this.#suspended = true;
    this.clear();
  }

  /** Serves again, from empty (what changed while suspended is unknown). */
  resume(): void {
    this.clear();
    this.#suspended = false;
  }

  get size(): number {
    return this.#young.entries.size + this.#old.entries.size;
  }

  #addYoung(key: string, e: BadgeEntry): void {
    if (this.#young.entries.size >= this.#generationSize) {
      this.#old = this.#young;
      this.#young = generation();
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
