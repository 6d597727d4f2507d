import { statsSummary } from '../services/stats-service.js';
import { procedure, router } from '../trpc/trpc.js';

export const statsRouter = router({
  /** Counts by color, by category, by court and by month (see `statsSummary`). */
  summary: procedure.query(({ ctx }) => statsSummary(ctx.caller.deps)),
});
