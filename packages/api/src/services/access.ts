import { and, eq, gt, isNull } from 'drizzle-orm';
import type { AuditEntry } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import { courtCovers } from '../auth/roles.js';
import { consents } from '../db/schema.js';
import { today } from '../state/party-state.js';
import type { Deps } from './deps.js';
import { forbidden } from './errors.js';

/** What a procedure knows about its caller (built by the authorizing middleware in `trpc.ts`). */
export interface Caller {
  deps: Deps;
  principal: Principal;
  requestId: string;
  /** The tRPC path being called (`record.create`): the action of the audit rows it writes. */
  procedure: string;
}

/** The audit fields of the caller. */
export function actor(c: Caller): Pick<AuditEntry, 'actorId' | 'actorRole' | 'actorOrg' | 'requestId'> {
  return {
    actorId: c.principal.id,
    actorRole: c.principal.role,
    actorOrg: c.principal.org,
    requestId: c.requestId,
  };
}

/** Court roles and the party itself see clear identities; banks see masked ones. */
export function seesClearIdentity(c: Caller, partyId: string): boolean {
  const p = c.principal;
  return p.role === 'party' ? p.partyId === partyId : p.role !== 'bank' && p.role !== 'exchange';
}

/**
 * Party-level access: a party session only for its own party; a bank only under an unexpired,
 * unrevoked consent of that party naming the bank key's org with `scope`.
 */
export async function assertPartyAccess(
  c: Caller,
  partyId: string,
  scope: 'code' | 'report' = 'code',
): Promise<void> {
  const p = c.principal;
  if (p.role === 'party' && p.partyId !== partyId) {
    forbidden('partyId: a party session may only access its own party');
  }
  if (p.role === 'bank') {
    const rows = await c.deps.db.db
      .select({ scopes: consents.scopes })
      .from(consents)
      .where(
        and(
          eq(consents.partyId, partyId),
          eq(consents.grantee, p.org),
          isNull(consents.revokedAt),
          gt(consents.until, today(c.deps)),
        ),
      );
    if (!rows.some((r) => r.scopes.includes(scope))) {
      forbidden(`partyId: no consent of this party for ${p.org} (scope ${scope})`);
    }
  }
}

/** Court scoping for writes: `浙02` covers `浙0212`. */
export function assertCourt(c: Caller, court: string, field = 'court'): void {
  if (!courtCovers(c.principal.court, court)) {
    forbidden(
      c.principal.court === null
        ? `${field}: this key names no court, so it writes for none`
        : `${field}: this key writes only for court ${c.principal.court} and the courts under it, not ${court}`,
    );
  }
}

/**
 * Who reviews an objection to a record: its court's staff (or a court above), as `assertCourt`; a
 * record a partner imported without naming a court is reviewed by the staff of any court, so that no
 * objection is left without anyone who may decide it.
 */
export function assertReviewCourt(
  c: Caller,
  row: { court: string; source: string },
  field = 'recordId',
): void {
  if (row.court === '' && row.source !== 'court' && c.principal.court !== null) return;
  assertCourt(c, row.court, field);
}
