import type { PartyInvalidator } from '../deps.js';

export interface BadgeEntry {
  partyId: string;
  /** The UTF-8 JSON body, ready to send. */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  /** Epoch ms after which the entry must be recomputed (the classification's `until`, or the next day). */
  expiresAt: number;
}

/**
 * In-process cache of badge responses, keyed by token + language, invalidated per party on writes (locally
 * and, on PostgreSQL, by LISTEN/NOTIFY from other processes). Eviction is least-recently-used by
 * generations: entries live in a young and an old map of up to `maxEntries / 2` each; a hit in the young
 * map changes nothing (the hot path), a hit in the old map moves the entry to the young one, and when the
 * young map is full the old one is dropped. About 0.5 KB an entry: 250,000 entries take about 125 MB.
 */
export class BadgeCache implements PartyInvalidator {
  #young = new Map<string, BadgeEntry>();
  #old = new Map<string, BadgeEntry>();
  readonly #byParty = new Map<string, string[]>();
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
    const young = this.#young.get(key);
    const e = young ?? this.#old.get(key);
    if (e === undefined || e.expiresAt <= now) {
      if (e !== undefined) this.#remove(key);
      this.misses++;
      return undefined;
    }
    if (young === undefined) {
      this.#old.delete(key); // a hit in the older generation moves the entry to the young one
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
    const keys = this.#byParty.get(entry.partyId);
    if (keys) keys.push(key);
    else this.#byParty.set(entry.partyId, [key]);
  }

  invalidateParty(partyId: string): void {
    this.epoch++;
    const keys = this.#byParty.get(partyId);
    if (!keys) return;
    for (const k of keys) {
      this.#young.delete(k);
      this.#old.delete(k);
    }
    this.#byParty.delete(partyId);
  }

  clear(): void {
    this.epoch++;
    this.#young.clear();
    this.#old.clear();
    this.#byParty.clear();
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
    return this.#young.size + this.#old.size;
  }

  #addYoung(key: string, e: BadgeEntry): void {
    if (this.#young.size >= this.#generationSize) {
      for (const [k, dropped] of this.#old) this.#unindex(k, dropped.partyId);
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, e);
  }

  #remove(key: string): void {
    const e = this.#young.get(key) ?? this.#old.get(key);
    if (!e) return;
    this.#young.delete(key);
    this.#old.delete(key);
    this.#unindex(key, e.partyId);
  }

  #unindex(key: string, partyId: string): void {
    const keys = this.#byParty.get(partyId);
    if (!keys) return;
    const rest = keys.filter((k) => k !== key);
    if (rest.length > 0) this.#byParty.set(partyId, rest);
    else this.#byParty.delete(partyId);
  }
}
