import { z } from 'zod';
import { amendRecord, createRecord, listRecords, revokeRecord } from '../services/record-service.js';
import { procedure, router } from '../trpc/trpc.js';
import {
  caseNumber,
  categoryCode,
  court,
  idempotencyKey,
  isoDate,
  nonEmptyText,
  partyId,
  REPAIRS_MAX,
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
    .mutation(({ ctx, input }) => createRecord(ctx.caller, input)),

  repair: procedure
    .input(
      z.object({
        ...common,
        category: z.literal('B01', { message: 'a repair is category B01' }).optional(),
        repairs: z
          .array(recordId)
          .min(1, 'must list at least one record id')
          .max(REPAIRS_MAX, `at most ${REPAIRS_MAX} records`),
      }),
    )
    .mutation(({ ctx, input }) => createRecord(ctx.caller, { ...input, category: input.category ?? 'B01' })),

  revoke: procedure
    .input(z.object({ recordId, reason: nonEmptyText(1000), idempotencyKey }))
    .mutation(({ ctx, input }) => revokeRecord(ctx.caller, input)),

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
    .mutation(({ ctx, input }) => amendRecord(ctx.caller, input)),

  list: procedure
    .input(z.object({ partyId }))
    .query(({ ctx, input }) => listRecords(ctx.caller, input.partyId)),
});
