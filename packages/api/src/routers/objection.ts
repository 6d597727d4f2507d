import { z } from 'zod';
import { fileObjection, listObjections, resolveObjection } from '../services/objection-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { idempotencyKey, nonEmptyText, partyId, recordId } from '../trpc/validators.js';

const objectionId = recordId;

export const objectionRouter = router({
  /**
   * The party objects to one of its records (异议), or a judge / enforcement files a written objection
   * on its behalf; due 15 calendar days after filing. One open objection per record.
   */
  file: procedure
    .input(z.object({ recordId, reason: nonEmptyText(2000), idempotencyKey }))
    .mutation(({ ctx, input }) => fileObjection(ctx.caller, input)),

  /** A judge of the record's court (or above) decides: `upheld` revokes the record, `rejected` keeps it. */
  resolve: procedure
    .input(
      z.object({
        objectionId,
        decision: z.enum(['upheld', 'rejected'], { message: "must be 'upheld' or 'rejected'" }),
        reason: nonEmptyText(2000),
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => resolveObjection(ctx.caller, input)),

  /** Court staff: all objections (or one party's); a party session: its own. Newest first. */
  list: procedure
    .input(
      z
        .object({
          status: z
            .enum(['open', 'overdue', 'resolved'], { message: "must be 'open', 'overdue' or 'resolved'" })
            .optional(),
          partyId: partyId.optional(),
          cursor: z.string().max(512, 'must be at most 512 characters').optional(),
          limit: z
            .number()
            .int('must be an integer')
            .min(1, 'must be at least 1')
            .max(200, 'must be at most 200')
            .optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listObjections(ctx.caller, input)),
});
