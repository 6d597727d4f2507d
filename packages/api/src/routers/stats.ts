import { z } from 'zod';
import { statsSeries, statsSummary } from '../services/stats-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { court, isoDate } from '../trpc/validators.js';

export const statsRouter = router({
  /** Counts by color, by category, by court and by month, optionally of one court (see `statsSummary`). */
  summary: procedure
    .input(z.object({ court: court.optional() }).optional())
    .query(({ ctx, input }) => statsSummary(ctx.caller, input?.court)),

  /** Month by month from `from` to `to`: records by category, colors at month end, repairs, gold (see `statsSeries`). */
  series: procedure
    .input(z.object({ from: isoDate, to: isoDate, court: court.optional() }))
    .query(({ ctx, input }) => statsSeries(ctx.caller, input)),
});
