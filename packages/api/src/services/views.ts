import { addDuration, type Classification, colorLabel, type Policy, toCstDate } from '@fivecolor/core';
import type { PartyCrypto } from '../crypto/party-crypto.js';
import type { objections, parties, records } from '../db/schema.js';
import { isArchived } from './retention.js';

type RecordRow = typeof records.$inferSelect;
type PartyRow = typeof parties.$inferSelect;
type ObjectionRow = typeof objections.$inferSelect;

/** The day an objection is due: its filing date (Asia/Shanghai) + 15 calendar days (domain §8). */
export function objectionDueDate(filedAt: Date): string {
  return addDuration(toCstDate(filedAt), 'P15D');
}

/** The flag of a record under objection (异议审查中), shown wherever records are listed. */
export function openObjectionView(o: ObjectionRow) {
  return { objectionId: o.id, status: 'open' as const, dueDate: objectionDueDate(o.createdAt) };
}
export type OpenObjectionView = ReturnType<typeof openObjectionView>;

/**
 * A record as returned by the API (JSON only: dates as ISO strings); `objection` is its open
 * objection, if any (the record keeps counting meanwhile); `archived` says retention has put it away
 * (`isArchived`: court staff see it so marked, nobody else sees it).
 */
export function recordView(
  r: RecordRow,
  policy: Policy,
  today: string,
  objection: OpenObjectionView | null = null,
) {
  return {
    recordId: r.id,
    partyId: r.partyId,
    category: r.category,
    color: policy.categories.find((c) => c.code === r.category)?.color ?? null,
    court: r.court,
    caseNumber: r.caseNumber,
    effectiveFrom: r.effectiveFrom,
    effectiveUntil: r.effectiveUntil,
    repairs: r.repairs ?? [],
    note: r.note,
    source: r.source,
    /** `来源：<source>` / `Source: <source>` for a record imported by an exchange source; null for the court's own. */
    sourceLabel: sourceLabel(r.source, 'zh-CN'),
    sourceLabelEn: sourceLabel(r.source, 'en'),
    externalId: r.externalId,
    revision: r.revision,
    revoked: r.revokedAt !== null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    revokeReason: r.revokeReason,
    createdAt: r.createdAt.toISOString(),
    objection,
    archived: isArchived(r, today, policy),
  };
}
export type RecordView = ReturnType<typeof recordView>;

/** How a record's source is shown: `来源：信用宁波` / `Source: 信用宁波`; null for the court's own records. */
export function sourceLabel(source: string, lang: 'zh-CN' | 'en'): string | null {
  if (source === 'court') return null;
  return lang === 'en' ? `Source: ${source}` : `来源：${source}`;
}

/**
 * A party's identity for the caller: clear name and identity number for court roles and the party
 * itself, masked otherwise (an organization's name and USCC are public).
 */
export function partyIdentityView(p: PartyRow, crypto: PartyCrypto, clear: boolean) {
  const isOrg = p.kind === 'org';
  return {
    partyId: p.id,
    kind: p.kind,
    idType: p.idType,
    name: clear || isOrg ? crypto.decrypt(p.nameEnc) : p.nameMasked,
    idNumber: clear || isOrg ? crypto.decrypt(p.idNumberEnc) : p.idNumberMasked,
    nameMasked: p.nameMasked,
    idNumberMasked: p.idNumberMasked,
    createdAt: p.createdAt.toISOString(),
  };
}

/** Classification plus its display label. */
export function classificationView(c: Classification) {
  return { ...c, label: colorLabel(c.color, 'zh-CN'), labelEn: colorLabel(c.color, 'en') };
}
