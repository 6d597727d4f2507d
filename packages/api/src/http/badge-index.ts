import { createHash } from 'node:crypto';
import { type Color, toCstDate } from '@fivecolor/core';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { badgeTokens, objections, parties, partyState } from '../db/schema.js';
import type { Deps } from '../services/deps.js';

/** What a badge needs of a token's party (the same as the badge route's database lookup returns). */
export interface IndexedBadge {
  partyId: string;
  kind: 'person' | 'org';
  nameMasked: string;
  color: Color;
  since: string | null;
  until: string | null;
  policyId: string;
  objection: boolean;
}

/** A token found in the index: its party's slot and that party's version when it was read. */
export interface IndexHit {
  party: number;
  version: number;
  /** The party's badge data, or null when the index may be behind the database for it (ask the database). */
  badge: IndexedBadge | null;
}

const COLORS: readonly Color[] = ['green', 'red', 'yellow', 'blue', 'gold'];
const colorCode = new Map(COLORS.map((c, i) => [c, i]));

function grow<T extends Uint8Array | Int32Array | Uint32Array>(a: T, size: number): T {
  if (size <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(size, a.length * 2));
  b.set(a);
  return b;
}

/** The first 128 bits of a sha256 (32 bytes, or 64 hex digits) as four 32-bit words. */
function hexWords(hex: string, out: Uint32Array): void {
  for (let i = 0; i < 4; i++) out[i] = Number.parseInt(hex.slice(8 * i, 8 * i + 8), 16) >>> 0;
}

/**
 * A compact in-process index of badge tokens and their parties' badge data, so that a badge the response
 * cache does not hold is built without a database round trip. Tokens are kept as the first 128 bits of
 * their sha256 in an open-addressing table of typed arrays; parties in parallel arrays (color, dates and
 * policy as small codes, the masked name as a string). About 150 bytes a token with its party (see
 * docs/operations.md).
 *
 * It never answers for a party that may have changed: `invalidateParty` (every local write and, on
 * PostgreSQL, every NOTIFY from other processes — the same calls that drop cached responses) marks the
 * party stale and bumps its version; a stale party's tokens go to the database, and what the database
 * says is put back (`put`) only if no invalidation of the party happened meanwhile. A token the index does
 * not know (issued in another process, or over `maxTokens`) goes to the database too. A revoked token is
 * dropped when the database says so (its revocation made the party stale first).
 */
export class BadgeIndex {
  // Tokens: entry t has key words keys[4t..4t+3] and party tokParty[t] (-1: dropped).
  #keys = new Uint32Array(4 * 1024);
  #tokParty = new Int32Array(1024);
  #tokens = 0;
  #dropped = 0;
  /** Open addressing, linear probing: entry + 1, 0 = empty; at most half full. */
  #slots = new Int32Array(2048);
  // Parties.
  #ids: string[] = [];
  #byId = new Map<string, number>();
  #names: string[] = [];
  #kind = new Uint8Array(1024);
  #color = new Uint8Array(1024);
  /** since, until, policy id: codes into #strings (0 = null). */
  #since = new Int32Array(1024);
  #until = new Int32Array(1024);
  #policy = new Int32Array(1024);
  #objection = new Uint8Array(1024);
  #fresh = new Uint8Array(1024);
  #version = new Uint32Array(1024);
  /** The CST day a party's data was read (a code into #strings): it is trusted that day only. */
  #readDay = new Int32Array(1024);
  #loadDay = 0;
  #lastLoadDay = '';
  #today = '';
  #todayCode = -1;
  /** Called (once a day) when the index is asked on a day after its last load began: reload it then. */
  onNewDay: (() => void) | null = null;
  #strings: (string | null)[] = [null];
  #stringCode = new Map<string, number>();
  /** Bumped by every invalidation (for tokens and parties the index does not hold yet). */
  epoch = 0;
  #suspended = false;
  /** While a load runs: party id → the epoch of its latest invalidation. */
  #invalidatedDuringLoad: Map<string, number> | null = null;
  #word = new Uint32Array(4);
  loaded = false;

  constructor(readonly maxTokens = 2_000_000) {}

  /** Tokens held (dropped ones excluded). */
  get size(): number {
    return this.#tokens - this.#dropped;
  }

  get parties(): number {
    return this.#ids.length;
  }

  /** The token's entry, or undefined when the index does not know it (or is suspended). */
  find(token: string, today: string, policyId: string): IndexHit | undefined {
    if (this.#suspended) return undefined;
    if (today !== this.#today) {
      this.#today = today;
      this.#todayCode = this.#stringCode.get(today) ?? -1;
      if (this.#lastLoadDay !== '' && today > this.#lastLoadDay) this.onNewDay?.();
    }
    const d = createHash('sha256').update(token).digest();
    const w = this.#word;
    w[0] = d.readUInt32BE(0);
    w[1] = d.readUInt32BE(4);
    w[2] = d.readUInt32BE(8);
    w[3] = d.readUInt32BE(12);
    const t = this.#findWords(w);
    if (t < 0) return undefined;
    const p = this.#tokParty[t] as number;
    if (p < 0) return undefined;
    const version = this.#version[p] as number;
    // Like a cached response, what was read is good until the next CST midnight: a write path that
    // forgot to invalidate cannot keep a badge stale for longer than that.
    if (!this.#fresh[p] || this.#readDay[p] !== this.#todayCode) return { party: p, version, badge: null };
    const until = this.#strings[this.#until[p] as number] ?? null;
    const policy = this.#strings[this.#policy[p] as number] as string;
    // Time alone can change a color (past `until`), and so can another policy: the database recomputes.
    if ((until !== null && until <= today) || policy !== policyId) return { party: p, version, badge: null };
    return {
      party: p,
      version,
      badge: {
        partyId: this.#ids[p] as string,
        kind: this.#kind[p] === 1 ? 'org' : 'person',
        nameMasked: this.#names[p] as string,
        color: COLORS[this.#color[p] as number] as Color,
        since: this.#strings[this.#since[p] as number] ?? null,
        until,
        policyId: policy,
        objection: this.#objection[p] === 1,
      },
    };
  }

  /**
   * What the database said for a token (hash in hex) looked up when the index stood at `seen` (the hit's
   * party version, or the index's `epoch` for a token it did not hold): kept unless the party was
   * invalidated since; `day` is the CST day the lookup began. `row` null: the token is unknown or revoked,
   * and is dropped.
   */
  put(
    tokenHash: string,
    row: IndexedBadge | null,
    seen: { party: number; version: number } | number,
    day: string,
  ): void {
    if (this.#suspended) return;
    if (typeof seen === 'number' ? seen !== this.epoch : this.#version[seen.party] !== seen.version) return;
    hexWords(tokenHash, this.#word);
    const t = this.#findWords(this.#word);
    if (!row) {
      if (t >= 0 && (this.#tokParty[t] as number) >= 0) {
        this.#tokParty[t] = -1;
        this.#dropped++;
      }
      return;
    }
    const p = this.#setParty(row, true, this.#dayCode(day));
    if (t >= 0) {
      if (this.#tokParty[t] === -1) this.#dropped--;
      this.#tokParty[t] = p;
    } else if (this.#tokens < this.maxTokens) this.#addToken(this.#word, p);
  }

  /** Adds one loaded row (token hash in hex); `since` is the epoch the load began at. */
  load(tokenHash: string, row: IndexedBadge, since: number): boolean {
    if (this.#tokens >= this.maxTokens) return false;
    const changed = this.#invalidatedDuringLoad?.get(row.partyId);
    const p = this.#setParty(row, changed === undefined || changed <= since, this.#loadDay);
    hexWords(tokenHash, this.#word);
    const t = this.#findWords(this.#word);
    if (t < 0) this.#addToken(this.#word, p);
    else if (this.#tokParty[t] !== p && (this.#tokParty[t] as number) >= 0) this.#tokParty[t] = p;
    return true;
  }

  /**
   * A load begins on the CST day `day`: returns its starting epoch; invalidations from now on are
   * remembered for it.
   */
  beginLoad(day: string): number {
    this.#invalidatedDuringLoad = new Map();
    this.#loadDay = this.#dayCode(day);
    if (day > this.#lastLoadDay) this.#lastLoadDay = day;
    return this.epoch;
  }

  endLoad(): void {
    this.#invalidatedDuringLoad = null;
    this.loaded = true;
  }

  /** A load stopped half-way: what it put in stays (it was checked against invalidations). */
  abortLoad(): void {
    this.#invalidatedDuringLoad = null;
  }

  invalidateParty(partyId: string): void {
    this.epoch++;
    this.#invalidatedDuringLoad?.set(partyId, this.epoch);
    const p = this.#byId.get(partyId);
    if (p === undefined) return;
    this.#fresh[p] = 0;
    this.#version[p] = ((this.#version[p] as number) + 1) >>> 0;
  }

  /** Nothing is answered (invalidations may be missed) until `resume`. */
  suspend(): void {
    this.#suspended = true;
    this.epoch++;
  }

  /** Answers again, every party stale until the database (or a reload) says otherwise. */
  resume(): void {
    this.epoch++;
    this.#fresh.fill(0);
    for (let p = 0; p < this.#ids.length; p++) this.#version[p] = ((this.#version[p] as number) + 1) >>> 0;
    this.#suspended = false;
  }

  #dayCode(day: string): number {
    const c = this.#code(day);
    if (day === this.#today) this.#todayCode = c;
    return c;
  }

  #code(s: string | null): number {
    if (s === null) return 0;
    let c = this.#stringCode.get(s);
    if (c === undefined) {
      c = this.#strings.length;
      this.#strings.push(s);
      this.#stringCode.set(s, c);
    }
    return c;
  }

  #setParty(row: IndexedBadge, fresh: boolean, day: number): number {
    let p = this.#byId.get(row.partyId);
    if (p === undefined) {
      p = this.#ids.length;
      this.#ids.push(row.partyId);
      this.#byId.set(row.partyId, p);
      const n = p + 1;
      this.#kind = grow(this.#kind, n);
      this.#color = grow(this.#color, n);
      this.#since = grow(this.#since, n);
      this.#until = grow(this.#until, n);
      this.#policy = grow(this.#policy, n);
      this.#objection = grow(this.#objection, n);
      this.#fresh = grow(this.#fresh, n);
      this.#version = grow(this.#version, n);
      this.#readDay = grow(this.#readDay, n);
    }
    this.#readDay[p] = day;
    this.#names[p] = row.nameMasked;
    this.#kind[p] = row.kind === 'org' ? 1 : 0;
    this.#color[p] = colorCode.get(row.color) ?? 0;
    this.#since[p] = this.#code(row.since);
    this.#until[p] = this.#code(row.until);
    this.#policy[p] = this.#code(row.policyId);
    this.#objection[p] = row.objection ? 1 : 0;
    this.#fresh[p] = fresh ? 1 : 0;
    return p;
  }

  #findWords(w: Uint32Array): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const keys = this.#keys;
    for (let i = (w[0] as number) & mask; ; i = (i + 1) & mask) {
      const e = (slots[i] as number) - 1;
      if (e < 0) return -1;
      const k = 4 * e;
      if (keys[k] === w[0] && keys[k + 1] === w[1] && keys[k + 2] === w[2] && keys[k + 3] === w[3]) return e;
    }
  }

  #addToken(w: Uint32Array, p: number): void {
    const t = this.#tokens++;
    this.#keys = grow(this.#keys, 4 * (t + 1));
    this.#tokParty = grow(this.#tokParty, t + 1);
    this.#keys.set(w, 4 * t);
    this.#tokParty[t] = p;
    if (2 * this.#tokens > this.#slots.length) this.#rehash(this.#slots.length * 2);
    else this.#place(t);
  }

  #place(t: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = (this.#keys[4 * t] as number) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = t + 1;
  }

  #rehash(size: number): void {
    this.#slots = new Int32Array(size);
    for (let t = 0; t < this.#tokens; t++) this.#place(t);
  }
}

/**
 * Fills `index` with every unrevoked token (up to its `maxTokens`), `pageSize` at a time in token-hash
 * order, yielding to the event loop between pages. Resolves with whether it read everything (false when
 * `stopped()` said to stop); `onPage` is called after each page.
 */
export async function loadBadgeIndex(
  deps: Deps,
  index: BadgeIndex,
  opts: { pageSize?: number; stopped?: () => boolean; onPage?: () => void } = {},
): Promise<boolean> {
  const pageSize = opts.pageSize ?? 10_000;
  const { db } = deps.db;
  const since = index.beginLoad(toCstDate(deps.now()));
  let done = false;
  try {
    // Read first: an objection filed after it invalidates its party after `since`, so it is not missed.
    const open = new Set(
      (
        await db
          .selectDistinct({ partyId: objections.partyId })
          .from(objections)
          .where(eq(objections.status, 'open'))
      ).map((r) => r.partyId),
    );
    let after = '';
    while (!opts.stopped?.()) {
      const rows = await db
        .select({
          tokenHash: badgeTokens.tokenHash,
          partyId: parties.id,
          kind: parties.kind,
          nameMasked: parties.nameMasked,
          color: partyState.color,
          since: partyState.since,
          until: partyState.until,
          policyId: partyState.policyId,
        })
        .from(badgeTokens)
        .innerJoin(parties, eq(parties.id, badgeTokens.partyId))
        .innerJoin(partyState, eq(partyState.partyId, badgeTokens.partyId))
        .where(and(gt(badgeTokens.tokenHash, after), isNull(badgeTokens.revokedAt)))
        .orderBy(badgeTokens.tokenHash)
        .limit(pageSize);
      let full = false;
      for (const r of rows) {
        if (!index.load(r.tokenHash, { ...r, objection: open.has(r.partyId) }, since)) {
          full = true;
          break;
        }
      }
      opts.onPage?.();
      if (full || rows.length < pageSize) {
        done = true;
        index.endLoad();
        return true;
      }
      after = (rows[rows.length - 1] as { tokenHash: string }).tokenHash;
      await new Promise((r) => setImmediate(r));
    }
    return false;
  } finally {
    if (!done) index.abortLoad();
  }
}
