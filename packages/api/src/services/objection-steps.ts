import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../db/database.js';
import { changes, objections } from '../db/schema.js';
import type { Caller } from './access.js';
import type { AuditedScope } from './audit-trail.js';

export type ObjectionRow = typeof objections.$inferSelect;

/** Appends the change-feed row of an objection step (`objection.filed`, `objection.resolved`) and touches the party. */
export async function objectionChange(
  c: Caller,
  w: AuditedScope,
  o: ObjectionRow,
  kind: string,
  data: Record<string, unknown>,
) {
  await w.tx
    .insert(changes)
    .values({ partyId: o.partyId, kind, recordId: o.recordId, at: c.deps.now(), data });
  // The badge says whether a record is under objection: every process drops the party's cached badges.
  w.touch(o.partyId);
}

/**
 * Closes the open objections to records just revoked otherwise than by upholding them (`record.revoke`,
 * a source withdrawing its record): upheld, the revocation their reason — the record objected to is gone,
 * so it no longer shows as under objection nor waits in the queue of overdue objections.
 */
export async function closeObjectionsOfRevoked(
  tx: Tx,
  by: string,
  now: Date,
  revoked: readonly { id: string; reason: string }[],
): Promise<ObjectionRow[]> {
  if (revoked.length === 0) return [];
  const reasons = new Map(revoked.map((r) => [r.id, r.reason]));
  const open = await tx
    .select()
    .from(objections)
    .where(and(inArray(objections.recordId, [...reasons.keys()]), eq(objections.status, 'open')));
  const closed: ObjectionRow[] = [];
  for (const o of open) {
    const [row] = await tx
      .update(objections)
      .set({
        status: 'upheld',
        resolution: `record revoked: ${reasons.get(o.recordId)}`,
        resolvedBy: by,
        resolvedAt: now,
      })
      .where(eq(objections.id, o.id))
      .returning();
    closed.push(row as ObjectionRow);
  }
  return closed;
}
