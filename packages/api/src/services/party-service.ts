import { explain, type Lang, maskIdNumber, maskName, timeline } from '@fivecolor/core';
import { TRPCError } from '@trpc/server';
import { asc, eq } from 'drizzle-orm';
import { type AuditEntry, appendAudit } from '../audit/audit-log.js';
import { newId } from '../db/ids.js';
import { parties, partyState, records } from '../db/schema.js';
import { isUniqueViolation, runWrite } from '../db/write-tx.js';
import { materializeParty, stateToClassification, toCreditRecord } from '../state/materialize.js';
import { freshPartyState, today } from '../state/party-state.js';
import { actor, assertPartyAccess, type Caller, seesClearIdentity } from './access.js';
import { classificationView, partyIdentityView, recordView } from './views.js';

export interface RegisterInput {
  kind: 'person' | 'org';
  idType: string;
  idNumber: string;
  name: string;
  idempotencyKey?: string | undefined;
}

/** Registers a party, or returns the existing one for the same identity. */
export async function registerParty(c: Caller, input: RegisterInput) {
  const { deps } = c;
  const identityHash = deps.crypto.identityHash(input.idType, input.idNumber);
  const existing = async () => {
    const [p] = await deps.db.db.select().from(parties).where(eq(parties.identityHash, identityHash));
    return p;
  };
  const { idempotencyKey, ...rest } = input;
  const write = () =>
    runWrite(
      deps,
      { actorId: c.principal.id, key: idempotencyKey, procedure: 'party.register', input: rest },
      async (w) => {
        const [found] = await w.tx.select().from(parties).where(eq(parties.identityHash, identityHash));
        if (found) {
          // Telling the caller the identity is registered (and its masked name) is a read of the party.
          await appendAudit(
            w.tx,
            { ...actor(c), action: 'party.register', partyId: found.id, detail: { existing: true } },
            deps.now(),
          );
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
        await appendAudit(w.tx, { ...actor(c), action: 'party.register', partyId }, deps.now());
        return { partyId, kind: input.kind, created: true, nameMasked };
      },
    );
  try {
    return await write();
  } catch (err) {
    if (!isUniqueViolation(err, 'parties_identity_hash_uq')) throw err;
    const p = await existing();
    if (!p) throw err;
    await auditRead(c, 'party.register', p.id, undefined, { detail: { existing: true } });
    return { partyId: p.id, kind: p.kind, created: false, nameMasked: p.nameMasked };
  }
}

/** The party id of an identity, or null. */
export async function findPartyId(c: Caller, idType: string, idNumber: string): Promise<string | null> {
  const hash = c.deps.crypto.identityHash(idType, idNumber);
  const [p] = await c.deps.db.db
    .select({ id: parties.id })
    .from(parties)
    .where(eq(parties.identityHash, hash));
  return p?.id ?? null;
}

/** The party row; NOT_FOUND naming `partyId` when there is none. */
export async function loadParty(c: Caller, partyId: string) {
  const [p] = await c.deps.db.db.select().from(parties).where(eq(parties.id, partyId));
  if (!p) throw new TRPCError({ code: 'NOT_FOUND', message: `partyId: no party ${partyId}` });
  return p;
}

/** Writes the audit rows of a read of one party or several (one row per distinct party, one transaction). */
export async function auditRead(
  c: Caller,
  action: string,
  partyId: string | readonly string[],
  purpose: string | undefined,
  extra: Pick<AuditEntry, 'target' | 'detail'> = {},
) {
  const ids = [...new Set(typeof partyId === 'string' ? [partyId] : partyId)];
  if (ids.length === 0) return;
  await runWrite(c.deps, { actorId: c.principal.id, procedure: action, input: null }, async (w) => {
    for (const id of ids)
      await appendAudit(
        w.tx,
        { ...actor(c), ...extra, action, partyId: id, purpose: purpose ?? null },
        c.deps.now(),
      );
  });
}

/** `{ party, classification, records }` of a party, audited as a read. */
export async function partyDetails(
  c: Caller,
  partyId: string,
  action: string,
  purpose?: string,
  lang: Lang = 'zh-CN',
) {
  await assertPartyAccess(c, partyId, 'code');
  const party = await loadParty(c, partyId);
  const state = await freshPartyState(c.deps, partyId);
  if (!state) throw new TRPCError({ code: 'NOT_FOUND', message: `partyId: no party ${partyId}` });
  const rows =
    c.principal.role === 'bank'
      ? []
      : await c.deps.db.db
          .select()
          .from(records)
          .where(eq(records.partyId, partyId))
          .orderBy(asc(records.effectiveFrom), asc(records.createdAt));
  await auditRead(c, action, partyId, purpose);
  return {
    party: partyIdentityView(party, c.deps.crypto, seesClearIdentity(c, partyId)),
    classification: classificationView(stateToClassification(state, today(c.deps))),
    version: state.version,
    records: rows.map((r) => recordView(r, c.deps.policy)),
    // Why this color (PIPL Art. 24): counting records, legal basis, until when, how to repair.
    explanation:
      c.principal.role === 'bank'
        ? null
        : explain(rows.map(toCreditRecord), { asOf: today(c.deps), policy: c.deps.policy, lang }),
  };
}

/** The party's whole-time color timeline (core's `timeline`), audited as a read. */
export async function partyTimeline(c: Caller, partyId: string, purpose?: string) {
  await assertPartyAccess(c, partyId, 'code');
  await loadParty(c, partyId);
  const rows = await c.deps.db.db.select().from(records).where(eq(records.partyId, partyId));
  await auditRead(c, 'party.timeline', partyId, purpose);
  return { partyId, segments: timeline(rows.map(toCreditRecord), { policy: c.deps.policy }) };
}
