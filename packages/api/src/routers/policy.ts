import { procedure, router } from '../trpc/trpc.js';

export const policyRouter = router({
  /** The active classification policy (id, precedence, categories). */
  get: procedure.query(({ ctx }) => ctx.caller.deps.policy),
});
