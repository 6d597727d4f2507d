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
 * In-process cache of badge responses (least recently used out first), keyed by token + language,
 * invalidated per party on writes (locally and, on PostgreSQL, by LISTEN/NOTIFY from other processes).
 * About 0.5 KB an entry: the default 250,000 entries take about 125 MB.
 */
export class BadgeCache implements PartyInvalidator {
  readonly #entries = new Map<string, BadgeEntry>();
  readonly #byParty = new Map<string, string[]>();
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries = 250_000) {}

  get(key: string, now: number): BadgeEntry | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    if (e.expiresAt <= now) {
      this.#delete(key, e);
      this.misses++;
      return undefined;
    }
    // Re-insert so that Map order is recency order and the first key is the least recently used.
    this.#entries.delete(key);
    this.#entries.set(key, e);
    this.hits++;
    return e;
  }

  set(key: string, entry: BadgeEntry): void {
    const old = this.#entries.get(key);
    if (old) this.#delete(key, old);
    else if (this.#entries.size >= this.maxEntries) {
      const lru = this.#entries.keys().next().value as string;
      this.#delete(lru, this.#entries.get(lru) as BadgeEntry);
    }
    this.#entries.set(key, entry);
    const keys = this.#byParty.get(entry.partyId);
    if (keys) keys.push(key);
    else this.#byParty.set(entry.partyId, [key]);
  }

  invalidateParty(partyId: string): void {
    const keys = this.#byParty.get(partyId);
    if (!keys) return;
    for (const k of keys) this.#entries.delete(k);
    this.#byParty.delete(partyId);
  }

  clear(): void {
    this.#entries.clear();
    this.#byParty.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #delete(key: string, e: BadgeEntry): void {
    this.#entries.delete(key);
    const keys = this.#byParty.get(e.partyId);
    if (!keys) return;
    const rest = keys.filter((k) => k !== key);
    if (rest.length > 0) this.#byParty.set(e.partyId, rest);
    else this.#byParty.delete(e.partyId);
  }
}
