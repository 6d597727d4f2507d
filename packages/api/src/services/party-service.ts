import { explain, type Lang, maskIdNumber, maskName, timeline } from '@fivecolor/core';
import { and, asc, eq } from 'drizzle-orm';
import { signPartySession } from '../auth/session.js';
import { newId } from '../db/ids.js';
import { objections, parties, partyState, records } from '../db/schema.js';
import { isUniqueViolation } from '../db/write-tx.js';
import { materializeParty, stateToClassification, toCreditRecord } from '../state/materialize.js';
import { freshPartyState, today } from '../state/party-state.js';
import { assertPartyAccess, type Caller, seesClearIdentity } from './access.js';
import { auditedWrite, auditRead } from './audit-trail.js';
import { badRequest, notFound, quoteId } from './errors.js';
import { isArchived, seesArchived, unarchivedTimeline } from './retention.js';
import {
  classificationView,
  type OpenObjectionView,
  openObjectionView,
  partyIdentityView,
  recordView,
} from './views.js';

export interface RegisterInput {
  kind: 'person' | 'org';
  idType: string;
  idNumber: string;
  name: string;
  idempotencyKey?: string | undefined;
}

const ORG_TYPES = new Set(['USCC']);

/** Registers a party, or returns the existing one for the same identity. */
export async function registerParty(c: Caller, input: RegisterInput) {
  const { deps } = c;
  if ((input.kind === 'org') !== ORG_TYPES.has(input.idType))
    badRequest(
      `kind: must be '${ORG_TYPES.has(input.idType) ? 'org' : 'person'}' for idType ${input.idType}`,
    );
  const identityHash = deps.crypto.identityHash(input.idType, input.idNumber);
  const existing = async () => {
    const [p] = await deps.db.db.select().from(parties).where(eq(parties.identityHash, identityHash));
    return p;
  };
  const { idempotencyKey, ...rest } = input;
  const write = () =>
    auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
      const [found] = await w.tx.select().from(parties).where(eq(parties.identityHash, identityHash));
      if (found) {
        // Telling the caller the identity is registered (and its masked name) is a read of the party.
        await w.audit({ partyId: found.id, detail: { existing: true } });
        return { partyId: found.id, kind: found.kind, created: false, nameMasked: found.nameMasked };
      }
      const partyId = newId('pty');
      const nameMasked = maskName(input.name, input.kind);
      await w.tx.insert(parties).values({
        id: partyId,
        kind: input.kind,
        idType: input.idType,
        identityHash,
        idNumberEnc: deps.crypto.encrypt(input.idNumber),
        nameEnc: deps.crypto.encrypt(input.name),
        nameMasked,
        idNumberMasked: input.kind === 'org' ? input.idNumber : maskIdNumber(input.idType, input.idNumber),
        createdBy: c.principal.id,
        createdAt: deps.now(),
      });
      await w.tx.insert(partyState).values({
        ...materializeParty(partyId, [], { asOf: today(deps), policy: deps.policy }),
        version: 1,
      });
      await w.audit({ partyId });
      return { partyId, kind: input.kind, created: true, nameMasked };
    });
  try {
    return await write();
  } catch (err) {
    if (!isUniqueViolation(err, 'parties_identity_hash_uq')) throw err;
    const p = await existing();
    if (!p) throw err;
    await auditRead(c, p.id, undefined, { detail: { existing: true } });
    return { partyId: p.id, kind: p.kind, created: false, nameMasked: p.nameMasked };
  }
}

/** `partyDetails` of the party with this identity; NOT_FOUND naming `idNumber` when none is registered. */
export async function lookupParty(
  c: Caller,
  input: { idType: string; idNumber: string; purpose?: string | undefined; lang?: Lang | undefined },
) {
  const hash = c.deps.crypto.identityHash(input.idType, input.idNumber);
  const [p] = await c.deps.db.db
    .select({ id: parties.id })
    .from(parties)
    .where(eq(parties.identityHash, hash));
  if (!p) notFound('idNumber: no party with this identity is registered');
  return partyDetails(c, p.id, input.purpose, input.lang);
}

/** The party row; NOT_FOUND naming `partyId` when there is none. */
export async function loadParty(c: Caller, partyId: string) {
  const [p] = await c.deps.db.db.select().from(parties).where(eq(parties.id, partyId));
  if (!p) notFound(`partyId: no party ${quoteId(partyId)}`);
  return p;
}

/** The open objections of a party's records, by record id (the flag `recordView` shows). */
export async function openObjectionsOf(c: Caller, partyId: string): Promise<Map<string, OpenObjectionView>> {
  const rows = await c.deps.db.db
    .select()
    .from(objections)
    .where(and(eq(objections.partyId, partyId), eq(objections.status, 'open')));
  return new Map(rows.map((o) => [o.recordId, openObjectionView(o)]));
}

/** `{ party, classification, records }` of a party, audited as a read. */
export async function partyDetails(c: Caller, partyId: string, purpose?: string, lang: Lang = 'zh-CN') {
  await assertPartyAccess(c, partyId, 'code');
  const party = await loadParty(c, partyId);
  const state = await freshPartyState(c.deps, partyId);
  if (!state) notFound(`partyId: no party ${quoteId(partyId)}`);
  const day = today(c.deps);
  const all =
    c.principal.role === 'bank'
      ? []
      : await c.deps.db.db
          .select()
          .from(records)
          .where(eq(records.partyId, partyId))
          .orderBy(asc(records.effectiveFrom), asc(records.createdAt));
  // Archived records (retention) stay for court staff only; they count for nothing either way.
  const rows = seesArchived(c.principal) ? all : all.filter((r) => !isArchived(r, day, c.deps.policy));
  const objected =
    rows.length > 0 ? await openObjectionsOf(c, partyId) : new Map<string, OpenObjectionView>();
  await auditRead(c, partyId, purpose);
  return {
    party: partyIdentityView(party, c.deps.crypto, seesClearIdentity(c, partyId)),
    classification: classificationView(stateToClassification(state, today(c.deps))),
    version: state.version,
    records: rows.map((r) => recordView(r, c.deps.policy, day, objected.get(r.id) ?? null)),
    // Why this color (PIPL Art. 24): counting records, legal basis, until when, how to repair.
    explanation:
      c.principal.role === 'bank'
        ? null
        : // Every record: a repair may list an archived one (core refuses a repair of an unknown record).
          explain(all.map(toCreditRecord), { asOf: day, policy: c.deps.policy, lang }),
  };
}

/** The party's whole-time color timeline (core's `timeline`), audited as a read. */
export async function partyTimeline(c: Caller, partyId: string, purpose?: string) {
  await assertPartyAccess(c, partyId, 'code');
  await loadParty(c, partyId);
  const rows = await c.deps.db.db.select().from(records).where(eq(records.partyId, partyId));
  await auditRead(c, partyId, purpose);
  const segments = timeline(rows.map(toCreditRecord), { policy: c.deps.policy });
  // The party itself does not see the colors of its archived records (retention); court staff do.
  return {
    partyId,
    segments: seesArchived(c.principal) ? segments : unarchivedTimeline(segments, today(c.deps)),
  };
}

/**
 * A party session token for the online-service portal (a `portal` key: the portal has authenticated
 * the litigant), audited against the party; the token names the portal key and dies with it. Nothing
 * is stored but the audit row, so it takes no idempotency key.
 */
export async function issueSession(c: Caller, partyId: string) {
  await loadParty(c, partyId);
  await auditedWrite(c, { input: null }, (w) => w.audit({ partyId }));
  return signPartySession(c.deps.session, partyId, c.principal.id, c.deps.now());
}
