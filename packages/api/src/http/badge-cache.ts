import type { PartyInvalidator } from '../deps.js';

export interface BadgeEntry {
  partyId: string;
  body: string;
  etag: string;
  /** Epoch ms after which the entry must be recomputed (the classification's `until`, or the next day). */
  expiresAt: number;
}

/**
 * In-process cache of badge responses, keyed by token hash + language, invalidated per party on
 * writes (locally and, on PostgreSQL, by LISTEN/NOTIFY from other processes).
 */
export class BadgeCache implements PartyInvalidator {
  readonly #entries = new Map<string, BadgeEntry>();
  readonly #byParty = new Map<string, Set<string>>();

  constructor(readonly maxEntries = 100_000) {}

  get(key: string, now: number): BadgeEntry | undefined {
    const e = this.#entries.get(key);
    if (e && e.expiresAt <= now) {
      this.#delete(key, e);
      return undefined;
    }
    return e;
  }

  set(key: string, entry: BadgeEntry): void {
    if (this.#entries.size >= this.maxEntries) this.clear();
    this.#entries.set(key, entry);
    const keys = this.#byParty.get(entry.partyId) ?? new Set<string>();
    keys.add(key);
    this.#byParty.set(entry.partyId, keys);
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
    this.#byParty.get(e.partyId)?.delete(key);
  }
}
