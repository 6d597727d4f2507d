import { TRPCError } from '@trpc/server';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog } from '../db/schema.js';
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
    .query(async ({ ctx, input }) => {
      const p = ctx.principal;
      let party = input?.partyId;
      if (p.role === 'party') {
        if (party !== undefined && party !== p.partyId)
          throw new TRPCError({
            code: 'FORBIDDEN',
            message: 'partyId: a party session may only list its own audit trail',
          });
        party = p.partyId;
      }
      const where: SQL[] = [];
      if (party !== undefined) where.push(eq(auditLog.partyId, party));
      if (input?.before !== undefined) where.push(lt(auditLog.seq, input.before));
      const limit = input?.limit ?? 100;
      const rows = await ctx.deps.db.db
        .select()
        .from(auditLog)
        .where(and(...where))
        .orderBy(desc(auditLog.seq))
        .limit(limit);
      return {
        items: rows.map((r) => ({
          seq: r.seq,
          at: r.at.toISOString(),
          actorRole: r.actorRole,
          actorOrg: r.actorOrg,
          ...(p.role === 'admin'
            ? { actorId: r.actorId, target: r.target, requestId: r.requestId, hash: r.hash }
            : {}),
          action: r.action,
          partyId: r.partyId,
          purpose: r.purpose,
        })),
        nextBefore: rows.length === limit ? (rows.at(-1)?.seq ?? null) : null,
      };
    }),
});
