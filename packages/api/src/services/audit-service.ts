import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { auditLog } from '../db/schema.js';
import type { Caller } from './access.js';
import { forbidden } from './errors.js';

/**
 * Admin: the whole audit log (optionally one party's). Party: who looked at it. Newest first, paged by
 * `before` (a `seq`); only an admin sees actor ids, targets, request ids and hashes.
 */
export async function listAudit(
  c: Caller,
  input: { partyId?: string | undefined; limit?: number | undefined; before?: number | undefined } = {},
) {
  const p = c.principal;
  let party = input.partyId;
  if (p.role === 'party') {
    if (party !== undefined && party !== p.partyId)
      forbidden('partyId: a party session may only list its own audit trail');
    party = p.partyId;
  }
  const where: SQL[] = [];
  if (party !== undefined) where.push(eq(auditLog.partyId, party));
  if (input.before !== undefined) where.push(lt(auditLog.seq, input.before));
  const limit = input.limit ?? 100;
  const rows = await c.deps.db.db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.seq))
    .limit(limit);
  return {
    items: rows.map((r) => ({
      seq: r.seq,
      at: r.at.toISOString(),
      actorRole: r.actorRole,
      actorOrg: r.actorOrg,
      ...(p.role === 'admin'
        ? { actorId: r.actorId, target: r.target, requestId: r.requestId, hash: r.hash }
        : {}),
      action: r.action,
      partyId: r.partyId,
      purpose: r.purpose,
    })),
    nextBefore: rows.length === limit ? (rows.at(-1)?.seq ?? null) : null,
  };
}
