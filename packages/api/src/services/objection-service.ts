import { and, desc, eq, lt, ne, notExists, or, type SQL } from 'drizzle-orm';
import { newId } from '../db/ids.js';
import { objections, records } from '../db/schema.js';
import { lockPartyState, recomputeLocked, today } from '../state/party-state.js';
import { assertReviewCourt, type Caller } from './access.js';
import { auditedWrite, auditRead } from './audit-trail.js';
import { badRequest, conflict, forbidden, notFound, quoteId } from './errors.js';
import { type ObjectionRow, objectionChange } from './objection-steps.js';
import { assertRevisable, lockRecord, revokeLocked } from './record-service.js';
import { archivedRecord, isArchived, seesArchived } from './retention.js';
import { classificationView, objectionDueDate } from './views.js';

/** An objection as listed: `overdue` when it is open past its due date (domain §8). */
export function objectionView(o: ObjectionRow, day: string) {
  const dueDate = objectionDueDate(o.createdAt);
  return {
    objectionId: o.id,
    recordId: o.recordId,
    partyId: o.partyId,
    status: o.status as 'open' | 'upheld' | 'rejected',
    overdue: o.status === 'open' && day > dueDate,
    filedAt: o.createdAt.toISOString(),
    dueDate,
    reason: o.reason,
    ...(o.status === 'open'
      ? {}
      : {
          resolution: {
            decision: o.status as 'upheld' | 'rejected',
            reason: o.resolution ?? '',
            resolvedAt: o.resolvedAt?.toISOString() ?? null,
          },
        }),
  };
}

/**
 * A party objects to one of its records (a party session), or a judge / enforcement of the record's
 * court files a written objection on its behalf. The record keeps counting, flagged as under objection,
 * until a judge resolves it; the objection is due 15 calendar days after the filing date (CST).
 */
export async function fileObjection(
  c: Caller,
  input: { recordId: string; reason: string; idempotencyKey?: string | undefined },
) {
  const { deps } = c;
  const p = c.principal;
  const { idempotencyKey, ...rest } = input;
  return auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
    const [found] = await w.tx.select().from(records).where(eq(records.id, input.recordId));
    if (p.role === 'party') {
      // The same refusal for an unknown id and another party's record: a session learns nothing.
      if (!found || found.partyId !== p.partyId)
        forbidden(`recordId: no record ${quoteId(input.recordId)} of this party`);
    } else {
      if (!found) notFound(`recordId: no record ${quoteId(input.recordId)}`);
      assertReviewCourt(c, found, 'recordId');
    }
    // Under the party's lock: one open objection per record, even for concurrent filings.
    await lockPartyState(w.tx, found.partyId);
    const [row] = await w.tx.select().from(records).where(eq(records.id, found.id));
    if (row?.revokedAt) conflict(`recordId: record ${found.id} is revoked; there is nothing to object to`);
    if (row && isArchived(row, today(deps), deps.policy))
      conflict(
        `recordId: record ${found.id} is archived (its term ended more than five years ago); it counts for nothing`,
      );
    const [open] = await w.tx
      .select({ id: objections.id })
      .from(objections)
      .where(and(eq(objections.recordId, found.id), eq(objections.status, 'open')));
    if (open)
      conflict(`recordId: record ${found.id} already has an open objection ${open.id}; one at a time`);
    const [inserted] = await w.tx
      .insert(objections)
      .values({
        id: newId('obj'),
        recordId: found.id,
        partyId: found.partyId,
        reason: input.reason,
        status: 'open',
        createdAt: deps.now(),
      })
      .returning();
    const o = inserted as ObjectionRow;
    const dueDate = objectionDueDate(o.createdAt);
    await objectionChange(c, w, o, 'objection.filed', { objectionId: o.id, dueDate });
    await w.audit({
      partyId: o.partyId,
      target: o.id,
      detail: { recordId: o.recordId, dueDate, onBehalf: p.role !== 'party' },
    });
    return {
      objectionId: o.id,
      recordId: o.recordId,
      status: 'open' as const,
      filedAt: o.createdAt.toISOString(),
      dueDate,
    };
  });
}

/**
 * A judge (or enforcement) of the record's court, or a court above it, decides an open objection with
 * a written reason: `upheld` revokes the record (the objection is the reason) and recomputes the color
 * at once; `rejected` leaves the record as it is.
 */
export async function resolveObjection(
  c: Caller,
  input: {
    objectionId: string;
    decision: 'upheld' | 'rejected';
    reason: string;
    idempotencyKey?: string | undefined;
  },
) {
  const { deps } = c;
  const { idempotencyKey, ...rest } = input;
  return auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
    const [found] = await w.tx.select().from(objections).where(eq(objections.id, input.objectionId));
    if (!found) notFound(`objectionId: no objection ${quoteId(input.objectionId)}`);
    const { prev, row } = await lockRecord(c, w, found.recordId, {
      field: 'objectionId',
      anyColor: true,
      review: true,
    });
    const [o] = await w.tx.select().from(objections).where(eq(objections.id, found.id));
    if (o?.status !== 'open')
      conflict(`objectionId: objection ${found.id} is already resolved (${o?.status ?? found.status})`);
    const upheld = input.decision === 'upheld';
    if (upheld) assertRevisable(c, row, 'objectionId');
    const [updated] = await w.tx
      .update(objections)
      .set({
        status: input.decision,
        resolution: input.reason,
        resolvedBy: c.principal.id,
        resolvedAt: deps.now(),
      })
      .where(eq(objections.id, o.id))
      .returning();
    const resolved = updated as ObjectionRow;
    // Upheld: the record is revoked with the objection as the reason (unless it already was) — first, as
    // when `record.revoke` or a source's withdrawal closes an objection: the revocation, then what it
    // closed. The objection's status is written before, so the revocation does not close it again.
    const revoked =
      upheld && row.revokedAt === null
        ? await revokeLocked(c, w, prev, row, {
            reason: `objection ${o.id} upheld: ${input.reason}`,
            field: 'objectionId',
            change: { objectionId: o.id },
            audit: { objectionId: o.id },
          })
        : undefined;
    await objectionChange(c, w, resolved, 'objection.resolved', {
      objectionId: o.id,
      decision: input.decision,
    });
    await w.audit({
      partyId: o.partyId,
      target: o.id,
      detail: { recordId: o.recordId, decision: input.decision, reason: input.reason },
    });
    const classification =
      revoked?.classification ?? classificationView(await recomputeLocked(deps, w, prev, c.procedure));
    return { objectionId: o.id, status: input.decision, classification };
  });
}

/** The cursor of the next page: the last item's filing time and id, opaque to the caller. */
function encodeCursor(o: ObjectionRow): string {
  return Buffer.from(JSON.stringify([o.createdAt.toISOString(), o.id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const when = typeof at === 'string' ? new Date(at) : null;
    if (when && !Number.isNaN(when.getTime()) && typeof id === 'string') return { at: when, id };
  } catch {
    // falls through to the refusal
  }
  badRequest('cursor: must be a nextCursor returned by objection.list');
}

/** The first instant (CST midnight) from which an objection filed on `day - 15` is no longer overdue. */
function overdueBefore(day: string): Date {
  const filed = new Date(Date.parse(`${day}T00:00:00Z`) - 15 * 86_400_000).toISOString().slice(0, 10);
  return new Date(`${filed}T00:00:00+08:00`);
}

/**
 * Court staff: every objection (or one party's); a party session: its own. Newest first, paged by
 * `cursor`; filtered by `status` (`open` includes the overdue ones); audited as a read of every party
 * listed.
 */
export async function listObjections(
  c: Caller,
  input: {
    status?: 'open' | 'overdue' | 'resolved' | undefined;
    partyId?: string | undefined;
    cursor?: string | undefined;
    limit?: number | undefined;
  } = {},
) {
  const p = c.principal;
  let party = input.partyId;
  if (p.role === 'party') {
    if (party !== undefined && party !== p.partyId)
      forbidden('partyId: a party session may only list its own objections');
    party = p.partyId;
  }
  const day = today(c.deps);
  const where: SQL[] = [];
  if (party !== undefined) where.push(eq(objections.partyId, party));
  if (input.status === 'open') where.push(eq(objections.status, 'open'));
  if (input.status === 'overdue')
    where.push(eq(objections.status, 'open'), lt(objections.createdAt, overdueBefore(day)));
  if (input.status === 'resolved') where.push(ne(objections.status, 'open'));
  // Objections to archived records go with them (retention): court staff see them, nobody else.
  if (!seesArchived(p))
    where.push(
      notExists(
        c.deps.db.db
          .select({ id: records.id })
          .from(records)
          .where(and(eq(records.id, objections.recordId), archivedRecord(c.deps.policy, day))),
      ),
    );
  if (input.cursor !== undefined) {
    const after = decodeCursor(input.cursor);
    where.push(
      or(
        lt(objections.createdAt, after.at),
        and(eq(objections.createdAt, after.at), lt(objections.id, after.id)),
      ) as SQL,
    );
  }
  const limit = input.limit ?? 50;
  const rows = await c.deps.db.db
    .select()
    .from(objections)
    .where(and(...where))
    .orderBy(desc(objections.createdAt), desc(objections.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  await auditRead(
    c,
    page.map((o) => o.partyId),
    undefined,
  );
  const last = page.at(-1);
  return {
    items: page.map((o) => objectionView(o, day)),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}
