import { TRPCError } from '@trpc/server';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.js';
import { insertApiKey } from '../auth/api-keys.js';
import { COURT_REQUIRED_RULE, lacksRequiredCourt } from '../auth/roles.js';
import { apiKeys } from '../db/schema.js';
import { runWrite } from '../db/write-tx.js';
import { actor } from '../services/access.js';
import { callerOf } from '../trpc/caller.js';
import { procedure, router } from '../trpc/trpc.js';
import { court, idempotencyKey, nonEmptyText } from '../trpc/validators.js';

const keyRole = z.enum(['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange'], {
  message: 'must be one of admin, clerk, judge, enforcement, bank, exchange (parties use session tokens)',
});

function keyView(r: typeof apiKeys.$inferSelect) {
  return {
    id: r.id,
    name: r.name,
    org: r.org,
    role: r.role,
    court: r.court,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

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
      const c = callerOf(ctx);
      const { idempotencyKey: key, ...rest } = input;
      const out = await runWrite(
        c.deps,
        {
          actorId: c.principal.id,
          key,
          procedure: 'apiKey.create',
          input: rest,
          // The key is shown once: a replay finds the key's id, never the key.
          storeAs: ({ key: _shownOnce, ...view }: ReturnType<typeof keyView> & { key: string }) => view,
        },
        async (w) => {
          const { row, key: secretKey } = await insertApiKey(w.tx, c.deps.secret, rest, c.principal.id);
          await appendAudit(
            w.tx,
            {
              ...actor(c),
              action: 'apiKey.create',
              target: row.id,
              detail: { role: row.role, court: row.court },
            },
            c.deps.now(),
          );
          return { ...keyView(row), key: secretKey };
        },
      );
      if (!('key' in out))
        throw new TRPCError({
          code: 'CONFLICT',
          message: `idempotencyKey: this request already created API key ${out.id}, and a key is shown only once; if it was lost, revoke ${out.id} (apiKey.revoke) and create a new one`,
        });
      return out;
    }),

  list: procedure.query(async ({ ctx }) => {
    const rows = await ctx.deps.db.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt));
    return rows.map(keyView);
  }),

  revoke: procedure.input(z.object({ id: nonEmptyText(64), idempotencyKey })).mutation(({ ctx, input }) => {
    const c = callerOf(ctx);
    return runWrite(
      c.deps,
      {
        actorId: c.principal.id,
        key: input.idempotencyKey,
        procedure: 'apiKey.revoke',
        input: { id: input.id },
      },
      async (w) => {
        const [row] = await w.tx.select().from(apiKeys).where(eq(apiKeys.id, input.id)).for('update');
        if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `id: no API key ${input.id}` });
        if (row.revokedAt) return keyView(row);
        const [updated] = await w.tx
          .update(apiKeys)
          .set({ revokedAt: c.deps.now() })
          .where(eq(apiKeys.id, row.id))
          .returning();
        await appendAudit(w.tx, { ...actor(c), action: 'apiKey.revoke', target: row.id }, c.deps.now());
        return keyView(updated ?? row);
      },
    );
  }),
});
