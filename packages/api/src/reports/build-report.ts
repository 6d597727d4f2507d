import type { Report, ReportRecord, ReportRecordStatus } from '@fivecolor/core';
import { colorLabel, explain, type IsoDate, type Policy, timeline } from '@fivecolor/core';
import type { objections, parties, records } from '../db/schema.js';
import { fiveYearsBefore, unarchivedTimeline } from '../services/retention.js';
import { toCreditRecord } from '../state/materialize.js';

type PartyRow = typeof parties.$inferSelect;
type RecordRow = typeof records.$inferSelect;
type ObjectionRow = typeof objections.$inferSelect;

export interface ReportFacts {
  reportNo: string;
  court: string;
  issuedAt: Date;
  expiresAt: Date;
  today: IsoDate;
  policy: Policy;
  publicUrl: string | undefined;
  party: PartyRow;
  records: readonly RecordRow[];
  objections: readonly ObjectionRow[];
}

/**
 * The content of a report on `today`: the party as a third party sees it (a person masked, an
 * organization in full), the color with its explanation, the timeline, and every counting record
 * plus every record in effect during the last five years, with repair and objection status.
 * Revoked records (entered in error) never appear.
 */
export function buildReport(f: ReportFacts): Report {
  // Core sees every record, revoked ones flagged (a live repair may list a record revoked later).
  const credit = f.records.map(toCreditRecord);
  const live = f.records.filter((r) => r.revokedAt === null);
  const why = explain(credit, { asOf: f.today, policy: f.policy, lang: 'zh-CN' });
  const cutoff = fiveYearsBefore(f.today);
  // A repair (not revoked) lifts the records it lists for good from its first day (domain §4), also
  // after its own term: such a record is `repaired` from then on, by the first repair that lists it.
  const repairOf = new Map<string, { recordId: string; effectiveFrom: IsoDate }>();
  for (const r of live) {
    if (!r.repairs?.length || r.effectiveFrom > f.today) continue;
    for (const target of r.repairs) {
      const prev = repairOf.get(target);
      if (!prev || r.effectiveFrom < prev.effectiveFrom)
        repairOf.set(target, { recordId: r.id, effectiveFrom: r.effectiveFrom });
    }
  }
  // explain lists the counting records, then the lifted ones (已修复).
  const counting = new Set(why.records.filter((r) => !repairOf.has(r.id)).map((r) => r.id));
  const latestObjection = new Map<string, ObjectionRow>();
  for (const o of f.objections) {
    const prev = latestObjection.get(o.recordId);
    if (!prev || prev.createdAt < o.createdAt) latestObjection.set(o.recordId, o);
  }
  const base = f.publicUrl?.replace(/\/+$/, '');
  const shown = live.filter(
    (r) => counting.has(r.id) || r.effectiveUntil === null || r.effectiveUntil > cutoff,
  );
  return {
    v: 1,
    reportNo: f.reportNo,
    issuedAt: f.issuedAt.toISOString(),
    expiresAt: f.expiresAt.toISOString(),
    policyId: f.policy.id,
    issuer: { court: f.court, jwksUrl: base ? `${base}/.well-known/jwks.json` : null },
    party: {
      kind: f.party.kind,
      idType: f.party.idType,
      name: f.party.nameMasked,
      idNumber: f.party.idNumberMasked,
    },
    classification: {
      color: why.color,
      label: colorLabel(why.color, 'zh-CN'),
      asOf: why.asOf,
      since: why.since,
      until: why.until,
      basis: why.basis,
    },
    explanation: {
      summary: why.summary,
      records: why.records.map((r) => ({
        recordId: r.id,
        category: r.category,
        name: r.name,
        legalBasis: r.legalBasis,
        countsUntil: r.countsUntil,
        decisive: r.decisive,
        remedy: r.remedy ?? null,
      })),
    },
    timeline: unarchivedTimeline(timeline(credit, { policy: f.policy }), f.today),
    records: shown.map((r) =>
      recordOf(f, r, counting.has(r.id), repairOf.get(r.id), latestObjection.get(r.id)),
    ),
    verifyUrl: base ? `${base}/v1/reports/${encodeURIComponent(f.reportNo)}` : null,
    iat: Math.floor(f.issuedAt.getTime() / 1000),
    exp: Math.floor(f.expiresAt.getTime() / 1000),
  };
}

function recordOf(
  f: ReportFacts,
  r: RecordRow,
  counting: boolean,
  repairedBy: ReportRecord['repairedBy'] | undefined,
  objection: ObjectionRow | undefined,
): ReportRecord {
  const cat = f.policy.categories.find((c) => c.code === r.category);
  const open = objection?.status === 'open';
  let status: ReportRecordStatus;
  if (repairedBy) status = 'repaired';
  else if (counting) status = open ? 'objected' : 'active';
  else status = r.effectiveFrom > f.today ? 'pending' : 'expired';
  return {
    recordId: r.id,
    category: r.category,
    categoryName: cat?.zh ?? r.category,
    color: cat?.color ?? 'green',
    legalBasis: cat?.basis ?? '',
    court: r.court,
    caseNumber: r.caseNumber,
    ...(r.source === 'court' ? {} : { source: r.source }),
    effectiveFrom: r.effectiveFrom,
    effectiveUntil: r.effectiveUntil,
    counting,
    status,
    repairable: cat?.repairable ?? false,
    repairedBy: repairedBy ?? null,
    objection: objection
      ? {
          status: objection.status as 'open' | 'upheld' | 'rejected',
          filedAt: objection.createdAt.toISOString(),
        }
      : null,
  };
}
