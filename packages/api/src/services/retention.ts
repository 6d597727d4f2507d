import type { IsoDate, Policy } from '@fivecolor/core';
import { and, inArray, lte, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import { pgArray } from '../db/pg-array.js';
import { records } from '../db/schema.js';

/** The same calendar day five years earlier (29 February → 28 February). */
export function fiveYearsBefore(day: IsoDate): IsoDate {
  const year = String(Number(day.slice(0, 4)) - 5).padStart(4, '0');
  const md = day.slice(5) === '02-29' ? '02-28' : day.slice(5);
  return `${year}-${md}`;
}

/**
 * Retention (Zhejiang public credit information regulation, Art. 16): a negative (red or yellow) record
 * whose term ended more than five years before `today` is archived — not shown to the party, banks or
 * partners, nor in reports; court staff still see it, marked archived; nothing is deleted. Derived from
 * the dates, so it takes effect on the day without a write.
 *
 * @example
 * isArchived({ category: 'Y01', effectiveUntil: '2020-03-01' }, '2025-03-02', policy); // true
 */
export function isArchived(
  r: { category: string; effectiveUntil: IsoDate | null },
  today: IsoDate,
  policy: Policy,
): boolean {
  if (r.effectiveUntil === null || r.effectiveUntil > fiveYearsBefore(today)) return false;
  const color = policy.categories.find((c) => c.code === r.category)?.color;
  return color === 'red' || color === 'yellow';
}

/** A color timeline without the colors that ended more than five years before `today` (archived with their records). */
export function unarchivedTimeline<S extends { until: IsoDate | null }>(segments: S[], today: IsoDate): S[] {
  const cutoff = fiveYearsBefore(today);
  return segments.filter((s) => s.until === null || s.until > cutoff);
}

/**
 * Whether a color change (a `color.changed` feed item) shows what retention archived: the run it starts
 * ended more than five years before `today`, or the red or yellow run it ends did — as
 * {@link unarchivedTimeline} leaves those runs out of a timeline.
 */
export function archivedChange(
  c: { from: string | null; since: IsoDate | null; until: IsoDate | null },
  today: IsoDate,
): boolean {
  const cutoff = fiveYearsBefore(today);
  if (c.until !== null && c.until <= cutoff) return true;
  return (c.from === 'red' || c.from === 'yellow') && c.since !== null && c.since <= cutoff;
}

/** {@link isArchived} as a condition on `records` in SQL. */
export function archivedRecord(policy: Policy, today: IsoDate): SQL {
  return and(
    lte(records.effectiveUntil, fiveYearsBefore(today)),
    inArray(records.category, negativeCodes(policy)),
  ) as SQL;
}

/** The codes of the policy's red and yellow categories: what retention archives. */
const negativeCodes = (policy: Policy) =>
  policy.categories.filter((c) => c.color === 'red' || c.color === 'yellow').map((c) => c.code);

/**
 * The open objections a badge shows (异议审查中): not those to a record archived by `cutoff` (five years
 * before today, {@link fiveYearsBefore}), which nobody outside the court sees. SQL over `objections o`.
 */
export function shownObjection(policy: Policy, cutoff: SQLWrapper | IsoDate): SQL {
  return sql`o.status = 'open' and not exists (select 1 from records r where r.id = o.record_id
    and r.effective_until <= ${cutoff}::date and r.category = any(${pgArray(negativeCodes(policy))}::text[]))`;
}

/** Whether the caller sees archived records: court staff only. */
export function seesArchived(p: Principal): boolean {
  return p.role === 'admin' || p.role === 'clerk' || p.role === 'judge' || p.role === 'enforcement';
}
