import { type Color, colorLabel } from '@fivecolor/core';
import { eq, inArray } from 'drizzle-orm';
import { newId } from '../db/ids.js';
import { parties, screenings } from '../db/schema.js';
import { freshPartyState } from '../state/party-state.js';
import { assertCourt, type Caller } from './access.js';
import { auditedWrite, auditRead } from './audit-trail.js';

export interface ScreenInput {
  caseNumber: { value: string; court: string };
  parties: { idType: string; idNumber: string; kind?: 'person' | 'org' | undefined }[];
  idempotencyKey?: string | undefined;
}

/** One party's screening result. */
export interface ScreenResult {
  index: number;
  known: boolean;
  partyId: string | null;
  kind: string | null;
  nameMasked: string | null;
  color: Color;
  label: string;
  since: string | null;
  until: string | null;
  basis: string[];
  alert: { color: Color; message: string } | null;
  hash: string;
}

const ALERTS: Record<string, string> = {
  red: '红码当事人：存在严重失信诉讼记录，请提示审判法官 / red: serious dishonest-litigation record; alert the trial judge',
  yellow:
    "黄码当事人：请对其陈述和证据从严审查 / yellow: review this party's statements and evidence closely",
};

/**
 * Screens every party of a new case at the filing window: each party's color, and an alert for
 * red or yellow, recorded against the new case number. Unknown parties are green with `known: false`.
 */
export async function screenParties(c: Caller, input: ScreenInput) {
  const { deps } = c;
  assertCourt(c, input.caseNumber.court, 'caseNumber');
  const hashes = input.parties.map((p) => deps.crypto.identityHash(p.idType, p.idNumber));
  const found = await deps.db.db.select().from(parties).where(inArray(parties.identityHash, hashes));
  const results: ScreenResult[] = [];
  for (const [index, hash] of hashes.entries()) {
    const party = found.find((p) => p.identityHash === hash);
    const state = party ? await freshPartyState(deps, party.id) : null;
    const color: Color = state?.color ?? 'green';
    const alert = ALERTS[color] ? { color, message: ALERTS[color] as string } : null;
    results.push({
      index,
      known: party !== undefined,
      partyId: party?.id ?? null,
      kind: party?.kind ?? input.parties[index]?.kind ?? null,
      nameMasked: party?.nameMasked ?? null,
      color,
      label: colorLabel(color, 'zh-CN'),
      since: state?.since ?? null,
      until: state?.until ?? null,
      basis: state?.basis ?? [],
      alert,
      hash,
    });
  }
  const { idempotencyKey, ...rest } = input;
  // The whole answer is what a replay returns: the colors as recorded, not as they are now.
  return auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
    const ids: string[] = [];
    for (const r of results) {
      const id = newId('scr');
      ids.push(id);
      await w.tx.insert(screenings).values({
        id,
        caseNumber: input.caseNumber.value,
        court: input.caseNumber.court,
        partyId: r.partyId,
        identityHash: r.hash,
        color: r.color,
        alert: r.alert !== null,
        actorId: c.principal.id,
        createdAt: deps.now(),
      });
      if (r.partyId)
        await w.audit({ partyId: r.partyId, target: input.caseNumber.value, purpose: 'filing screening' });
    }
    return {
      caseNumber: input.caseNumber.value,
      alerts: results.filter((r) => r.alert).length,
      results: results.map(({ hash, ...r }, i) => ({ ...r, screeningId: ids[i] as string })),
    };
  });
}

/** The screenings recorded against a case number (for the trial judge), audited as reads of the parties. */
export async function screeningsOfCase(c: Caller, caseNumber: string) {
  const rows = await c.deps.db.db.select().from(screenings).where(eq(screenings.caseNumber, caseNumber));
  const known = rows.flatMap((r) => (r.partyId ? [r.partyId] : []));
  await auditRead(c, known, undefined, { target: caseNumber });
  return rows.map((r) => ({
    screeningId: r.id,
    partyId: r.partyId,
    color: r.color,
    alert: r.alert,
    createdAt: r.createdAt.toISOString(),
  }));
}
