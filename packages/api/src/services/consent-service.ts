import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import { newId } from '../db/ids.js';
import { apiKeys, consents, parties } from '../db/schema.js';
import { today } from '../state/party-state.js';
import type { Caller } from './access.js';
import { auditedWrite, auditRead } from './audit-trail.js';
import { badRequest, forbidden, notFound, quoteId } from './errors.js';

type ConsentRow = typeof consents.$inferSelect;

export function consentView(r: ConsentRow, day: string) {
  return {
    consentId: r.id,
    partyId: r.partyId,
    grantee: r.grantee,
    scopes: r.scopes,
    until: r.until,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
    /** The portal key whose party session granted it. */
    portalKeyId: r.portalKeyId,
    active: r.revokedAt === null && r.until > day,
  };
}

/**
 * A consent as the bank it names sees it: without `portalKeyId`, the id of the portal key whose party
 * session granted it (an internal key id of the court's; the party and the admin see it).
 */
export function bankConsentView(r: ConsentRow, day: string) {
  const { portalKeyId: _, ...view } = consentView(r, day);
  return view;
}

type BankConsentView = ReturnType<typeof bankConsentView>;

/** A consent as `consent.list` shows it: with the party's masked name; `portalKeyId` but for a bank. */
export interface ListedConsent extends BankConsentView {
  portalKeyId?: string | null;
  partyName: string;
}

const MAX_CONSENT_DAYS = 5 * 366;

/**
 * The banks a party may grant consent to: the organizations of active (unrevoked) `bank` API keys, each
 * once, sorted. `org` is what `consent.grant` takes as `grantee`; `name` is what to show (the same text:
 * a consent names the organization, not a key).
 */
export async function listBanks(c: Caller): Promise<{ org: string; name: string }[]> {
  const rows = await c.deps.db.db
    .selectDistinct({ org: apiKeys.org })
    .from(apiKeys)
    .where(and(eq(apiKeys.role, 'bank'), isNull(apiKeys.revokedAt)));
  // Sorted here, by code point: the same order on PGlite and on PostgreSQL whatever its collation.
  return rows
    .map((r) => r.org)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((org) => ({ org, name: org }));
}

/** The party of a party session and the portal key that minted it; FORBIDDEN for any other caller. */
function sessionParty(c: Caller, what: string): { partyId: string; portalKeyId: string } {
  if (c.principal.role !== 'party') forbidden(`only the party may ${what} consent`);
  return { partyId: c.principal.partyId, portalKeyId: c.principal.mintedBy };
}

/**
 * The party lets a bank (named by its API key's organization) read its code and/or issue and fetch its
 * reports until `until` (exclusive, an Asia/Shanghai date).
 */
export async function grantConsent(
  c: Caller,
  input: {
    grantee: string;
    scopes: ('code' | 'report')[];
    until: string;
    idempotencyKey?: string | undefined;
  },
) {
  const { deps } = c;
  const { partyId, portalKeyId } = sessionParty(c, 'grant');
  const day = today(deps);
  if (input.until <= day) badRequest(`until: must be after today (${day})`);
  const limit = new Date(Date.parse(`${day}T00:00:00Z`) + MAX_CONSENT_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10);
  if (input.until > limit) badRequest(`until: must be at most five years ahead (${limit})`);
  const [bank] = await deps.db.db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.org, input.grantee), eq(apiKeys.role, 'bank'), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!bank)
    badRequest(
      'grantee: must be the organization of a registered bank (consent.banks lists them); use the exact name the bank gives you',
    );
  const { idempotencyKey: key, ...rest } = input;
  return auditedWrite(c, { key, input: rest }, async (w) => {
    const [row] = await w.tx
      .insert(consents)
      .values({
        id: newId('cns'),
        partyId,
        grantee: input.grantee,
        scopes: [...input.scopes].sort(),
        until: input.until,
        portalKeyId,
        createdAt: deps.now(),
      })
      .returning();
    const created = row as ConsentRow;
    await w.audit({
      partyId,
      target: created.id,
      detail: { grantee: created.grantee, scopes: created.scopes, until: created.until, portalKeyId },
    });
    return consentView(created, day);
  });
}

/** The party withdraws a consent; the bank is denied from the next request on. */
export async function revokeConsent(
  c: Caller,
  input: { consentId: string; idempotencyKey?: string | undefined },
) {
  const { deps } = c;
  const { partyId } = sessionParty(c, 'revoke');
  return auditedWrite(c, { key: input.idempotencyKey, input: { id: input.consentId } }, async (w) => {
    const [row] = await w.tx.select().from(consents).where(eq(consents.id, input.consentId));
    if (!row || row.partyId !== partyId)
      notFound(`consentId: no consent ${quoteId(input.consentId)} of this party`);
    if (row.revokedAt) return consentView(row, today(deps));
    const [updated] = await w.tx
      .update(consents)
      .set({ revokedAt: deps.now() })
      .where(eq(consents.id, row.id))
      .returning();
    await w.audit({ partyId, target: row.id, detail: { grantee: row.grantee } });
    return consentView(updated ?? row, today(deps));
  });
}

/**
 * Party: its consents. Bank: the consents naming its organization, without the portal key that granted
 * them (`bankConsentView`). Court roles and admin: all (or one party's). Newest first, at most 500;
 * audited as a read of every party listed.
 */
export async function listConsents(
  c: Caller,
  input: { partyId?: string | undefined } = {},
): Promise<ListedConsent[]> {
  const p = c.principal;
  const where: SQL[] = [];
  if (p.role === 'party') {
    if (input.partyId !== undefined && input.partyId !== p.partyId)
      forbidden('partyId: a party session may only list its own consents');
    where.push(eq(consents.partyId, p.partyId));
  } else {
    if (p.role === 'bank') where.push(eq(consents.grantee, p.org));
    if (input.partyId !== undefined) where.push(eq(consents.partyId, input.partyId));
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
    rows.map((r) => r.consent.partyId),
    undefined,
  );
  const day = today(c.deps);
  const view = p.role === 'bank' ? bankConsentView : consentView;
  return rows.map((r) => ({ ...view(r.consent, day), partyName: r.nameMasked }));
}
