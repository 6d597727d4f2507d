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

/** The hash of one row: sha256 over the previous hash and the row's canonical JSON (seq included). */
export function auditRowHash(row: Omit<AuditRow, 'hash'>): string {
  const body = canonicalJson({
    seq: row.seq,
    at: row.at.toISOString(),
    actorId: row.actorId,
    actorRole: row.actorRole,
    actorOrg: row.actorOrg,
    action: row.action,
    partyId: row.partyId,
    target: row.target,
    purpose: row.purpose,
    detail: row.detail,
    requestId: row.requestId,
  });
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
  const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  const seqs = rowsOf<{ seq: string | number }>(
    await tx.execute(
      sql`select nextval(pg_get_serial_sequence('audit_log', 'seq')) as seq from generate_series(1, ${entries.length})`,
    ),
  )
    .map((r) => Number(r.seq))
    .sort((a, b) => a - b);
  let prevHash = last?.hash ?? GENESIS_HASH;
  const rows = entries.map((entry, i) => {
    const row: Omit<AuditRow, 'hash'> = {
      seq: seqs[i] as number,
      at: now,
      actorId: entry.actorId,
      actorRole: entry.actorRole,
      actorOrg: entry.actorOrg,
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
  for (let i = 0; i < rows.length; i += 500) await tx.insert(auditLog).values(rows.slice(i, i + 500));
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
