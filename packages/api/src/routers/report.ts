import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { callerVerifier, issueReport, listReports, verifyOnline } from '../reports/report-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { idempotencyKey, partyId, purpose } from '../trpc/validators.js';

export const reportRouter = router({
  /**
   * Issues a signed judicial integrity report: the party itself, a judge on its behalf, or a bank
   * under the party's `report` consent. The code is returned only here (stored hashed).
   */
  issue: procedure
    .input(z.object({ partyId, purpose, idempotencyKey }))
    .mutation(({ ctx, input }) => issueReport(ctx.caller, input)),

  /**
   * The reports issued for a party, newest first (`{ items: [{ reportNo, issuedAt, expiresAt, policyId,
   * color, purpose? }] }`): the party itself or court staff. Never a code or the signed report.
   */
  list: procedure
    .input(z.object({ partyId, purpose }))
    .query(({ ctx, input }) => listReports(ctx.caller, input)),

  /** Online verification: `{ valid, reason?, report, signed?, colorNow }`; wrong codes are rate-limited. */
  verify: procedure
    .input(
      z.object({
        reportNo: z.string().min(1, 'must not be empty').max(40, 'must be at most 40 characters'),
        code: z.string().min(1, 'must not be empty').max(16, 'must be at most 16 characters'),
      }),
    )
    .query(async ({ ctx, input }) => {
      const out = await verifyOnline(ctx.caller.deps, input, callerVerifier(ctx.caller));
      if (out.result.reason === 'rate_limited')
        throw new TRPCError({
          code: 'TOO_MANY_REQUESTS',
          message: `code: too many wrong codes; try again in ${out.kind === 'invalid' ? (out.retryAfter ?? 60) : 60} s`,
        });
      if (out.result.reason === 'malformed')
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message:
            'reportNo, code: a report number looks like 浙02-2026-000123 and a code has 8 letters or digits',
        });
      return out.result;
    }),
});
