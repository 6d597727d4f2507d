import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { COURT_REQUIRED_RULE, lacksRequiredCourt } from '../auth/roles.js';
import { createKey, listKeys, revokeKey, whoami } from '../services/api-key-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { court, idempotencyKey, nonEmptyText } from '../trpc/validators.js';

const keyRole = z.enum(['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange', 'portal'], {
  message:
    'must be one of admin, clerk, judge, enforcement, bank, exchange, portal (parties use session tokens)',
});

export const apiKeyRouter = router({
  create: procedure
    .input(
      z
        .object({
          role: keyRole,
          name: nonEmptyText(100),
          org: nonEmptyText(100).optional(),
          court: court.optional(),
          idempotencyKey,
        })
        .refine((k) => !lacksRequiredCourt(k.role, k.court), {
          path: ['court'],
          message: COURT_REQUIRED_RULE,
        }),
    )
    .mutation(async ({ ctx, input }) => {
      const out = await createKey(ctx.caller, input);
      if (out.kind === 'replayed')
        throw new TRPCError({
          code: 'CONFLICT',
          message: `idempotencyKey: this request already created API key ${out.id}, and a key is shown only once; if it was lost, revoke ${out.id} (apiKey.revoke) and create a new one`,
        });
      return out.key;
    }),

  list: procedure.query(({ ctx }) => listKeys(ctx.caller)),

  /** The calling key's (or party session's) identity: name, org, role, court. */
  whoami: procedure.query(({ ctx }) => whoami(ctx.caller)),

  revoke: procedure
    .input(z.object({ id: nonEmptyText(64), idempotencyKey }))
    .mutation(({ ctx, input }) => revokeKey(ctx.caller, input)),
});
