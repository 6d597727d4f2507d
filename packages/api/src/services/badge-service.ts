import { and, eq, isNull } from 'drizzle-orm';
import { badgeTokenHash, newBadgeToken } from '../auth/badge-tokens.js';
import { badgeTokens, parties } from '../db/schema.js';
import { assertPartyAccess, type Caller } from './access.js';
import { auditedWrite } from './audit-trail.js';
import { notFound, quoteId } from './errors.js';

/** A new public badge token of a party: `{ token, path, url? }` (the token is stored hashed only). */
export async function issueBadgeToken(
  c: Caller,
  input: { partyId: string; idempotencyKey?: string | undefined },
) {
  const { deps } = c;
  await assertPartyAccess(c, input.partyId);
  return auditedWrite(c, { key: input.idempotencyKey, input: { partyId: input.partyId } }, async (w) => {
    const [p] = await w.tx.select({ id: parties.id }).from(parties).where(eq(parties.id, input.partyId));
    if (!p) notFound(`partyId: no party ${quoteId(input.partyId)}`);
    const token = newBadgeToken();
    await w.tx.insert(badgeTokens).values({
      tokenHash: badgeTokenHash(token),
      partyId: p.id,
      createdBy: c.principal.id,
      createdAt: deps.now(),
    });
    await w.audit({ partyId: p.id });
    // No touch: nothing cached can name a token that did not exist (24 random bytes cannot be asked for
    // before they are issued), and a NOTIFY would only drop this party's cached badges in every process.
    const base = deps.publicUrl?.replace(/\/$/, '');
    return { token, path: `/v1/badge/${token}`, ...(base ? { url: `${base}/v1/badge/${token}` } : {}) };
  });
}

/** Revokes a badge token: its badge answers 404 from then on, in every process. */
export async function revokeBadgeToken(
  c: Caller,
  input: { token: string; idempotencyKey?: string | undefined },
) {
  const { deps } = c;
  const hash = badgeTokenHash(input.token);
  const [row] = await deps.db.db.select().from(badgeTokens).where(eq(badgeTokens.tokenHash, hash));
  if (!row) notFound('token: unknown badge token');
  await assertPartyAccess(c, row.partyId);
  return auditedWrite(c, { key: input.idempotencyKey, input: { hash } }, async (w) => {
    await w.tx
      .update(badgeTokens)
      .set({ revokedAt: deps.now() })
      .where(and(eq(badgeTokens.tokenHash, hash), isNull(badgeTokens.revokedAt)));
    await w.audit({ partyId: row.partyId });
    w.touch(row.partyId);
    return { revoked: true };
  });
}
