import { createHash } from 'node:crypto';
import { asc, gt, type SQL, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/database.js';
import { AUDIT_LOCK } from '../db/locks.js';
import { pgArray } from '../db/pg-array.js';
import { rowsOf } from '../db/rows.js';
import { auditLog } from '../db/schema.js';
import { canonicalJson } from './canonical-json.js';

/** The hash of the (non-existent) row before the first one. */
export const GENESIS_HASH = '0'.repeat(64);

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
export function auditRowHash(row: Omit<AuditRow, 'hash'>, at = row.at.toISOString()): string {
  const body =
    `{"action":${json(row.action)},"actorId":${json(row.actorId)},"actorOrg":${json(row.actorOrg)}` +
    `,"actorRole":${json(row.actorRole)},"at":${json(at)},"detail":${canonicalJson(row.detail)}` +
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
  const at = now.toISOString();
  // The batch column by column, for one insert with one array per column (a multi-row VALUES costs a
  // bind parameter per cell, and building it took longer than the insert).
  const cols = Array.from({ length: 12 }, (): (string | number | null)[] => []);
  entries.forEach((entry, i) => {
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
    const hash = auditRowHash(row, at);
    const values = [
      row.seq,
      row.actorId,
      row.actorRole,
      row.actorOrg,
      row.action,
      row.partyId,
      row.target,
      row.purpose,
      row.detail === null ? null : JSON.stringify(row.detail),
      row.requestId,
      prevHash,
      hash,
    ];
    for (const [k, v] of values.entries()) cols[k]?.push(v);
    prevHash = hash;
  });
  const [seq, actorId, actorRole, actorOrg, action, partyId, target, purpose, detail, requestId, prev, hash] =
    cols.map(pgArray);
  await tx.execute(sql`insert into audit_log (seq, at, actor_id, actor_role, actor_org, action, party_id,
      target, purpose, detail, request_id, prev_hash, hash)
    select seq, ${at}::timestamptz, actor_id, actor_role, actor_org, action, party_id, target, purpose, detail,
      request_id, prev_hash, hash
    from unnest(${seq}::bigint[], ${actorId}::text[], ${actorRole}::text[], ${actorOrg}::text[],
      ${action}::text[], ${partyId}::text[], ${target}::text[], ${purpose}::text[], ${detail}::jsonb[],
      ${requestId}::text[], ${prev}::text[], ${hash}::text[])
      as r(seq, actor_id, actor_role, actor_org, action, party_id, target, purpose, detail, request_id,
        prev_hash, hash)`);
}

/**
 * The audit rows about a party: those that name it in `party_id`, and those that vouch for a read of
 * many parties at once (a page of the change feed) and list it in `detail.parties` (found through the
 * `audit_log_parties_idx` index, built from the chained row itself).
 *
 * @example
 * await db.db.select().from(auditLog).where(auditAboutParty(partyId)).orderBy(desc(auditLog.seq));
 */
export function auditAboutParty(partyId: string): SQL {
  return sql`(${auditLog.partyId} = ${partyId} or (${auditLog.detail} ? 'parties'
    and (${auditLog.detail} -> 'parties') @> ${JSON.stringify([partyId])}::jsonb))`;
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
