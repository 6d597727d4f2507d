import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { Color } from '@fivecolor/core';
import { type AnyColumn, and, asc, eq, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import { deriveKey } from '../crypto/party-crypto.js';
import { pgArray } from '../db/pg-array.js';
import { rowsOf } from '../db/rows.js';
import { changes, consents, parties, recordRevisions, records } from '../db/schema.js';
import { today } from '../state/party-state.js';
import type { Caller } from './access.js';
import { auditedWrite } from './audit-trail.js';
import type { Deps } from './deps.js';
import { badRequest } from './errors.js';
import { archivedChange, fiveYearsBefore, isArchived } from './retention.js';

/** The public event types of the change feed (`exchange.changes`, webhook payloads). */
export const FEED_TYPES = [
  'record.created',
  'record.amended',
  'record.revoked',
  'record.repaired',
  'color.changed',
  'objection.filed',
  'objection.resolved',
] as const;
export type FeedType = (typeof FEED_TYPES)[number];

/** A row of the `changes` table. */
export type ChangeRow = typeof changes.$inferSelect;

/** The columns of a party that a feed item shows. */
export type FeedPartyRow = Pick<
  typeof parties.$inferSelect,
  'id' | 'kind' | 'idType' | 'nameEnc' | 'idNumberEnc' | 'nameMasked' | 'idNumberMasked'
>;

/** The columns of a record that a feed item shows or that decide whether it is shown. */
export type FeedRecordRow = Pick<
  typeof records.$inferSelect,
  | 'id'
  | 'partyId'
  | 'category'
  | 'court'
  | 'caseNumber'
  | 'effectiveFrom'
  | 'effectiveUntil'
  | 'repairs'
  | 'source'
  | 'externalId'
  | 'revision'
  | 'revokedAt'
>;

/** Who reads the feed: the role and organization of an API key (a webhook's owner, the caller). */
export type FeedViewer = Pick<Principal, 'role' | 'org'>;

/** A record as it stood right after the event (its later amendments and revocation are later items). */
export interface FeedRecord {
  recordId: string;
  category: string;
  color: Color | null;
  court: string;
  caseNumber: string;
  effectiveFrom: string;
  effectiveUntil: string | null;
  repairs: string[];
  source: string;
  externalId: string | null;
  revision: number;
  revoked: boolean;
}

/** The party of a feed item: in clear for an `exchange` key and court staff; a bank sees a person's name and number masked (domain §6). */
export interface FeedParty {
  kind: 'person' | 'org';
  idType: string;
  idNumber: string;
  name: string;
}

/** `color.changed`: from, to, the interval, the policy and the records it was decided on; `cause` `time` when time alone moved it. */
export interface FeedColorChange {
  from: Color | null;
  to: Color;
  since: string | null;
  until: string | null;
  policyId: string | null;
  basis: string[];
  cause: string | null;
}

/** The fields of every feed item. */
interface FeedItemBase<T extends FeedType> {
  seq: number;
  type: T;
  /** When it happened (ISO 8601). */
  at: string;
  partyId: string;
  party: FeedParty;
}

/** `record.created`, `record.repaired`: the record as entered. */
export interface FeedRecordCreated<T extends 'record.created' | 'record.repaired'> extends FeedItemBase<T> {
  /** The record right after the event (its later amendments and revocation are later items). */
  record: FeedRecord;
  reason?: undefined;
  color?: undefined;
  objection?: undefined;
}

/** `record.amended`, `record.revoked`: the record right after the event and the reason given. */
export interface FeedRecordChanged<T extends 'record.amended' | 'record.revoked'> extends FeedItemBase<T> {
  record: FeedRecord;
  reason: string;
  color?: undefined;
  objection?: undefined;
}

/** `color.changed`: the party's color moved (no record: `color.basis` names the records). */
export interface FeedColorChanged extends FeedItemBase<'color.changed'> {
  record?: undefined;
  reason?: undefined;
  color: FeedColorChange;
  objection?: undefined;
}

/** `objection.filed`: the record objected to and the objection's due date. */
export interface FeedObjectionFiled extends FeedItemBase<'objection.filed'> {
  record: FeedRecord;
  reason?: undefined;
  color?: undefined;
  objection: { objectionId: string; dueDate: string };
}

/** `objection.resolved`: the record objected to and the decision. */
export interface FeedObjectionResolved extends FeedItemBase<'objection.resolved'> {
  record: FeedRecord;
  reason?: undefined;
  color?: undefined;
  objection: { objectionId: string; decision: 'upheld' | 'rejected' };
}

/**
 * One item of the change feed as a viewer sees it: a union by `type`, so that narrowing on `type`
 * gives the fields that type always carries (`color` of `color.changed`, `record` of record and
 * objection events, …); the fields of other types are absent.
 *
 * @example
 * if (item.type === 'color.changed') console.log(item.color.from, '→', item.color.to);
 */
export type FeedItem =
  | FeedRecordCreated<'record.created'>
  | FeedRecordCreated<'record.repaired'>
  | FeedRecordChanged<'record.amended'>
  | FeedRecordChanged<'record.revoked'>
  | FeedColorChanged
  | FeedObjectionFiled
  | FeedObjectionResolved;

/** The feed item of one type. */
export type FeedItemOf<T extends FeedType> = Extract<FeedItem, { type: T }>;

/**
 * How `exchange.changes` declares a field that an item's type does not carry. tRPC infers a procedure's
 * output as its JSON (`Serialize`), which drops a key typed `undefined`: the union's members would lose
 * the absent fields of the others, and `item.record?.recordId` would no longer compile on an item not
 * yet narrowed. A value whose JSON is nothing comes out as `record?: undefined`. Never a value here.
 */
export interface AbsentInJson {
  toJSON(): undefined;
}

/** A feed item as `exchange.changes` declares it: the same value, its absent fields typed `AbsentInJson`. */
export type FeedItemInJson<I extends FeedItem = FeedItem> = I extends FeedItem
  ? { [K in keyof I]: [I[K]] extends [undefined] ? AbsentInJson : I[K] }
  : never;

const COURT_ROLES = new Set(['admin', 'clerk', 'judge', 'enforcement']);
const STORED_KINDS: Record<string, FeedType> = Object.fromEntries(FEED_TYPES.map((t) => [t, t]));

/**
 * The public type of a change row. A repair is stored as `record.created` of a record that names the
 * records it repairs; the feed calls it `record.repaired`.
 */
export function feedType(row: Pick<ChangeRow, 'kind'>, record?: { repairs: string[] | null }): FeedType {
  const t = STORED_KINDS[row.kind];
  if (!t) throw new Error(`change row of unknown kind ${row.kind}`);
  return t === 'record.created' && record?.repairs?.length ? 'record.repaired' : t;
}

/** `column = any(ids)`: one parameter however many ids (a page names up to 1000). */
const anyOf = (column: AnyColumn, ids: readonly string[]) => sql`${column} = any(${pgArray(ids)}::text[])`;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The record as it stood at `seq`: its revision then (earlier versions from `record_revisions`) and whether it was revoked. */
function recordAt(
  deps: Deps,
  r: FeedRecordRow,
  seq: number,
  history: { kind: string; seq: number }[],
  revisions: Map<number, Record<string, unknown>>,
): FeedRecord {
  const revision = history.filter((h) => h.kind === 'record.amended' && h.seq <= seq).length;
  const revokedSeq = history.find((h) => h.kind === 'record.revoked')?.seq;
  // The version before amendment `revision + 1` is the one that stood at `seq`.
  const then = revision < r.revision ? revisions.get(revision + 1) : undefined;
  const field = (k: 'effectiveFrom' | 'effectiveUntil' | 'caseNumber' | 'court') =>
    then && k in then ? (then[k] as string | null) : r[k];
  return {
    recordId: r.id,
    category: r.category,
    color: deps.policy.categories.find((c) => c.code === r.category)?.color ?? null,
    court: field('court') as string,
    caseNumber: field('caseNumber') as string,
    effectiveFrom: field('effectiveFrom') as string,
    effectiveUntil: field('effectiveUntil'),
    repairs: r.repairs ?? [],
    source: r.source,
    externalId: r.externalId,
    revision: Math.min(revision, r.revision),
    revoked: r.revokedAt !== null && revokedSeq !== undefined && revokedSeq <= seq,
  };
}

const partyColumns = {
  id: parties.id,
  kind: parties.kind,
  idType: parties.idType,
  nameEnc: parties.nameEnc,
  idNumberEnc: parties.idNumberEnc,
  nameMasked: parties.nameMasked,
  idNumberMasked: parties.idNumberMasked,
};
const recordColumns = {
  id: records.id,
  partyId: records.partyId,
  category: records.category,
  court: records.court,
  caseNumber: records.caseNumber,
  effectiveFrom: records.effectiveFrom,
  effectiveUntil: records.effectiveUntil,
  repairs: records.repairs,
  source: records.source,
  externalId: records.externalId,
  revision: records.revision,
  revokedAt: records.revokedAt,
};

/** The parties and records of a page, when the caller already read them (`readChanges`: with the page). */
interface Loaded {
  parties: readonly FeedPartyRow[];
  records: readonly FeedRecordRow[];
}

/**
 * The projection of change rows into public feed items for one viewer — the one place that decides
 * what a partner sees, used by `exchange.changes` and by webhook payloads (`data` = the item). Rows the
 * viewer may not see are left out (never an error): a bank sees only `color.changed` of parties whose
 * active `code` consent names its organization, from the consent's grant on, masked; a non-court
 * viewer sees nothing of a record retention has archived. Court staff and `exchange` keys see names
 * and identity numbers in clear. Items keep the order of `rows`; reading them is not audited here.
 *
 * @example
 * const items = await feedItems(deps, rows, { role: 'exchange', org: 'City credit platform' });
 */
export async function feedItems(
  deps: Deps,
  rows: readonly ChangeRow[],
  viewer: FeedViewer,
  loaded?: Loaded,
): Promise<FeedItem[]> {
  const db = deps.db.db;
  const day = today(deps);
  const court = COURT_ROLES.has(viewer.role);
  let visible = rows.filter((r) => STORED_KINDS[r.kind] !== undefined);
  if (viewer.role === 'bank') {
    visible = visible.filter((r) => r.kind === 'color.changed');
    const ids = [...new Set(visible.map((r) => r.partyId))];
    const granted = new Map<string, Date>();
    if (ids.length > 0 && viewer.org) {
      const rowsC = await db
        .select({ partyId: consents.partyId, scopes: consents.scopes, createdAt: consents.createdAt })
        .from(consents)
        .where(
          and(
            anyOf(consents.partyId, ids),
            eq(consents.grantee, viewer.org),
            isNull(consents.revokedAt),
            gt(consents.until, day),
          ),
        );
      for (const c of rowsC) {
        if (!c.scopes.includes('code')) continue;
        const was = granted.get(c.partyId);
        if (!was || c.createdAt < was) granted.set(c.partyId, c.createdAt);
      }
    }
    visible = visible.filter((r) => {
      const since = granted.get(r.partyId);
      return since !== undefined && r.at >= since;
    });
  } else if (viewer.role !== 'exchange' && !court) {
    visible = [];
  }
  if (visible.length === 0) return [];

  const partyIds = [...new Set(visible.map((r) => r.partyId))];
  const recordIds = [
    ...new Set(
      visible.filter((r) => r.kind !== 'color.changed' && r.recordId).map((r) => r.recordId as string),
    ),
  ];
  const [partyRows, recordRows] = loaded
    ? [loaded.parties, loaded.records]
    : await Promise.all([
        db.select(partyColumns).from(parties).where(anyOf(parties.id, partyIds)),
        recordIds.length > 0
          ? db.select(recordColumns).from(records).where(anyOf(records.id, recordIds))
          : [],
      ]);
  const recordById = new Map(recordRows.map((r) => [r.id, r]));
  // Amended or revoked records: their events (to tell which version stood at each seq) and earlier versions.
  const changed = recordRows.filter((r) => r.revision > 0 || r.revokedAt !== null);
  const history = new Map<string, { kind: string; seq: number }[]>();
  const revisions = new Map<string, Map<number, Record<string, unknown>>>();
  if (changed.length > 0) {
    const ids = changed.map((r) => r.id);
    const [events, revs] = await Promise.all([
      db
        .select({ recordId: changes.recordId, kind: changes.kind, seq: changes.seq })
        .from(changes)
        .where(
          and(
            // Through the (party_id, seq) index: there is no index on record_id.
            anyOf(changes.partyId, [...new Set(changed.map((r) => r.partyId))]),
            anyOf(changes.recordId, ids),
            inArray(changes.kind, ['record.amended', 'record.revoked']),
          ),
        )
        .orderBy(asc(changes.seq)),
      db
        .select({
          recordId: recordRevisions.recordId,
          revision: recordRevisions.revision,
          before: recordRevisions.before,
        })
        .from(recordRevisions)
        .where(anyOf(recordRevisions.recordId, ids)),
    ]);
    for (const e of events) {
      const list = history.get(e.recordId as string) ?? [];
      list.push(e);
      history.set(e.recordId as string, list);
    }
    for (const r of revs) {
      const m = revisions.get(r.recordId) ?? new Map();
      m.set(r.revision, r.before as Record<string, unknown>);
      revisions.set(r.recordId, m);
    }
  }

  // As `partyIdentityView`: in clear but for a bank, which sees a person masked (an organization in clear).
  const clear = viewer.role !== 'bank';
  const identities = new Map<string, FeedParty>();
  for (const p of partyRows) {
    const open = clear || p.kind === 'org';
    identities.set(p.id, {
      kind: p.kind,
      idType: p.idType,
      idNumber: open ? deps.crypto.decrypt(p.idNumberEnc) : p.idNumberMasked,
      name: open ? deps.crypto.decrypt(p.nameEnc) : p.nameMasked,
    });
  }
  const items: FeedItem[] = [];
  for (const row of visible) {
    const party = identities.get(row.partyId);
    if (!party) continue;
    const rec = row.kind !== 'color.changed' && row.recordId ? recordById.get(row.recordId) : undefined;
    if (rec && !court && isArchived(rec, day, deps.policy)) continue;
    const record = rec
      ? recordAt(deps, rec, row.seq, history.get(rec.id) ?? [], revisions.get(rec.id) ?? new Map())
      : undefined;
    const item = feedItemOf(row, feedType(row, rec), party, record);
    if (!item) {
      // Every writer of a kind writes what its type carries: a row without it is not shown half-made.
      deps.logger.warn(
        { seq: row.seq, kind: row.kind },
        'change feed: a change row lacks what its type carries',
      );
      continue;
    }
    if (item.type === 'color.changed' && !court && archivedChange(item.color, day)) continue;
    items.push(item);
  }
  return items;
}

/**
 * The feed item of a change row of public type `type`: the head (`seq`, `type`, `at`, `partyId`,
 * `party`), then what the type carries, in this order: `record`, `reason`, `color`, `objection` (the
 * order of the JSON a partner receives). Null when the row lacks something its type always carries.
 */
function feedItemOf(
  row: ChangeRow,
  type: FeedType,
  party: FeedParty,
  record: FeedRecord | undefined,
): FeedItem | null {
  const data = row.data ?? {};
  const head = <T extends FeedType>(t: T) => ({
    seq: row.seq,
    type: t,
    at: row.at.toISOString(),
    partyId: row.partyId,
    party,
  });
  const reason = str(data.reason);
  const objectionId = str(data.objectionId);
  switch (type) {
    case 'record.created':
    case 'record.repaired':
      return record ? { ...head(type), record } : null;
    case 'record.amended':
    case 'record.revoked':
      return record && reason !== undefined ? { ...head(type), record, reason } : null;
    case 'color.changed':
      return row.color
        ? {
            ...head(type),
            color: {
              from: row.previousColor,
              to: row.color,
              since: str(data.since) ?? null,
              until: str(data.until) ?? null,
              policyId: str(data.policyId) ?? null,
              basis: Array.isArray(data.basis) ? (data.basis as string[]) : [],
              cause: str(data.cause) ?? null,
            },
          }
        : null;
    case 'objection.filed': {
      const dueDate = str(data.dueDate);
      return record && objectionId && dueDate
        ? { ...head(type), record, objection: { objectionId, dueDate } }
        : null;
    }
    case 'objection.resolved': {
      const decision = data.decision === 'upheld' || data.decision === 'rejected' ? data.decision : undefined;
      return record && objectionId && decision
        ? { ...head(type), record, objection: { objectionId, decision } }
        : null;
    }
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* Cursors                                                                                           */

const CURSOR_RULE = 'must be a nextCursor returned by exchange.changes (omit it to read from the beginning)';

/**
 * A cursor is one AES block, encrypted under a key derived from the server's secret: 8 fixed bytes
 * (`CURSOR_TAG`) then the seq. Only the key's holder can make a block that decrypts to the tag, so a
 * made-up cursor is refused (a forger's chance is 2^-64 a try); a page's cursors are one cipher call
 * (an HMAC per item cost about 4 ms of a page of 1000). Cursors of the first form — the seq and a
 * truncated HMAC, 27 characters — are still read: a partner may have kept one.
 */
const CURSOR_TAG = Buffer.from('fc-feed\x01', 'latin1');
const cursorKeys = new Map<string, { aes: Buffer; hmac: Buffer }>();

function cursorKey(deps: Deps) {
  let key = cursorKeys.get(deps.secret);
  if (!key) {
    key = {
      aes: deriveKey(deps.secret, 'feed-cursor-aes').subarray(0, 16),
      hmac: deriveKey(deps.secret, 'feed-cursor'),
    };
    cursorKeys.set(deps.secret, key);
  }
  return key;
}

/** The opaque cursors of feed positions (after each of `seqs`), with one cipher call. */
export function encodeFeedCursors(deps: Deps, seqs: readonly number[]): string[] {
  const blocks = Buffer.allocUnsafe(16 * seqs.length);
  seqs.forEach((seq, k) => {
    CURSOR_TAG.copy(blocks, 16 * k);
    blocks.writeBigUInt64BE(BigInt(seq), 16 * k + 8);
  });
  const cipher = createCipheriv('aes-128-ecb', cursorKey(deps).aes, null).setAutoPadding(false);
  const sealed = cipher.update(blocks);
  return seqs.map((_, k) => sealed.toString('base64url', 16 * k, 16 * k + 16));
}

/** The opaque cursor of a feed position (after `seq`), so a made-up cursor is refused. */
export function encodeFeedCursor(deps: Deps, seq: number): string {
  return encodeFeedCursors(deps, [seq])[0] as string;
}

/** The position of a cursor this server issued; BAD_REQUEST naming `cursor` for anything else. */
export function decodeFeedCursor(deps: Deps, cursor: string): number {
  const key = cursorKey(deps);
  if (/^[A-Za-z0-9_-]{22}$/.test(cursor)) {
    const raw = Buffer.from(cursor, 'base64url');
    const decipher = createDecipheriv('aes-128-ecb', key.aes, null).setAutoPadding(false);
    const block = decipher.update(raw);
    const seq = Number(block.readBigUInt64BE(8));
    if (raw.length === 16 && block.subarray(0, 8).equals(CURSOR_TAG) && Number.isSafeInteger(seq)) return seq;
  } else if (/^[A-Za-z0-9_-]{27}$/.test(cursor)) {
    const raw = Buffer.from(cursor, 'base64url');
    const seq = Number(raw.readBigUInt64BE(0));
    const mac = createHmac('sha256', key.hmac).update(`changes:${seq}`).digest().subarray(0, 12);
    if (Number.isSafeInteger(seq) && timingSafeEqual(raw.subarray(8), mac)) return seq;
  }
  badRequest(`cursor: ${CURSOR_RULE}; this one was not issued by this server`);
}

/* ------------------------------------------------------------------------------------------------ */
/* Reading up to what has settled                                                                    */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The highest `seq` handed out so far, and the highest below which every row has settled (committed
 * or rolled back for good), so a reader that goes up to it never skips a row that commits later.
 *
 * `seq` is a sequence: concurrent writers take numbers in one order and commit in another, and the
 * inserts into `changes` happen before the audit chain's lock is taken (record, objection and time-driven
 * writes), so commit order is not seq order. The bound: read the sequence's last value `H`, then list the
 * transactions that hold `changes` open for insert (PostgreSQL takes that lock before the insert draws
 * its number and keeps it until commit); every number up to `H` was drawn by one of them or by a
 * transaction already finished. Wait until those have finished (a write takes milliseconds), up to
 * `waitMs`; if one is still running then, nothing past `cursor` is known settled and the bound stays at
 * the reader's cursor. PGlite runs one transaction at a time: nothing is ever in flight for a reader.
 */
export async function settledSeq(
  deps: Deps,
  after: number,
  opts: { waitMs?: number } = {},
): Promise<{ last: number; settled: number }> {
  const q = async <T>(query: SQL) => rowsOf<T>(await deps.db.db.execute(query));
  const [h] = await q<{ last: string | number | null }>(
    sql`select pg_sequence_last_value(pg_get_serial_sequence('changes', 'seq')::regclass) as last`,
  );
  const last = Number(h?.last ?? 0);
  if (deps.db.kind !== 'postgres') return { last, settled: last };
  const inserting = sql`locktype = 'relation' and relation = 'changes'::regclass and mode = 'RowExclusiveLock'
    and database = (select oid from pg_database where datname = current_database())`;
  const [l] = await q<{ vx: string[] | null }>(
    sql`select array_agg(virtualtransaction) as vx from pg_locks where ${inserting} and pid <> pg_backend_pid()`,
  );
  const open = l?.vx ?? [];
  if (open.length === 0) return { last, settled: last };
  const deadline = Date.now() + (opts.waitMs ?? 5000);
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    await sleep(pause);
    const [still] = await q<{ n: string | number }>(
      sql`select count(*) as n from pg_locks where ${inserting} and virtualtransaction in ${open}`,
    );
    if (Number(still?.n ?? 0) === 0) return { last, settled: last };
    if (Date.now() > deadline) {
      deps.logger.warn(
        { waitingFor: open.length },
        'change feed: a writer of changes is still open; page ends early',
      );
      return { last, settled: after };
    }
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* exchange.changes                                                                                  */

export interface ChangesInput {
  cursor?: string | undefined;
  limit?: number | undefined;
  types?: readonly FeedType[] | undefined;
}

/**
 * Whether the record of a change row meets `cond`, looked up by its primary key row by row. `offset 0`
 * keeps the planner from turning it into a hashed subplan, which reads every record that meets `cond` for
 * each page: the page then costs more as the store grows.
 */
const recordWhere = (cond: SQL) =>
  sql`exists (select 1 from ${records} r where r.id = ${changes.recordId} and ${cond} offset 0)`;

/** The SQL condition of the wanted public types (a repair is a `record.created` row of a repair record). */
function typeCondition(types: readonly FeedType[]): SQL {
  const isRepair = recordWhere(sql`r.repairs is not null`);
  const created = types.includes('record.created');
  const repaired = types.includes('record.repaired');
  const parts: SQL[] = [];
  const others = types.filter((t) => t !== 'record.created');
  if (others.length > 0) parts.push(inArray(changes.kind, others));
  const createdRow = eq(changes.kind, 'record.created');
  if (created && repaired) parts.push(createdRow);
  else if (created) parts.push(and(createdRow, sql`not ${isRepair}`) as SQL);
  else if (repaired) parts.push(and(createdRow, isRepair) as SQL);
  return or(...parts) as SQL;
}

/** The rows a viewer may see, narrowed in SQL so that pages are full (`feedItems` decides all the same). */
function viewerCondition(deps: Deps, viewer: FeedViewer): SQL | undefined {
  const day = today(deps);
  if (viewer.role === 'bank') {
    return and(
      eq(changes.kind, 'color.changed'),
      sql`exists (select 1 from ${consents} c where c.party_id = ${changes.partyId} and c.grantee = ${viewer.org ?? ''}
        and c.revoked_at is null and c.until > ${day} and c.scopes @> '["code"]'::jsonb and c.created_at <= ${changes.at})`,
    );
  }
  if (COURT_ROLES.has(viewer.role)) return undefined;
  const negative = deps.policy.categories
    .filter((c) => c.color === 'red' || c.color === 'yellow')
    .map((c) => c.code);
  if (negative.length === 0) return undefined;
  return sql`(${changes.kind} = 'color.changed' or not ${recordWhere(
    sql`r.effective_until <= ${fiveYearsBefore(day)} and r.category in ${negative}`,
  )})`;
}

/** A change row, its party and its record as `readPage`'s query spells them (JSON arrays, in this order). */
type PageRowJson = [
  number,
  number,
  string,
  string,
  string | null,
  Color | null,
  Color | null,
  ChangeRow['data'],
];
type PartyJson = [string, 'person' | 'org', string, string, string, string, string];
type RecordJson = [
  string,
  string,
  string,
  string,
  string,
  string,
  string | null,
  string[] | null,
  string,
  string | null,
  number,
  number | null,
];

/** A timestamp as whole milliseconds since the epoch (truncated, as the drivers read it into a `Date`). */
const epochMs = (column: string) =>
  sql.raw(`(extract(epoch from date_trunc('milliseconds', ${column})) * 1000)::bigint`);

/**
 * Up to `limit + 1` change rows after `after` up to `settled` that pass `where`, in `seq` order, with the
 * parties and records of the first `limit`, in one statement that answers one JSON text (a driver decodes
 * one field instead of a field per column and row: most of a page's time on PGlite). The rows are looked
 * for first among the next `2 × (limit + 1)` seqs, then past them only if those did not fill the page: the
 * planner does not know how many rows follow a cursor (PGlite never analyzes a table) and would otherwise
 * sort every row after it.
 */
async function readPage(
  deps: Deps,
  after: number,
  settled: number,
  limit: number,
  where: readonly SQL[],
): Promise<{ rows: ChangeRow[]; loaded: Loaded }> {
  const n = limit + 1;
  const near = Math.min(settled, after + 2 * n);
  const cond = where.length > 0 ? sql` and ${and(...where)}` : sql``;
  const [out] = rowsOf<{ page: string }>(
    await deps.db.db.execute(sql`with near as (
        select * from ${changes} where ${changes.seq} > ${after} and ${changes.seq} <= ${near}${cond}
        order by ${changes.seq} limit ${n}),
      far as (
        select * from ${changes} where ${changes.seq} > ${near} and ${changes.seq} <= ${settled}${cond}
          and (select count(*) from near) < ${n}
        order by ${changes.seq} limit ${n}),
      page as (select * from near union all select * from far order by seq limit ${n}),
      shown as (select * from page order by seq limit ${limit})
    select json_build_object(
      'rows', (select coalesce(json_agg(json_build_array(seq, ${epochMs('at')}, party_id, kind, record_id, color,
        previous_color, data) order by seq), '[]') from page),
      'parties', (select coalesce(json_agg(json_build_array(p.id, p.kind, p.id_type, p.name_enc, p.id_number_enc,
        p.name_masked, p.id_number_masked)), '[]')
        from ${parties} p where p.id = any(array(select party_id from shown))),
      'records', (select coalesce(json_agg(json_build_array(r.id, r.party_id, r.category, r.court, r.case_number,
        r.effective_from, r.effective_until, r.repairs, r.source, r.external_id, r.revision,
        ${epochMs('r.revoked_at')})), '[]')
        from ${records} r where r.id = any(array(select record_id from shown where kind <> 'color.changed')))
    )::text as page`),
  );
  const json = JSON.parse(out?.page ?? '{}') as {
    rows: PageRowJson[];
    parties: PartyJson[];
    records: RecordJson[];
  };
  return {
    rows: json.rows.map(([seq, at, partyId, kind, recordId, color, previousColor, data]) => ({
      seq: Number(seq),
      at: new Date(Number(at)),
      partyId,
      kind,
      recordId,
      color,
      previousColor,
      data,
    })),
    loaded: {
      parties: json.parties.map(([id, kind, idType, nameEnc, idNumberEnc, nameMasked, idNumberMasked]) => ({
        id,
        kind,
        idType,
        nameEnc,
        idNumberEnc,
        nameMasked,
        idNumberMasked,
      })),
      records: json.records.map((r) => ({
        id: r[0],
        partyId: r[1],
        category: r[2],
        court: r[3],
        caseNumber: r[4],
        effectiveFrom: r[5],
        effectiveUntil: r[6],
        repairs: r[7],
        source: r[8],
        externalId: r[9],
        revision: r[10],
        revokedAt: r[11] === null ? null : new Date(Number(r[11])),
      })),
    },
  };
}

/**
 * Audits a page as a read of every party it shows, with one chained entry: the parties in
 * `detail.parties` (where a party's "who looked" finds it: `auditAboutParty`), and the span of seqs
 * shown. One row per page instead of one per party: the audit was about half of a page's cost.
 */
async function auditPage(c: Caller, items: readonly Pick<ChangeRow, 'seq' | 'partyId'>[]): Promise<void> {
  const first = items[0];
  const last = items.at(-1);
  if (!first || !last) return;
  const parties = [...new Set(items.map((i) => i.partyId))];
  await auditedWrite(c, { input: null }, (w) =>
    w.audit({
      partyId: null,
      purpose: null,
      detail: { parties, first: first.seq, last: last.seq, items: items.length },
    }),
  );
}

/**
 * A page of the change feed after `cursor`, in `seq` order, as the caller may see it (`feedItems`),
 * up to what has settled (`settledSeq`), filtered by public `types`. Each item carries the `cursor`
 * that resumes right after it; `nextCursor` resumes after the page; an empty page returns the cursor that was sent (a fresh start cursor when none was). Audited
 * as a read of every party the page shows.
 */
export async function readChanges(c: Caller, input: ChangesInput = {}) {
  const { deps } = c;
  const after = input.cursor === undefined ? 0 : decodeFeedCursor(deps, input.cursor);
  const limit = input.limit ?? 100;
  const { last, settled } = await settledSeq(deps, after);
  if (after > last)
    badRequest(`cursor: ${CURSOR_RULE}; this one is ahead of this feed (was the database restored?)`);
  const viewer: FeedViewer = { role: c.principal.role, org: c.principal.org };
  const where: SQL[] = [];
  if (input.types && new Set(input.types).size < FEED_TYPES.length) where.push(typeCondition(input.types));
  const scope = viewerCondition(deps, viewer);
  if (scope) where.push(scope);
  const { rows, loaded } = await readPage(deps, after, settled, limit, where);
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  // The SQL above applies every rule `feedItems` applies, so the page's rows are the items it shows: the
  // audit is written while the items are built (on PostgreSQL, on another connection at the same time).
  const [items] = await Promise.all([
    // Each item with the cursor that resumes right after it (keep the last one processed), made while
    // the audit is written.
    feedItems(deps, page, viewer, loaded).then((built) => {
      const cursors = encodeFeedCursors(
        deps,
        built.map((i) => i.seq),
      );
      // Declared as `FeedItemInJson` (the same values): its absent fields stay in the inferred output.
      return built.map((i, k) =>
        Object.assign(i as unknown as FeedItemInJson, { cursor: cursors[k] as string }),
      );
    }),
    auditPage(
      c,
      page.filter((r) => STORED_KINDS[r.kind] !== undefined),
    ),
  ]);
  const end = page.at(-1)?.seq;
  return {
    items,
    nextCursor:
      end === undefined || (items.length === 0 && !hasMore)
        ? (input.cursor ?? encodeFeedCursor(deps, 0))
        : encodeFeedCursor(deps, end),
    hasMore,
  };
}
