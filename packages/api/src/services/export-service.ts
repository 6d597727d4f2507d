import { timeline } from '@fivecolor/core';
import { asc, desc, eq } from 'drizzle-orm';
import { auditAboutParty } from '../audit/audit-log.js';
import { auditLog, consents, objections, records, reports } from '../db/schema.js';
import { stateToClassification, toCreditRecord } from '../state/materialize.js';
import { freshPartyState, today } from '../state/party-state.js';
import { assertPartyAccess, type Caller } from './access.js';
import { auditRead } from './audit-trail.js';
import { consentView } from './consent-service.js';
import { notFound, quoteId } from './errors.js';
import { objectionView } from './objection-service.js';
import { loadParty, openObjectionsOf } from './party-service.js';
import { classificationView, partyIdentityView, recordView } from './views.js';

/** Most audit rows an export lists (newest first); a party read more often than this is told so. */
export const EXPORT_ACCESS_LOG_MAX = 10_000;

/**
 * Everything the system holds about a party, as one JSON document (PIPL Art. 45; domain §8): its
 * identity in clear, the color and every record with its status and source (archived ones included and
 * marked), the color timeline, the reports issued (without their codes), consents, objections, and who
 * looked (the audit rows about it). For the party itself, or court staff on its behalf; audited.
 */
export async function exportParty(c: Caller, partyId: string) {
  const { deps } = c;
  await assertPartyAccess(c, partyId);
  const party = await loadParty(c, partyId);
  const state = await freshPartyState(deps, partyId);
  if (!state) notFound(`partyId: no party ${quoteId(partyId)}`);
  const db = deps.db.db;
  const day = today(deps);
  const rows = await db
    .select()
    .from(records)
    .where(eq(records.partyId, partyId))
    .orderBy(asc(records.effectiveFrom), asc(records.createdAt));
  const objected = await openObjectionsOf(c, partyId);
  const issued = await db
    .select()
    .from(reports)
    .where(eq(reports.partyId, partyId))
    .orderBy(asc(reports.issuedAt));
  const consentRows = await db
    .select()
    .from(consents)
    .where(eq(consents.partyId, partyId))
    .orderBy(asc(consents.createdAt));
  const objectionRows = await db
    .select()
    .from(objections)
    .where(eq(objections.partyId, partyId))
    .orderBy(asc(objections.createdAt));
  const looked = await db
    .select()
    .from(auditLog)
    .where(auditAboutParty(partyId))
    .orderBy(desc(auditLog.seq))
    .limit(EXPORT_ACCESS_LOG_MAX + 1);
  await auditRead(c, partyId, 'data export');
  return {
    exportedAt: deps.now().toISOString(),
    party: partyIdentityView(party, deps.crypto, true),
    classification: classificationView(stateToClassification(state, day)),
    records: rows.map((r) => recordView(r, deps.policy, day, objected.get(r.id) ?? null)),
    timeline: timeline(rows.map(toCreditRecord), { policy: deps.policy }),
    reports: issued.map((r) => ({
      reportNo: r.reportNo,
      issuedAt: r.issuedAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      policyId: r.policyId,
      color: (r.snapshot as { classification?: { color?: string } }).classification?.color ?? null,
    })),
    consents: consentRows.map((r) => consentView(r, day)),
    objections: objectionRows.map((o) => objectionView(o, day)),
    accessLog: {
      items: looked.slice(0, EXPORT_ACCESS_LOG_MAX).map((a) => ({
        at: a.at.toISOString(),
        actorRole: a.actorRole,
        actorOrg: a.actorOrg,
        action: a.action,
        purpose: a.purpose,
      })),
      truncated: looked.length > EXPORT_ACCESS_LOG_MAX,
    },
  };
}
