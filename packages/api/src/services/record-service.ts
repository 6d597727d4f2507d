import { addDuration, type Category, isIsoDate } from '@fivecolor/core';
import { asc, eq, inArray } from 'drizzle-orm';
import { rowsDetail } from '../audit/row-hash.js';
import { newId } from '../db/ids.js';
import { changes, recordRevisions, records } from '../db/schema.js';
import { lockPartyState, type PartyStateRow, recomputeLocked, today } from '../state/party-state.js';
import { assertCourt, assertPartyAccess, assertReviewCourt, type Caller } from './access.js';
import { type AuditedScope, auditedWrite, auditRead } from './audit-trail.js';
import type { Deps } from './deps.js';
import { badRequest, conflict, forbidden, notFound, quoteId } from './errors.js';
import { closeObjectionsOfRevoked, objectionChange } from './objection-steps.js';
import { loadParty, openObjectionsOf } from './party-service.js';
import { isArchived, seesArchived } from './retention.js';
import { classificationView, recordView } from './views.js';

export interface CreateRecordInput {
  partyId: string;
  category: string;
  court: string;
  caseNumber: { value: string; court: string };
  effectiveFrom: string;
  effectiveUntil?: string | null | undefined;
  note?: string | undefined;
  repairs?: string[] | undefined;
  idempotencyKey?: string | undefined;
}

/** The policy's category, or BAD_REQUEST naming the field. */
export function categoryOf(deps: Deps, code: string, field = 'category'): Category {
  const cat = deps.policy.categories.find((c) => c.code === code);
  if (!cat) badRequest(`${field}: unknown category ${code}; use a code of the catalog (policy.get)`);
  if (cat.color === 'green')
    badRequest(
      `${field}: ${code} (normal status) is the implicit state of every party and is never entered as a record`,
    );
  return cat;
}

/**
 * A record takes effect when its decision does: a start more than a year after today (CST) is a typing
 * error (`2099` for `2019`), not a plan.
 */
export function checkStart(deps: Deps, from: string): void {
  const limit = addDuration(today(deps), 'P1Y');
  if (from > limit) badRequest(`effectiveFrom: must be at most one year after today (${limit})`);
}

/** Resolves the stored end date: explicit, indefinite (null), or the category's default duration. */
export function resolveUntil(cat: Category, from: string, until: string | null | undefined): string | null {
  if (until === undefined) {
    if (cat.duration === null) return null;
    const end = addDuration(from, cat.duration);
    if (!isIsoDate(end))
      badRequest(
        `effectiveFrom: too late for the default duration ${cat.duration} of ${cat.code}; give effectiveUntil`,
      );
    return end;
  }
  if (until !== null && until <= from)
    badRequest('effectiveUntil: must be after effectiveFrom (the interval is [from, until))');
  return until;
}

/**
 * Appends a record (or a repair, when `repairs` is given) and recomputes the party's state in the
 * same transaction, under the party's row lock.
 */
export async function createRecord(c: Caller, input: CreateRecordInput) {
  const { deps } = c;
  const cat = categoryOf(deps, input.category);
  if (cat.code === 'G01' || cat.color === 'gold') {
    if (c.principal.role !== 'enforcement')
      forbidden('category: gold (G01) records are entered by enforcement only');
  }
  if (input.repairs === undefined && cat.color === 'blue')
    badRequest(`category: ${cat.code} is a credit repair; use record.repair with the ids it repairs`);
  assertCourt(c, input.court);
  assertCourt(c, input.caseNumber.court, 'caseNumber');
  checkStart(deps, input.effectiveFrom);
  const effectiveUntil = resolveUntil(cat, input.effectiveFrom, input.effectiveUntil);
  const { idempotencyKey, ...rest } = input;
  return auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
    const prev = await lockPartyState(w.tx, input.partyId);
    if (input.repairs) {
      const targets = await w.tx.select().from(records).where(inArray(records.id, input.repairs));
      input.repairs.forEach((id, i) => {
        const t = targets.find((r) => r.id === id);
        if (!t || t.partyId !== input.partyId)
          badRequest(`repairs.${i}: no record ${quoteId(id)} of this party`);
        // A repair lifts the records it lists: like a revocation, only for the key's own courts.
        assertCourt(c, t.court, `repairs.${i}`);
        if (t.revokedAt) badRequest(`repairs.${i}: record ${id} is revoked`);
        const tc = deps.policy.categories.find((x) => x.code === t.category);
        if (!tc?.repairable)
          badRequest(`repairs.${i}: record ${id} is of category ${t.category}, which is not repairable`);
      });
    }
    const recordId = newId('rec');
    const [row] = await w.tx
      .insert(records)
      .values({
        id: recordId,
        partyId: input.partyId,
        category: cat.code,
        court: input.court,
        caseNumber: input.caseNumber.value,
        effectiveFrom: input.effectiveFrom,
        effectiveUntil,
        repairs: input.repairs ?? null,
        note: input.note ?? null,
        createdBy: c.principal.id,
        createdAt: deps.now(),
      })
      .returning();
    const classification = await recordEvent(c, w, prev, {
      kind: 'record.created',
      recordId,
      change: { category: cat.code },
      audit: { category: cat.code, court: input.court, ...rowsDetail('records', row ? [row] : []) },
    });
    return {
      recordId,
      record: recordView(row as NonNullable<typeof row>, deps.policy, today(deps)),
      classification: classificationView(classification),
    };
  });
}

/**
 * Reads a record, checks the caller's court covers it (refusals name `field`) and, unless
 * `anyColor`, that gold records and repairs are left to enforcement; then locks the party's state and
 * reads the record again under the lock.
 */
export async function lockRecord(
  c: Caller,
  w: AuditedScope,
  recordId: string,
  opts: { field?: string; anyColor?: boolean; review?: boolean } = {},
) {
  const field = opts.field ?? 'recordId';
  const [found] = await w.tx.select().from(records).where(eq(records.id, recordId));
  if (!found) notFound(`${field}: no record ${quoteId(recordId)}`);
  if (opts.review) assertReviewCourt(c, found, field);
  else assertCourt(c, found.court, field);
  if (!opts.anyColor) assertRevisable(c, found, field);
  const prev = await lockPartyState(w.tx, found.partyId);
  const [row] = await w.tx.select().from(records).where(eq(records.id, recordId));
  return { prev, row: row as typeof found };
}

/** Gold records and repairs are revoked and amended by enforcement only (FORBIDDEN naming `field`). */
export function assertRevisable(c: Caller, row: typeof records.$inferSelect, field = 'recordId'): void {
  const color = c.deps.policy.categories.find((x) => x.code === row.category)?.color;
  if ((color === 'gold' || color === 'blue') && c.principal.role !== 'enforcement')
    forbidden(
      `${field}: ${row.category} is a ${color === 'gold' ? 'gold' : 'credit repair'} record; gold records and repairs are revoked and amended by enforcement only`,
    );
}

/**
 * The revocation of a locked record, shared by `record.revoke` and an upheld objection: the record
 * keeps its row with `revokedAt` and the reason, the party's color is recomputed, and the change feed
 * (`record.revoked`) and the audit trail say why (`change` and `audit` add to the reason).
 */
export async function revokeLocked(
  c: Caller,
  w: AuditedScope,
  prev: PartyStateRow,
  row: typeof records.$inferSelect,
  e: { reason: string; field?: string; change?: Record<string, unknown>; audit?: Record<string, unknown> },
) {
  if (row.revokedAt) conflict(`${e.field ?? 'recordId'}: record ${row.id} is already revoked`);
  const now = c.deps.now();
  const out = await updateRecord(c, w, prev, row.id, {
    set: { revokedAt: now, revokeReason: e.reason, revokedBy: c.principal.id },
    kind: 'record.revoked',
    change: { reason: e.reason, ...e.change },
    audit: { reason: e.reason, ...e.audit },
  });
  // Its open objection is moot: closed as upheld, the revocation its reason.
  for (const o of await closeObjectionsOfRevoked(w.tx, c.principal.id, now, [
    { id: row.id, reason: e.reason },
  ])) {
    await objectionChange(c, w, o, 'objection.resolved', { objectionId: o.id, decision: 'upheld' });
    await w.audit({
      partyId: o.partyId,
      target: o.id,
      detail: { recordId: o.recordId, decision: 'upheld', reason: o.resolution },
    });
  }
  return out;
}

/** Revokes a record entered in error: an audited state change with a reason, never a delete. */
export async function revokeRecord(
  c: Caller,
  input: { recordId: string; reason: string; idempotencyKey?: string | undefined },
) {
  const { idempotencyKey, ...rest } = input;
  return auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
    const { prev, row } = await lockRecord(c, w, input.recordId);
    return {
      recordId: row.id,
      revoked: true,
      ...(await revokeLocked(c, w, prev, row, { reason: input.reason })),
    };
  });
}

export interface AmendInput {
  recordId: string;
  reason: string;
  effectiveFrom?: string | undefined;
  effectiveUntil?: string | null | undefined;
  caseNumber?: { value: string; court: string } | undefined;
  note?: string | undefined;
  idempotencyKey?: string | undefined;
}

/** Amends a record's dates, case number or note; the previous version is kept with the reason. */
export async function amendRecord(c: Caller, input: AmendInput) {
  const { deps } = c;
  if (
    input.effectiveFrom === undefined &&
    input.effectiveUntil === undefined &&
    input.caseNumber === undefined &&
    input.note === undefined
  ) {
    badRequest('input: give at least one of effectiveFrom, effectiveUntil, caseNumber, note to amend');
  }
  if (input.caseNumber) assertCourt(c, input.caseNumber.court, 'caseNumber');
  if (input.effectiveFrom !== undefined) checkStart(deps, input.effectiveFrom);
  const { idempotencyKey, ...rest } = input;
  return auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
    const { prev, row } = await lockRecord(c, w, input.recordId);
    if (row.revokedAt) conflict(`recordId: record ${row.id} is revoked and cannot be amended`);
    const after = {
      effectiveFrom: input.effectiveFrom ?? row.effectiveFrom,
      effectiveUntil:
        input.effectiveUntil === undefined
          ? untilAfterMove(deps, row, input.effectiveFrom)
          : input.effectiveUntil,
      caseNumber: input.caseNumber?.value ?? row.caseNumber,
      note: input.note ?? row.note,
    };
    if (after.effectiveUntil !== null && after.effectiveUntil <= after.effectiveFrom)
      badRequest('effectiveUntil: must be after effectiveFrom (the interval is [from, until))');
    const before = {
      effectiveFrom: row.effectiveFrom,
      effectiveUntil: row.effectiveUntil,
      caseNumber: row.caseNumber,
      note: row.note,
    };
    await w.tx.insert(recordRevisions).values({
      recordId: row.id,
      revision: row.revision + 1,
      before,
      after,
      reason: input.reason,
      actorId: c.principal.id,
      createdAt: deps.now(),
    });
    return {
      recordId: row.id,
      revision: row.revision + 1,
      ...(await updateRecord(c, w, prev, row.id, {
        set: { ...after, revision: row.revision + 1 },
        kind: 'record.amended',
        change: { reason: input.reason },
        audit: { reason: input.reason, before, after },
      })),
    };
  });
}

/**
 * The end of a record whose start is amended alone: an end that is the category's default term from the
 * old start (as `record.create` derived it) moves with the start, as `exchange.import` derives it again;
 * an end given explicitly stays.
 */
function untilAfterMove(
  deps: Deps,
  row: { category: string; effectiveFrom: string; effectiveUntil: string | null },
  from: string | undefined,
): string | null {
  if (from === undefined || row.effectiveUntil === null) return row.effectiveUntil;
  const cat = categoryOf(deps, row.category);
  if (cat.duration === null || addDuration(row.effectiveFrom, cat.duration) !== row.effectiveUntil)
    return row.effectiveUntil;
  return resolveUntil(cat, from, undefined);
}

/**
 * What every record write does after changing the record, in its transaction: the change-feed row, the
 * party's recomputed state (with a color-change row when it moved) and the audit entry.
 */
async function recordEvent(
  c: Caller,
  w: AuditedScope,
  prev: PartyStateRow,
  e: {
    kind: string;
    recordId: string;
    change: Record<string, unknown>;
    audit: Record<string, unknown>;
  },
) {
  const { deps } = c;
  await w.tx
    .insert(changes)
    .values({ partyId: prev.partyId, kind: e.kind, recordId: e.recordId, at: deps.now(), data: e.change });
  const classification = await recomputeLocked(deps, w, prev, c.procedure);
  await w.audit({ partyId: prev.partyId, target: e.recordId, detail: e.audit });
  return classification;
}

/** A party's records, oldest first, audited as a read. */
export async function listRecords(c: Caller, partyId: string) {
  await assertPartyAccess(c, partyId);
  await loadParty(c, partyId);
  const rows = await c.deps.db.db
    .select()
    .from(records)
    .where(eq(records.partyId, partyId))
    .orderBy(asc(records.effectiveFrom), asc(records.createdAt));
  const objected = await openObjectionsOf(c, partyId);
  await auditRead(c, partyId, undefined);
  const day = today(c.deps);
  return rows
    .filter((r) => seesArchived(c.principal) || !isArchived(r, day, c.deps.policy))
    .map((r) => recordView(r, c.deps.policy, day, objected.get(r.id) ?? null));
}

/** Updates a locked record, then does what every record write does (`recordEvent`). */
async function updateRecord(
  c: Caller,
  w: AuditedScope,
  prev: PartyStateRow,
  recordId: string,
  e: {
    set: Partial<typeof records.$inferInsert>;
    kind: string;
    change: Record<string, unknown>;
    audit: Record<string, unknown>;
  },
) {
  const [updated] = await w.tx.update(records).set(e.set).where(eq(records.id, recordId)).returning();
  // The audit entry carries the hash of the row as written (`fivecolor-server verify` compares it).
  const audit = { ...e.audit, ...rowsDetail('records', updated ? [updated] : []) };
  const classification = await recordEvent(c, w, prev, { ...e, audit, recordId });
  return {
    record: recordView(updated as typeof records.$inferSelect, c.deps.policy, today(c.deps)),
    classification: classificationView(classification),
  };
}
