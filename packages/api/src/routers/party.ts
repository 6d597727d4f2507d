import { createHash, randomBytes } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.js';
import { signPartySession } from '../auth/session.js';
import { badgeTokens, parties } from '../db/schema.js';
import { runWrite } from '../db/write-tx.js';
import { actor, assertPartyAccess } from '../services/access.js';
import { findPartyId, partyDetails, partyTimeline, registerParty } from '../services/party-service.js';
import { screeningsOfCase, screenParties } from '../services/screen-service.js';
import { callerOf } from '../trpc/caller.js';
import { procedure, router } from '../trpc/trpc.js';
import {
  caseNumber,
  idempotencyKey,
  nonEmptyText,
  partyId,
  partyKind,
  purpose,
  text,
  withIdentity,
} from '../trpc/validators.js';

const ORG_TYPES = new Set(['USCC']);
const lang = z.enum(['zh-CN', 'en'], { message: "must be 'zh-CN' or 'en'" }).optional();

/** sha256 of a badge token: the token itself is a bearer capability and is not stored. */
export function badgeTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const partyRouter = router({
  register: procedure
    .input(withIdentity({ kind: partyKind, name: nonEmptyText(100), idempotencyKey }))
    .mutation(({ ctx, input }) => {
      if ((input.kind === 'org') !== ORG_TYPES.has(input.idType)) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `kind: must be '${ORG_TYPES.has(input.idType) ? 'org' : 'person'}' for idType ${input.idType}`,
        });
      }
      return registerParty(callerOf(ctx), input);
    }),

  lookup: procedure.input(withIdentity({ purpose, lang })).mutation(async ({ ctx, input }) => {
    const c = callerOf(ctx);
    const id = await findPartyId(c, input.idType, input.idNumber);
    if (!id)
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: 'idNumber: no party with this identity is registered',
      });
    return partyDetails(c, id, 'party.lookup', input.purpose, input.lang);
  }),

  get: procedure
    .input(z.object({ partyId, purpose, lang }))
    .query(({ ctx, input }) =>
      partyDetails(callerOf(ctx), input.partyId, 'party.get', input.purpose, input.lang),
    ),

  timeline: procedure
    .input(z.object({ partyId, purpose }))
    .query(({ ctx, input }) => partyTimeline(callerOf(ctx), input.partyId, input.purpose)),

  screen: procedure
    .input(
      z.object({
        caseNumber,
        parties: z
          .array(withIdentity({ kind: partyKind.optional(), name: text(100).optional() }))
          .min(1, 'must list at least one party')
          .max(200, 'at most 200 parties per case'),
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => screenParties(callerOf(ctx), input)),

  screenings: procedure
    .input(z.object({ caseNumber }))
    .query(({ ctx, input }) => screeningsOfCase(callerOf(ctx), input.caseNumber.value)),

  issueSession: procedure.input(z.object({ partyId })).mutation(async ({ ctx, input }) => {
    const c = callerOf(ctx);
    const [p] = await c.deps.db.db
      .select({ id: parties.id })
      .from(parties)
      .where(eq(parties.id, input.partyId));
    if (!p) throw new TRPCError({ code: 'NOT_FOUND', message: `partyId: no party ${input.partyId}` });
    await runWrite(c.deps, { actorId: c.principal.id, procedure: 'party.issueSession', input: null }, (w) =>
      appendAudit(w.tx, { ...actor(c), action: 'party.issueSession', partyId: p.id }, c.deps.now()),
    );
    return signPartySession(c.deps.session, p.id, c.deps.now());
  }),

  issueBadgeToken: procedure.input(z.object({ partyId, idempotencyKey })).mutation(async ({ ctx, input }) => {
    const c = callerOf(ctx);
    await assertPartyAccess(c, input.partyId);
    return runWrite(
      c.deps,
      {
        actorId: c.principal.id,
        key: input.idempotencyKey,
        procedure: 'party.issueBadgeToken',
        input: { partyId: input.partyId },
      },
      async (w) => {
        const [p] = await w.tx.select({ id: parties.id }).from(parties).where(eq(parties.id, input.partyId));
        if (!p) throw new TRPCError({ code: 'NOT_FOUND', message: `partyId: no party ${input.partyId}` });
        const token = `bdg_${randomBytes(24).toString('base64url')}`;
        await w.tx.insert(badgeTokens).values({
          tokenHash: badgeTokenHash(token),
          partyId: p.id,
          createdBy: c.principal.id,
          createdAt: c.deps.now(),
        });
        await appendAudit(
          w.tx,
          { ...actor(c), action: 'party.issueBadgeToken', partyId: p.id },
          c.deps.now(),
        );
        const base = c.deps.publicUrl?.replace(/\/$/, '');
        return { token, path: `/v1/badge/${token}`, ...(base ? { url: `${base}/v1/badge/${token}` } : {}) };
      },
    );
  }),

  revokeBadgeToken: procedure
    .input(z.object({ token: text(128), idempotencyKey }))
    .mutation(async ({ ctx, input }) => {
      const c = callerOf(ctx);
      const hash = badgeTokenHash(input.token);
      const [row] = await c.deps.db.db.select().from(badgeTokens).where(eq(badgeTokens.tokenHash, hash));
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'token: unknown badge token' });
      await assertPartyAccess(c, row.partyId);
      return runWrite(
        c.deps,
        {
          actorId: c.principal.id,
          key: input.idempotencyKey,
          procedure: 'party.revokeBadgeToken',
          input: { hash },
        },
        async (w) => {
          await w.tx
            .update(badgeTokens)
            .set({ revokedAt: c.deps.now() })
            .where(and(eq(badgeTokens.tokenHash, hash), isNull(badgeTokens.revokedAt)));
          await appendAudit(
            w.tx,
            { ...actor(c), action: 'party.revokeBadgeToken', partyId: row.partyId },
            c.deps.now(),
          );
          w.touch(row.partyId);
          return { revoked: true };
        },
      );
    }),
});
