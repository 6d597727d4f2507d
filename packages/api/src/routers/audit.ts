import { z } from 'zod';
import { listAudit } from '../services/audit-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { partyId } from '../trpc/validators.js';

export const auditRouter = router({
  /** Admin: the whole log (optionally one party's). Party: who looked at it. Newest first. */
  list: procedure
    .input(
      z
        .object({
          partyId: partyId.optional(),
          limit: z
            .number()
            .int('must be an integer')
            .min(1, 'must be at least 1')
            .max(500, 'must be at most 500')
            .optional(),
          before: z.number().int('must be an integer').positive('must be positive').optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listAudit(ctx.caller, input)),
});
