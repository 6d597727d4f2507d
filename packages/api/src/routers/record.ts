import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { records } from '../db/schema.js';
import { assertPartyAccess } from '../services/access.js';
import { auditRead, loadParty } from '../services/party-service.js';
import { amendRecord, createRecord, revokeRecord } from '../services/record-service.js';
import { recordView } from '../services/views.js';
import { callerOf } from '../trpc/caller.js';
import { procedure, router } from '../trpc/trpc.js';
import {
  caseNumber,
  categoryCode,
  court,
  idempotencyKey,
  isoDate,
  nonEmptyText,
  partyId,
  recordId,
  text,
} from '../trpc/validators.js';

const common = {
  partyId,
  court,
  caseNumber,
  effectiveFrom: isoDate,
  effectiveUntil: isoDate.nullable().optional(),
  note: text(2000).optional(),
  idempotencyKey,
};

export const recordRouter = router({
  create: procedure
    .input(z.object({ ...common, category: categoryCode }))
    .mutation(({ ctx, input }) => createRecord(callerOf(ctx), input, 'record.create')),

  repair: procedure
    .input(
      z.object({
        ...common,
        category: z.literal('B01', { message: 'a repair is category B01' }).optional(),
        repairs: z.array(recordId).min(1, 'must list at least one record id').max(100, 'at most 100 records'),
      }),
    )
    .mutation(({ ctx, input }) =>
      createRecord(callerOf(ctx), { ...input, category: input.category ?? 'B01' }, 'record.repair'),
    ),

  revoke: procedure
    .input(z.object({ recordId, reason: nonEmptyText(1000), idempotencyKey }))
    .mutation(({ ctx, input }) => revokeRecord(callerOf(ctx), input)),

  amend: procedure
    .input(
      z.object({
        recordId,
        reason: nonEmptyText(1000),
        effectiveFrom: isoDate.optional(),
        effectiveUntil: isoDate.nullable().optional(),
        caseNumber: caseNumber.optional(),
        note: text(2000).optional(),
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => amendRecord(callerOf(ctx), input)),

  list: procedure.input(z.object({ partyId })).query(async ({ ctx, input }) => {
    const c = callerOf(ctx);
    await assertPartyAccess(c, input.partyId);
    await loadParty(c, input.partyId);
    const rows = await c.deps.db.db
      .select()
      .from(records)
      .where(eq(records.partyId, input.partyId))
      .orderBy(asc(records.effectiveFrom), asc(records.createdAt));
    await auditRead(c, 'record.list', input.partyId, undefined);
    return rows.map((r) => recordView(r, c.deps.policy));
  }),
});
