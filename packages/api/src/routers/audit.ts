import { z } from 'zod';
import { AUDIT_KINDS, listAudit, verifyAudit } from '../services/audit-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { isoDate, partyId, text } from '../trpc/validators.js';

export const auditRouter = router({
  /** Admin: the whole log (optionally one party's). Party: who looked at it. Newest first; `kind` for both. */
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
          /** Admin filters: actor key id, action (`record.create`), period of CST dates. */
          actorId: text(64).optional(),
          action: text(64).optional(),
          from: isoDate.optional(),
          to: isoDate.optional(),
          /** Who: `court` staff, a `bank`, a `verification` of a report, the party (`self`), or `other`. */
          kind: z.enum(AUDIT_KINDS, { message: `must be one of ${AUDIT_KINDS.join(', ')}` }).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listAudit(ctx.caller, input)),

  /** Admin: verifies the audit chain and the rows it vouches for; the chain's head and newest checkpoint. */
  verify: procedure.query(({ ctx }) => verifyAudit(ctx.caller)),
});
