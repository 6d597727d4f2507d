import { addDuration } from '../dates.js';
import { defaultPolicy } from '../policy.js';
import type { Color, CreditRecord, IsoDate, Policy } from '../types.js';

/**
 * Domain §4 read literally, one day at a time, with no shared code from the classifier except date
 * arithmetic: the reference the property tests compare against. `countingOn(day)` lists the records
 * that count on a day.
 */
function reading(records: readonly CreditRecord[], policy: Policy) {
  const categories = new Map(policy.categories.map((c) => [c.code, c]));
  const cat = (r: CreditRecord) => categories.get(r.category)!;
  const termEnd = new Map(
    records.map((r) => {
      const duration = cat(r).duration;
      const end =
        r.effectiveUntil !== undefined
          ? r.effectiveUntil
          : duration
            ? addDuration(r.effectiveFrom, duration)
            : null;
      return [r, end] as const;
    }),
  );
  const inTerm = (r: CreditRecord, day: IsoDate) => {
    const until = termEnd.get(r)!;
    return !r.revoked && r.effectiveFrom <= day && (until === null || day < until);
  };
  const repairs = records.filter((p) => cat(p).color === 'blue' && !p.revoked);
  const counts = (r: CreditRecord, day: IsoDate): boolean => {
    if (!inTerm(r, day)) return false;
    const color = cat(r).color;
    if (color !== 'red' && color !== 'yellow') return true;
    // "no non-revoked repair record lists it in repairs with repair.effectiveFrom <= asOf" — whether or
    // not the repair's own term still runs: a repair lifts the records it lists for good.
    return !repairs.some((p) => p.repairs?.includes(r.id) && p.effectiveFrom <= day);
  };
  const countingOn = (day: IsoDate) => records.filter((r) => counts(r, day));
  const colorOn = (day: IsoDate): Color => {
    const colors = new Set(countingOn(day).map((r) => cat(r).color));
    return policy.precedence.find((c) => colors.has(c)) ?? 'green';
  };
  return { cat, termEnd, countingOn, colorOn };
}

/** The color on `day`, read literally (see {@link reading}). */
export function oracleColor(
  records: readonly CreditRecord[],
  day: IsoDate,
  policy: Policy = defaultPolicy,
): Color {
  return reading(records, policy).colorOn(day);
}

/**
 * The whole classification read the same literal way: the color, the counting records of that color, and
 * the run of that color around `day`, found by reading the color on every day on which a record starts
 * or ends its term — a repair lifts on its own first day — since the color can change on no other day.
 */
export function oracleClassification(
  records: readonly CreditRecord[],
  day: IsoDate,
  policy: Policy = defaultPolicy,
): { color: Color; basis: string[]; since: IsoDate | null; until: IsoDate | null } {
  const { cat, termEnd, countingOn, colorOn } = reading(records, policy);
  const color = colorOn(day);
  const basis = countingOn(day)
    .filter((r) => cat(r).color === color)
    .map((r) => r.id);
  const days = new Set<IsoDate>();
  for (const r of records) {
    days.add(r.effectiveFrom);
    const end = termEnd.get(r);
    if (end) days.add(end);
  }
  const sorted = [...days].sort();
  const until = sorted.find((d) => d > day && colorOn(d) !== color) ?? null;
  const before = sorted.filter((d) => d <= day).reverse();
  const since = before.find((d) => colorOn(shiftDay(d, -1)) !== color) ?? null;
  return { color, basis, since, until };
}

/** Shifts a calendar date by whole days. */
export function shiftDay(day: IsoDate, days: number): IsoDate {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
