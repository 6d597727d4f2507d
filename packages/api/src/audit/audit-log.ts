import { createHash } from 'node:crypto';
import { asc, desc, gt, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/database.js';
import { rowsOf } from '../db/rows.js';
import { auditLog } from '../db/schema.js';
import { canonicalJson } from './canonical-json.js';

/** The hash of the (non-existent) row before the first one. */
export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_LOCK = 727002;

export interface AuditEntry {
  actorId: string | null;
  actorRole: string | null;
  actorOrg: string | null;
  action: string;
  partyId?: string | null | undefined;
  target?: string | null | undefined;
  purpose?: string | null | undefined;
  detail?: Record<string, unknown> | null | undefined;
  requestId?: string | null | undefined;
}

type AuditRow = typeof auditLog.$inferSelect;

const json = (v: unknown) => JSON.stringify(v ?? null);

/**
 * The hash of one row: sha256 over the previous hash and the row's canonical JSON (seq included): its
 * keys sorted, as `canonicalJson` writes it, spelled out here because every row read is hashed again.
 */
export function auditRowHash(row: Omit<AuditRow, 'hash'>): string {
  const body =
    `{"action":${json(row.action)},"actorId":${json(row.actorId)},"actorOrg":${json(row.actorOrg)}` +
    `,"actorRole":${json(row.actorRole)},"at":${json(row.at.toISOString())},"detail":${canonicalJson(row.detail)}` +
    `,"partyId":${json(row.partyId)},"purpose":${json(row.purpose)},"requestId":${json(row.requestId)}` +
    `,"seq":${json(row.seq)},"target":${json(row.target)}}`;
  return createHash('sha256').update(row.prevHash).update('\n').update(body).digest('hex');
}

/**
 * Appends one row to the hash-chained audit log inside the caller's transaction. A transaction-level
 * advisory lock serializes appenders so each row links to the one committed before it.
 */
export async function appendAudit(tx: Tx, entry: AuditEntry, now: Date = new Date()): Promise<void> {
  await appendAudits(tx, [entry], now);
}

/**
 * Appends rows to the audit chain in the given order, like `appendAudit` each, with one lock, one read
 * of the head and one insert (a write that touches many parties, e.g. `exchange.import`).
 */
export async function appendAudits(
  tx: Tx,
  entries: readonly AuditEntry[],
  now: Date = new Date(),
): Promise<void> {
  if (entries.length === 0) return;
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
  // Under the lock: the head and the seqs, in one statement (a sequence hands them out in order).
  const drawn = rowsOf<{ seq: string | number; head: string | null }>(
    await tx.execute(
      sql`select nextval(pg_get_serial_sequence('audit_log', 'seq')) as seq,
        (select hash from audit_log order by seq desc limit 1) as head
      from generate_series(1, ${entries.length})`,
    ),
  );
  const seqs = drawn.map((r) => Number(r.seq)).sort((a, b) => a - b);
  let prevHash = drawn[0]?.head ?? GENESIS_HASH;
  const rows = entries.map((entry, i): AuditRow => {
    const row: Omit<AuditRow, 'hash'> = {
      seq: seqs[i] as number,
      at: now,
      actorId: entry.actorId ?? null,
      actorRole: entry.actorRole ?? null,
      actorOrg: entry.actorOrg ?? null,
      action: entry.action,
      partyId: entry.partyId ?? null,
      target: entry.target ?? null,
      purpose: entry.purpose ?? null,
      detail: entry.detail ?? null,
      requestId: entry.requestId ?? null,
      prevHash,
    };
    prevHash = auditRowHash(row);
    return { ...row, hash: prevHash };
  });
  // One statement with one array per column however many rows (a multi-row VALUES costs a bind
  // parameter per cell, and building it took longer than the insert).
  const col = (f: (r: AuditRow) => string | number | null) => pgArray(rows.map(f));
  await tx.execute(sql`insert into audit_log (seq, at, actor_id, actor_role, actor_org, action, party_id,
      target, purpose, detail, request_id, prev_hash, hash)
    select * from unnest(${col((r) => r.seq)}::bigint[], ${col((r) => r.at.toISOString())}::timestamptz[],
      ${col((r) => r.actorId)}::text[], ${col((r) => r.actorRole)}::text[], ${col((r) => r.actorOrg)}::text[],
      ${col((r) => r.action)}::text[], ${col((r) => r.partyId)}::text[], ${col((r) => r.target)}::text[],
      ${col((r) => r.purpose)}::text[], ${col((r) => (r.detail === null ? null : JSON.stringify(r.detail)))}::jsonb[],
      ${col((r) => r.requestId)}::text[], ${col((r) => r.prevHash)}::text[], ${col((r) => r.hash)}::text[])`);
}

/** A PostgreSQL array literal of `values` (each quoted, `null` as NULL), passed as one text parameter. */
function pgArray(values: readonly (string | number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;
}

export type AuditVerification =
  | { ok: true; count: number; head: string }
  | { ok: false; count: number; brokenAt: number; reason: string };

/**
 * Walks the whole audit chain and reports the first row that was changed, removed or reordered.
 * Truncating the newest rows is detected by comparing `head` with a copy kept elsewhere.
 *
 * @example
 * const v = await verifyAuditChain(db);
 * if (!v.ok) console.error(`audit log tampered at seq ${v.brokenAt}: ${v.reason}`);
 */
export async function verifyAuditChain(
  db: Db,
  opts: { expectedHead?: string } = {},
): Promise<AuditVerification> {
  let prev = GENESIS_HASH;
  let after = 0;
  let count = 0;
  for await (const rows of auditPages(db)) {
    for (const row of rows) {
      if (row.prevHash !== prev)
        return {
          ok: false,
          count,
          brokenAt: row.seq,
          reason: 'previous hash does not match (a row before it was changed or removed)',
        };
      if (auditRowHash(row) !== row.hash)
        return { ok: false, count, brokenAt: row.seq, reason: 'row content does not match its hash' };
      prev = row.hash;
      after = row.seq;
      count++;
    }
  }
  if (opts.expectedHead && opts.expectedHead !== prev) {
    return {
      ok: false,
      count,
      brokenAt: after,
      reason: 'chain head differs from the expected head (rows at the end were removed)',
    };
  }
  return { ok: true, count, head: prev };
}

/** The whole audit log in pages of `pageSize` rows, oldest first. */
export async function* auditPages(db: Db, pageSize = 1000): AsyncGenerator<AuditRow[]> {
  for (let after = 0; ; ) {
    const rows = await db.db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, after))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);
    if (rows.length === 0) return;
    yield rows;
    after = (rows.at(-1) as AuditRow).seq;
  }
}
