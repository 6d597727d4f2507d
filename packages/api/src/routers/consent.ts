import { TRPCError } from '@trpc/server';
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.js';
import { newId } from '../db/ids.js';
import { apiKeys, consents, parties } from '../db/schema.js';
import { runWrite } from '../db/write-tx.js';
import { actor } from '../services/access.js';
import { auditRead } from '../services/party-service.js';
import { today } from '../state/party-state.js';
import { callerOf } from '../trpc/caller.js';
import { procedure, router } from '../trpc/trpc.js';
import { idempotencyKey, isoDate, nonEmptyText, partyId } from '../trpc/validators.js';

type ConsentRow = typeof consents.$inferSelect;

function consentView(r: ConsentRow, day: string) {
  return {
    consentId: r.id,
    partyId: r.partyId,
    grantee: r.grantee,
    scopes: r.scopes,
    until: r.until,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
    active: r.revokedAt === null && r.until > day,
  };
}

const scopes = z
  .array(z.enum(['code', 'report'], { message: "must be 'code' or 'report'" }))
  .min(1, "must list at least one of 'code', 'report'")
  .max(2, "must list 'code', 'report' or both")
  .refine((s) => new Set(s).size === s.length, 'must not repeat a scope');

const MAX_CONSENT_DAYS = 5 * 366;

export const consentRouter = router({
  /**
   * The party lets a bank (named by its API key's organization) read its code and/or issue and
   * fetch its reports until `until` (exclusive, an Asia/Shanghai date).
   */
  grant: procedure
    .input(z.object({ grantee: nonEmptyText(100), scopes, until: isoDate, idempotencyKey }))
    .mutation(async ({ ctx, input }) => {
      const c = callerOf(ctx);
      const p = c.principal;
      if (p.role !== 'party')
        throw new TRPCError({ code: 'FORBIDDEN', message: 'only the party may grant consent' });
      const day = today(c.deps);
      if (input.until <= day)
        throw new TRPCError({ code: 'BAD_REQUEST', message: `until: must be after today (${day})` });
      const limit = new Date(Date.parse(`${day}T00:00:00Z`) + MAX_CONSENT_DAYS * 86_400_000)
        .toISOString()
        .slice(0, 10);
      if (input.until > limit)
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `until: must be at most five years ahead (${limit})`,
        });
      const [bank] = await c.deps.db.db
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(eq(apiKeys.org, input.grantee), eq(apiKeys.role, 'bank'), isNull(apiKeys.revokedAt)))
        .limit(1);
      if (!bank)
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message:
            'grantee: no bank of that organization is registered; use the exact name the bank gives you',
        });
      const { idempotencyKey: key, ...rest } = input;
      return runWrite(c.deps, { actorId: p.id, key, procedure: 'consent.grant', input: rest }, async (w) => {
        const [row] = await w.tx
          .insert(consents)
          .values({
            id: newId('cns'),
            partyId: p.partyId,
            grantee: input.grantee,
            scopes: [...input.scopes].sort(),
            until: input.until,
            createdAt: c.deps.now(),
          })
          .returning();
        const created = row as ConsentRow;
        await appendAudit(
          w.tx,
          {
            ...actor(c),
            action: 'consent.grant',
            partyId: p.partyId,
            target: created.id,
            detail: { grantee: created.grantee, scopes: created.scopes, until: created.until },
          },
          c.deps.now(),
        );
        return consentView(created, day);
      });
    }),

  /** The party withdraws a consent; the bank is denied from the next request on. */
  revoke: procedure
    .input(z.object({ consentId: partyId, idempotencyKey }))
    .mutation(async ({ ctx, input }) => {
      const c = callerOf(ctx);
      const p = c.principal;
      if (p.role !== 'party')
        throw new TRPCError({ code: 'FORBIDDEN', message: 'only the party may revoke consent' });
      return runWrite(
        c.deps,
        {
          actorId: p.id,
          key: input.idempotencyKey,
          procedure: 'consent.revoke',
          input: { id: input.consentId },
        },
        async (w) => {
          const [row] = await w.tx.select().from(consents).where(eq(consents.id, input.consentId));
          if (!row || row.partyId !== p.partyId)
            throw new TRPCError({
              code: 'NOT_FOUND',
              message: `consentId: no consent ${input.consentId} of this party`,
            });
          if (row.revokedAt) return consentView(row, today(c.deps));
          const [updated] = await w.tx
            .update(consents)
            .set({ revokedAt: c.deps.now() })
            .where(eq(consents.id, row.id))
            .returning();
          await appendAudit(
            w.tx,
            {
              ...actor(c),
              action: 'consent.revoke',
              partyId: p.partyId,
              target: row.id,
              detail: { grantee: row.grantee },
            },
            c.deps.now(),
          );
          return consentView(updated ?? row, today(c.deps));
        },
      );
    }),

  /** Party: its consents. Bank: the consents naming its organization. Admin: all (or one party's). Newest first. */
  list: procedure
    .input(z.object({ partyId: partyId.optional() }).optional())
    .query(async ({ ctx, input }) => {
      const c = callerOf(ctx);
      const p = c.principal;
      const where: SQL[] = [];
      if (p.role === 'party') {
        if (input?.partyId !== undefined && input.partyId !== p.partyId)
          throw new TRPCError({
            code: 'FORBIDDEN',
            message: 'partyId: a party session may only list its own consents',
          });
        where.push(eq(consents.partyId, p.partyId));
      } else {
        if (p.role === 'bank') where.push(eq(consents.grantee, p.org));
        if (input?.partyId !== undefined) where.push(eq(consents.partyId, input.partyId));
      }
      const rows = await c.deps.db.db
        .select({ consent: consents, nameMasked: parties.nameMasked })
        .from(consents)
        .innerJoin(parties, eq(parties.id, consents.partyId))
        .where(and(...where))
        .orderBy(desc(consents.createdAt))
        .limit(500);
      await auditRead(
        c,
        'consent.list',
        rows.map((r) => r.consent.partyId),
        undefined,
      );
      const day = today(c.deps);
      return rows.map((r) => ({ ...consentView(r.consent, day), partyName: r.nameMasked }));
    }),
});
