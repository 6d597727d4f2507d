import { createHash } from 'node:crypto';
import { type Color, toCstDate } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/rows.js';
import type { Deps } from '../services/deps.js';
import { fiveYearsBefore, shownObjection } from '../services/retention.js';
import { today } from '../state/party-state.js';
import { grow, StringArena } from './string-arena.js';

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

/** The first 128 bits of a sha256 (32 bytes, or 64 hex digits) as four 32-bit words. */
function hexWords(hex: string, out: Uint32Array): void {
  for (let i = 0; i < 4; i++) out[i] = Number.parseInt(hex.slice(8 * i, 8 * i + 8), 16) >>> 0;
}

/**
 * A compact in-process index of badge tokens and their parties' badge data, so that a badge the response
 * cache does not hold is built without a database round trip. Tokens are kept as the first 128 bits of
 * their sha256 in an open-addressing table of typed arrays; parties in parallel arrays (color, dates and
 * policy as small codes), their ids and masked names in string arenas: the heap holds a few dozen big
 * buffers however many tokens there are, not a string or two per party for the garbage collector to
 * walk (see docs/operations.md for the bytes a token takes).
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
  /**
   * The party version at which the database (or a load) last confirmed token t itself. A party being
   * current says nothing of its other tokens: one of them may have been revoked since, so a token is
   * answered only when it was confirmed at the party's current version.
   */
  #tokVersion = new Uint32Array(1024);
  /** Tokens the running load read (unrevoked in the database). */
  #tokLoaded = new Uint8Array(1024);
  #tokens = 0;
  #dropped = 0;
  /** Open addressing, linear probing: entry + 1, 0 = empty; at most half full. */
  #slots = new Int32Array(2048);
  // Parties: party p has the id of code p in #ids.
  #ids = new StringArena();
  /** Masked names, each kept once (a person's is a surname and asterisks: few distinct ones). */
  #names = new StringArena();
  #name = new Int32Array(1024);
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
  /** What the running load read of a party: 1 its state, 2 the party itself; 7 once the load made it current. */
  #loadedBits = new Uint8Array(1024);
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
  /** Suspensions so far, and their count when the running load began (a load spanning one is not trusted). */
  #suspensions = 0;
  #loadSuspensions = 0;
  /** While a load runs: party id → the epoch of its latest invalidation. */
  #invalidatedDuringLoad: Map<string, number> | null = null;
  #word = new Uint32Array(4);
  loaded = false;

  constructor(readonly maxTokens = 2_000_000) {
    this.#names.intern(''); // code 0: a party whose name is not read yet
  }

  /** Tokens held (dropped ones excluded). */
  get size(): number {
    return this.#tokens - this.#dropped;
  }

  get parties(): number {
    return this.#ids.size;
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
    if (!this.#fresh[p] || this.#readDay[p] !== this.#todayCode || this.#tokVersion[t] !== version)
      return { party: p, version, badge: null };
    const until = this.#strings[this.#until[p] as number] ?? null;
    const policy = this.#strings[this.#policy[p] as number] as string;
    // Time alone can change a color (past `until`), and so can another policy: the database recomputes.
    if ((until !== null && until <= today) || policy !== policyId) return { party: p, version, badge: null };
    return {
      party: p,
      version,
      badge: {
        partyId: this.#ids.get(p),
        kind: this.#kind[p] === 1 ? 'org' : 'person',
        nameMasked: this.#names.get(this.#name[p] as number),
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
    let t = this.#findWords(this.#word);
    if (!row) {
      if (t >= 0) this.#drop(t);
      this.#compactIfSparse();
      return;
    }
    // At the cap a new token (and a party the index would hold only for it) is left to the database.
    if (t < 0 && this.size >= this.maxTokens) return;
    const p = this.#setParty(row, this.#dayCode(day));
    if (t < 0) t = this.#addToken(this.#word, p);
    else {
      if (this.#tokParty[t] === -1) this.#dropped--;
      this.#tokParty[t] = p;
    }
    this.#tokVersion[t] = this.#version[p] as number;
  }

  /**
   * A load begins on the CST day `day`: returns its starting epoch. Invalidations from now on are
   * remembered for it, and what it reads of a party invalidated meanwhile is not kept.
   */
  beginLoad(day: string): number {
    this.#invalidatedDuringLoad = new Map();
    this.#loadDay = this.#dayCode(day);
    if (day > this.#lastLoadDay) this.#lastLoadDay = day;
    this.#loadedBits.fill(0);
    this.#tokLoaded.fill(0);
    this.#loadSuspensions = this.#suspensions;
    return this.epoch;
  }

  /** A token read by the load (false once `maxTokens` are held). */
  loadToken(tokenHash: string, partyId: string): boolean {
    hexWords(tokenHash, this.#word);
    let t = this.#findWords(this.#word);
    if (t < 0) {
      if (this.size >= this.maxTokens) return false;
      t = this.#addToken(this.#word, this.#slot(partyId));
    }
    this.#tokLoaded[t] = 1;
    return true;
  }

  /** A party state read by the load (ignored for a party with no token held). */
  loadState(partyId: string, state: Pick<IndexedBadge, 'color' | 'since' | 'until' | 'policyId'>): void {
    const p = this.#loadable(partyId);
    if (p < 0) return;
    this.#color[p] = colorCode.get(state.color) ?? 0;
    this.#since[p] = this.#code(state.since);
    this.#until[p] = this.#code(state.until);
    this.#policy[p] = this.#code(state.policyId);
    this.#loadedBits[p] = (this.#loadedBits[p] as number) | 1;
  }

  /**
   * A party read by the load, with whether it has an open objection (the load reads the open objections
   * before the parties, so a party the index already answers for never shows without its flag).
   */
  loadParty(partyId: string, kind: 'person' | 'org', nameMasked: string, objection: boolean): void {
    const p = this.#loadable(partyId);
    if (p < 0) return;
    this.#kind[p] = kind === 'org' ? 1 : 0;
    this.#name[p] = this.#names.intern(nameMasked);
    this.#objection[p] = objection ? 1 : 0;
    this.#loadedBits[p] = (this.#loadedBits[p] as number) | 2;
  }

  /** Token, state and party of one badge read by a load that began at `since` (tests, benchmarks). */
  load(tokenHash: string, row: IndexedBadge, _since: number): boolean {
    if (!this.loadToken(tokenHash, row.partyId)) return false;
    this.loadState(row.partyId, row);
    this.loadParty(row.partyId, row.kind, row.nameMasked, row.objection);
    return true;
  }

  /**
   * The load that began at `since` read everything: its parties read whole, not invalidated since, are
   * current, and so are the tokens it read of them (a token it did not read was revoked, or is newer: the
   * database is asked). Nothing is trusted if the index was suspended meanwhile (invalidations were lost).
   */
  endLoad(since: number): void {
    const changed = this.#invalidatedDuringLoad;
    this.#invalidatedDuringLoad = null;
    if (this.#loadSuspensions !== this.#suspensions) return;
    for (const [id, at] of changed ?? []) {
      const p = this.#ids.find(id);
      if (p >= 0 && at > since) this.#loadedBits[p] = 0;
    }
    for (let p = 0; p < this.#ids.size; p++) {
      if (this.#loadedBits[p] !== 3) continue;
      this.#fresh[p] = 1;
      this.#readDay[p] = this.#loadDay;
      this.#loadedBits[p] = 7;
    }
    // Only parties this load made current: one invalidated meanwhile may be current again from a later
    // lookup of another of its tokens, which says nothing of those the load read before the change.
    for (let t = 0; t < this.#tokens; t++) {
      const p = this.#tokParty[t] as number;
      if (p >= 0 && this.#tokLoaded[t] && this.#loadedBits[p] === 7)
        this.#tokVersion[t] = this.#version[p] as number;
    }
    // A token the load did not read and nothing confirmed since was revoked (or is asked of the database
    // anyway): dropped, so that tokens revoked and never asked for again do not pile up.
    for (let t = 0; t < this.#tokens; t++) {
      const p = this.#tokParty[t] as number;
      if (p >= 0 && !this.#tokLoaded[t] && this.#tokVersion[t] !== this.#version[p]) this.#drop(t);
    }
    this.#compactIfSparse();
    this.loaded = true;
  }

  /** A load stopped half-way: nothing it read is trusted beyond what was already. */
  abortLoad(): void {
    this.#invalidatedDuringLoad = null;
  }

  invalidateParty(partyId: string): void {
    this.epoch++;
    this.#invalidatedDuringLoad?.set(partyId, this.epoch);
    const p = this.#ids.find(partyId);
    if (p < 0) return;
    this.#fresh[p] = 0;
    this.#version[p] = ((this.#version[p] as number) + 1) >>> 0;
  }

  /** Nothing is answered (invalidations may be missed) until `resume`. */
  suspend(): void {
    this.#suspended = true;
    this.#suspensions++;
    this.epoch++;
  }

  /** Answers again, every party stale until the database (or a reload) says otherwise. */
  resume(): void {
    this.epoch++;
    this.#fresh.fill(0);
    for (let p = 0; p < this.#ids.size; p++) this.#version[p] = ((this.#version[p] as number) + 1) >>> 0;
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

  /** The slot of a party, made (not fresh, no data) if it has none. */
  #slot(partyId: string): number {
    const known = this.#ids.find(partyId);
    if (known >= 0) return known;
    const p = this.#ids.intern(partyId);
    const n = p + 1;
    this.#name = grow(this.#name, n);
    this.#name[p] = 0;
    this.#kind = grow(this.#kind, n);
    this.#color = grow(this.#color, n);
    this.#since = grow(this.#since, n);
    this.#until = grow(this.#until, n);
    this.#policy = grow(this.#policy, n);
    this.#objection = grow(this.#objection, n);
    this.#fresh = grow(this.#fresh, n);
    this.#version = grow(this.#version, n);
    this.#readDay = grow(this.#readDay, n);
    this.#loadedBits = grow(this.#loadedBits, n);
    return p;
  }

  /** The slot a load may write: held, and not invalidated since the load began (else -1). */
  #loadable(partyId: string): number {
    const p = this.#ids.find(partyId);
    if (p < 0 || this.#invalidatedDuringLoad?.has(partyId)) return -1;
    return p;
  }

  #setParty(row: IndexedBadge, day: number): number {
    const p = this.#slot(row.partyId);
    this.#name[p] = this.#names.intern(row.nameMasked);
    this.#kind[p] = row.kind === 'org' ? 1 : 0;
    this.#color[p] = colorCode.get(row.color) ?? 0;
    this.#since[p] = this.#code(row.since);
    this.#until[p] = this.#code(row.until);
    this.#policy[p] = this.#code(row.policyId);
    this.#objection[p] = row.objection ? 1 : 0;
    this.#fresh[p] = 1;
    this.#readDay[p] = day;
    return p;
  }

  #drop(t: number): void {
    if ((this.#tokParty[t] as number) < 0) return;
    this.#tokParty[t] = -1;
    this.#dropped++;
  }

  /**
   * Once dropped tokens are half the table (and over a thousand), they are taken out: entries are never
   * reused, so over months of tokens issued and revoked the table would grow without bound.
   */
  #compactIfSparse(): void {
    if (this.#dropped < 1024 || 2 * this.#dropped < this.#tokens) return;
    let n = 0;
    for (let t = 0; t < this.#tokens; t++) {
      if ((this.#tokParty[t] as number) < 0) continue;
      if (n !== t) {
        this.#keys.copyWithin(4 * n, 4 * t, 4 * t + 4);
        this.#tokParty[n] = this.#tokParty[t] as number;
        this.#tokVersion[n] = this.#tokVersion[t] as number;
        this.#tokLoaded[n] = this.#tokLoaded[t] as number;
      }
      n++;
    }
    this.#tokens = n;
    this.#dropped = 0;
    this.#rehash(this.#slots.length);
  }

  /** Bytes the token table takes (keys, parties, versions, flags, slots): what revocations could pile up. */
  get tokenBytes(): number {
    return (
      this.#keys.byteLength +
      this.#tokParty.byteLength +
      this.#tokVersion.byteLength +
      this.#tokLoaded.byteLength +
      this.#slots.byteLength
    );
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

  #addToken(w: Uint32Array, p: number): number {
    const t = this.#tokens++;
    this.#keys = grow(this.#keys, 4 * (t + 1));
    this.#tokParty = grow(this.#tokParty, t + 1);
    this.#tokVersion = grow(this.#tokVersion, t + 1);
    this.#tokLoaded = grow(this.#tokLoaded, t + 1);
    this.#keys.set(w, 4 * t);
    this.#tokParty[t] = p;
    // Unconfirmed until the database or a load says otherwise (a party's version never reaches this).
    this.#tokVersion[t] = 0xffffffff;
    if (2 * this.#tokens > this.#slots.length) this.#rehash(this.#slots.length * 2);
    else this.#place(t);
    return t;
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

/** Rows of `table` in its physical pages [from, to): a TID range scan, whatever the planner thinks. */
async function pagesOf(deps: Deps, table: string, columns: string, from: number, to: number) {
  const res = await deps.db.db.execute(
    sql.raw(`select ${columns} from ${table} where ctid >= '(${from},0)'::tid and ctid < '(${to},0)'::tid`),
  );
  return rowsOf<Record<string, unknown>>(res);
}

async function pageCount(deps: Deps, table: string): Promise<number> {
  const res = await deps.db.db.execute(
    sql.raw(`select (pg_relation_size('${table}') / current_setting('block_size')::int)::int as n`),
  );
  return Number(rowsOf<{ n: number }>(res)[0]?.n ?? 0);
}

/**
 * Fills `index` with every unrevoked token (up to its `maxTokens`) and its party's badge data. Each
 * table is read once in physical order, `pagesPerRead` pages at a time (sequential reads the planner
 * cannot turn into a scan per page, short enough not to hold the event loop), and joined here; rows
 * that move while it reads (an update) belong to a party invalidated meanwhile, which stays stale.
 * Resolves with whether it read everything (false when `stopped()` said to stop); `onLongLoad` is
 * called once a table takes more than one read.
 */
export async function loadBadgeIndex(
  deps: Deps,
  index: BadgeIndex,
  opts: { pagesPerRead?: number; stopped?: () => boolean; onLongLoad?: () => void } = {},
): Promise<boolean> {
  const step = opts.pagesPerRead ?? 100;
  const since = index.beginLoad(toCstDate(deps.now()));
  let done = false;
  const scan = async (table: string, columns: string, each: (r: Record<string, unknown>) => void) => {
    const pages = await pageCount(deps, table);
    for (let from = 0; from < pages; from += step) {
      if (opts.stopped?.()) return false;
      for (const r of await pagesOf(deps, table, columns, from, from + step)) each(r);
      if (from + step < pages) opts.onLongLoad?.();
      await new Promise((r) => setImmediate(r));
    }
    return true;
  };
  try {
    // Open objections first: a party is written whole (its flag included) when the load reaches it.
    const open = new Set(
      rowsOf<{ party_id: string }>(
        await deps.db.db.execute(
          sql`select distinct party_id from objections o where ${shownObjection(deps.policy, fiveYearsBefore(today(deps)))}`,
        ),
      ).map((r) => r.party_id),
    );
    const ok =
      (await scan('badge_tokens', 'token_hash, party_id, revoked_at', (r) => {
        if (r.revoked_at === null) index.loadToken(r.token_hash as string, r.party_id as string);
      })) &&
      (await scan(
        'party_state',
        'party_id, color, since::text as since, until::text as until, policy_id',
        (r) => {
          index.loadState(r.party_id as string, {
            color: r.color as Color,
            since: r.since as string | null,
            until: r.until as string | null,
            policyId: r.policy_id as string,
          });
        },
      )) &&
      (await scan('parties', 'id, kind, name_masked', (r) => {
        const id = r.id as string;
        index.loadParty(id, r.kind as 'person' | 'org', r.name_masked as string, open.has(id));
      }));
    if (!ok) return false;
    index.endLoad(since);
    done = true;
    return true;
  } finally {
    if (!done) index.abortLoad();
  }
}
