import { z } from 'zod';
import { simulatePolicy } from '../services/policy-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { isoDate } from '../trpc/validators.js';

export const policyRouter = router({
  /** The active classification policy (id, precedence, categories). */
  get: procedure.query(({ ctx }) => ctx.caller.deps.policy),

  /**
   * What a candidate policy (core's format, checked by `validatePolicy`) would do to every party as of
   * `asOf` (default today), without writing: a mutation only because a policy is too long for a URL.
   */
  simulate: procedure
    .input(z.object({ policy: z.unknown(), asOf: isoDate.optional() }))
    .mutation(({ ctx, input }) => simulatePolicy(ctx.caller, input)),
});
