import type { Color } from '@fivecolor/core';
import { and, asc, desc, eq, inArray, like, sql } from 'drizzle-orm';
import { coveredCourts } from '../auth/roles.js';
import { newId } from '../db/ids.js';
import { rowsOf } from '../db/rows.js';
import { apiKeys, caseMarks, screenings } from '../db/schema.js';
import { assertCourt, assertPartyAccess, type Caller } from './access.js';
import { auditedWrite, auditRead } from './audit-trail.js';
import { badRequest } from './errors.js';
import { loadParty } from './party-service.js';

export interface MarkCaseInput {
  caseNumber: { value: string; court: string };
  note?: string | undefined;
  idempotencyKey?: string | undefined;
}

/**
 * Marks a screened case for the trial judge: an append-only row against the case number (its court must
 * be the key's or under it), audited against each known party screened for the case. A retry with the
 * same idempotency key replays the first answer; a new mark of the same case is another row.
 */
export async function markCase(c: Caller, input: MarkCaseInput) {
  const { deps } = c;
  const caseNumber = input.caseNumber.value;
  assertCourt(c, input.caseNumber.court, 'caseNumber');
  const screened = await deps.db.db
    .select({ partyId: screenings.partyId })
    .from(screenings)
    .where(eq(screenings.caseNumber, caseNumber));
  if (screened.length === 0)
    badRequest('caseNumber: must be screened first (party.screen) before it is marked for the trial judge');
  const { idempotencyKey, ...rest } = input;
  return auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
    const id = newId('mrk');
    const at = deps.now();
    await w.tx.insert(caseMarks).values({
      id,
      caseNumber,
      court: input.caseNumber.court,
      note: input.note ?? null,
      actorId: c.principal.id,
      createdAt: at,
    });
    const known = [...new Set(screened.flatMap((s) => (s.partyId ? [s.partyId] : [])))];
    if (known.length === 0) await w.audit({ target: caseNumber });
    for (const partyId of known) await w.audit({ partyId, target: caseNumber });
    return {
      markId: id,
      caseNumber,
      court: input.caseNumber.court,
      note: input.note ?? null,
      markedBy: { id: c.principal.id, name: c.principal.kind === 'key' ? c.principal.name : null },
      markedAt: at.toISOString(),
    };
  });
}

/** The marks of the given cases, newest first, with the name of the key that marked each. */
async function marksOf(c: Caller, caseNumbers: string[], court: string | null) {
  if (caseNumbers.length === 0) return [];
  const rows = await c.deps.db.db
    .select({
      markId: caseMarks.id,
      caseNumber: caseMarks.caseNumber,
      court: caseMarks.court,
      note: caseMarks.note,
      actorId: caseMarks.actorId,
      actorName: apiKeys.name,
      createdAt: caseMarks.createdAt,
    })
    .from(caseMarks)
    .leftJoin(apiKeys, eq(apiKeys.id, caseMarks.actorId))
    .where(
      and(
        inArray(caseMarks.caseNumber, caseNumbers),
        court === null ? undefined : like(caseMarks.court, coveredCourts(court)),
      ),
    )
    .orderBy(desc(caseMarks.createdAt), desc(caseMarks.id));
  return rows.map((r) => ({
    markId: r.markId,
    caseNumber: r.caseNumber,
    court: r.court,
    note: r.note,
    markedBy: { id: r.actorId, name: r.actorName },
    markedAt: r.createdAt.toISOString(),
  }));
}

/**
 * The cases marked in the key's courts (its court and those under it), the most recently marked first,
 * each with its marks and its screenings (color, alert) — a page of `limit` after `offset`. Audited as
 * reads of the known parties screened, against their case number.
 */
export async function markedCases(
  c: Caller,
  input: {
    caseNumber?: { value: string } | undefined;
    limit?: number | undefined;
    offset?: number | undefined;
  } = {},
) {
  const court = c.principal.court;
  const limit = input.limit ?? 20;
  const offset = input.offset ?? 0;
  if (court === null) return { items: [], nextOffset: null };
  const page = rowsOf<{ case_number: string; court: string }>(
    await c.deps.db.db.execute(sql`
      select case_number, court from ${caseMarks}
      where court like ${coveredCourts(court)}
        ${input.caseNumber ? sql`and case_number = ${input.caseNumber.value}` : sql``}
      group by case_number, court
      order by max(created_at) desc, case_number
      limit ${limit + 1} offset ${offset}`),
  );
  const more = page.length > limit;
  const cases = page.slice(0, limit);
  const numbers = cases.map((r) => r.case_number);
  const marks = await marksOf(c, numbers, court);
  const screened =
    numbers.length === 0
      ? []
      : await c.deps.db.db
          .select()
          .from(screenings)
          .where(inArray(screenings.caseNumber, numbers))
          .orderBy(asc(screenings.createdAt), asc(screenings.id));
  const seen = new Map<string, string>();
  for (const s of screened) if (s.partyId) seen.set(`${s.partyId}\u0000${s.caseNumber}`, s.partyId);
  if (seen.size > 0)
    await auditedWrite(c, { input: null }, async (w) => {
      for (const [k, partyId] of seen) await w.audit({ partyId, target: k.split('\u0000')[1] as string });
    });
  return {
    items: cases.map((r) => {
      const own = screened.filter((s) => s.caseNumber === r.case_number);
      const caseMarksOf = marks.filter((m) => m.caseNumber === r.case_number);
      return {
        caseNumber: r.case_number,
        court: r.court,
        markedAt: caseMarksOf[0]?.markedAt ?? null,
        alerts: own.filter((s) => s.alert).length,
        marks: caseMarksOf.map(({ caseNumber: _, ...m }) => m),
        screenings: own.map((s) => ({
          screeningId: s.id,
          partyId: s.partyId,
          color: s.color,
          alert: s.alert,
          createdAt: s.createdAt.toISOString(),
        })),
      };
    }),
    nextOffset: more ? offset + limit : null,
  };
}

/** One thing that happened to a party in a case: screened at a filing window, marked, or a record entered or revoked. */
export type CaseEvent =
  | { kind: 'screened'; date: string; color: Color; alert: boolean }
  | { kind: 'marked'; date: string }
  | { kind: 'entered' | 'revoked'; date: string; category: string; recordId: string };

interface EventRow {
  year: number | string;
  date: string;
  case_number: string;
  court: string;
  kind: CaseEvent['kind'];
  color: Color | null;
  alert: boolean | null;
  category: string | null;
  record_id: string | null;
}

/** A timestamp's CST calendar date (UTC+8, no daylight saving), in SQL. */
const cst = (col: string) =>
  sql.raw(`to_char((${col} at time zone 'UTC') + interval '8 hours', 'YYYY-MM-DD')`);

/**
 * The party's litigation history by year (newest first), from its screenings (and the marks of the cases
 * it was screened in) and its records: per year the cases, each with what happened, newest first. The
 * events and their years (CST) come from one SQL query; audited as a read of the party.
 */
export async function caseHistory(c: Caller, partyId: string, purpose?: string) {
  await assertPartyAccess(c, partyId, 'code');
  await loadParty(c, partyId);
  const rows = rowsOf<EventRow>(
    await c.deps.db.db.execute(sql`
      with ev as (
        select ${cst('s.created_at')} as date, s.case_number, s.court, 'screened' as kind,
               s.color, s.alert, null::text as category, null::text as record_id, s.created_at as at
          from screenings s where s.party_id = ${partyId}
        union all
        select ${cst('m.created_at')}, m.case_number, m.court, 'marked', null, null, null, null, m.created_at
          from case_marks m
         where m.case_number in (select case_number from screenings where party_id = ${partyId})
        union all
        select to_char(r.effective_from, 'YYYY-MM-DD'), r.case_number, r.court, 'entered', null, null, r.category, r.id,
               r.effective_from::timestamp at time zone 'UTC'
          from records r where r.party_id = ${partyId}
        union all
        select ${cst('r.revoked_at')}, r.case_number, r.court, 'revoked', null, null, r.category, r.id, r.revoked_at
          from records r where r.party_id = ${partyId} and r.revoked_at is not null
      )
      select substr(date, 1, 4)::int as year, date, case_number, court, kind, color, alert, category, record_id
        from ev order by year desc, date desc, at desc, kind`),
  );
  await auditRead(c, partyId, purpose);
  const years: {
    year: number;
    cases: { caseNumber: string; court: string; events: CaseEvent[] }[];
  }[] = [];
  for (const r of rows) {
    const year = Number(r.year);
    let y = years.at(-1);
    if (y?.year !== year) {
      y = { year, cases: [] };
      years.push(y);
    }
    let kase = y.cases.find((k) => k.caseNumber === r.case_number);
    if (!kase) {
      kase = { caseNumber: r.case_number, court: r.court, events: [] };
      y.cases.push(kase);
    }
    kase.events.push(
      r.kind === 'screened'
        ? { kind: 'screened', date: r.date, color: r.color as Color, alert: Boolean(r.alert) }
        : r.kind === 'marked'
          ? { kind: 'marked', date: r.date }
          : { kind: r.kind, date: r.date, category: r.category as string, recordId: r.record_id as string },
    );
  }
  return { partyId, years };
}
