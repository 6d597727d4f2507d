import { addDuration } from '../dates.js';
import { defaultPolicy } from '../policy.js';
import type { Color, CreditRecord, IsoDate, Policy } from '../types.js';

/**
 * Domain §4 read literally, one day at a time, with no shared code from the classifier except date
 * arithmetic: the reference the property tests compare against.
 */
export function oracleColor(
  records: readonly CreditRecord[],
  day: IsoDate,
  policy: Policy = defaultPolicy,
): Color {
  const cat = (r: CreditRecord) => policy.categories.find((c) => c.code === r.category)!;
  const until = (r: CreditRecord) =>
    r.effectiveUntil !== undefined
      ? r.effectiveUntil
      : cat(r).duration
        ? addDuration(r.effectiveFrom, cat(r).duration!)
        : null;
  const inTerm = (r: CreditRecord) =>
    !r.revoked && r.effectiveFrom <= day && (until(r) === null || day < until(r)!);
  const counts = (r: CreditRecord): boolean => {
    if (!inTerm(r)) return false;
    const color = cat(r).color;
    if (color !== 'red' && color !== 'yellow') return true;
    // "no non-revoked repair record lists it in repairs with repair.effectiveFrom <= asOf" — whether or
    // not the repair's own term still runs: a repair lifts the records it lists for good.
    return !records.some(
      (p) => cat(p).color === 'blue' && !p.revoked && p.repairs?.includes(r.id) && p.effectiveFrom <= day,
    );
  };
  const colors = new Set(records.filter(counts).map((r) => cat(r).color));
  return policy.precedence.find((c) => colors.has(c)) ?? 'green';
}

/** Shifts a calendar date by whole days. */
export function shiftDay(day: IsoDate, days: number): IsoDate {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
