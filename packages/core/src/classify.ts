import { resolveAsOf } from './as-of.js';
import { numberToDate } from './dates.js';
import { colorOfRank, compilePolicy, defaultPolicy } from './policy.js';
import { FOREVER, type Interval, NO_RANK, prepareRecords, rankAt } from './prepare.js';
import type { Classification, CreditRecord, IsoDate, Policy } from './types.js';

/** Options of {@link classify}. */
export interface ClassifyOptions {
  /** The date (Asia/Shanghai) or instant to classify at; default: now. */
  asOf?: IsoDate | Date | undefined;
  /** Default: {@link defaultPolicy}. */
  policy?: Policy | undefined;
}

/**
 * A party's code color on one date, with the records that decide it and how long it holds (domain §4).
 * Throws a `TypeError` naming the record id and the rule for an unknown category, an impossible date or
 * an invalid repair.
 *
 * @example
 * classify(
 *   [{ id: 'r1', category: 'Y01', effectiveFrom: '2024-03-01' }],
 *   { asOf: '2025-01-01' },
 * );
 * // { color: 'yellow', asOf: '2025-01-01', basis: ['r1'], since: '2024-03-01', until: '2027-03-01', policyId: 'default-2022' }
 */
export function classify(records: readonly CreditRecord[], opts: ClassifyOptions = {}): Classification {
  const policy = opts.policy ?? defaultPolicy;
  const compiled = compilePolicy(policy);
  const day = resolveAsOf(opts.asOf);
  const intervals = prepareRecords(records, compiled);
  // The most severe rank counting on `day`, and the records of that rank, in one pass.
  let rank = NO_RANK;
  let basis: string[] = [];
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k] as Interval;
    if (i.start > day || day >= i.end || i.rank > rank) continue;
    if (i.rank < rank) {
      rank = i.rank;
      basis = [];
    }
    basis.push(i.record.id);
  }
  let until = day;
  do until = nextChange(intervals, until);
  while (until !== FOREVER && rankAt(intervals, until) === rank);
  return {
    color: colorOfRank(policy, rank),
    asOf: typeof opts.asOf === 'string' && opts.asOf.length === 10 ? opts.asOf : numberToDate(day),
    basis,
    since: runStart(intervals, day, rank),
    until: until === FOREVER ? null : numberToDate(until),
    policyId: policy.id,
  };
}

/** Before every `YYYYMMDD`: "no change day before this one". */
const NEVER = 0;

/**
 * The first day of the run of `rank` that contains `day`, or `null` when the run has no start. The color
 * can change only on a day on which some interval starts or ends, so only those days are visited.
 */
function runStart(intervals: readonly Interval[], day: number, rank: number): string | null {
  let since = previousChange(intervals, day + 1);
  while (since !== NEVER) {
    const before = previousChange(intervals, since);
    // Before the first change day nothing counts (green).
    const rankBefore = before === NEVER ? NO_RANK : rankAt(intervals, before);
    if (rankBefore !== rank) return numberToDate(since);
    since = before;
  }
  return null;
}

/** The first start or end day after `day`, or `FOREVER`. */
function nextChange(intervals: readonly Interval[], day: number): number {
  let next = FOREVER;
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k] as Interval;
    if (i.start > day && i.start < next) next = i.start;
    if (i.end > day && i.end < next) next = i.end;
  }
  return next;
}

/** The last start or end day before `day`, or `NEVER`. */
function previousChange(intervals: readonly Interval[], day: number): number {
  let prev = NEVER;
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k] as Interval;
    if (i.start < day && i.start > prev) prev = i.start;
    if (i.end < day && i.end > prev) prev = i.end;
  }
  return prev;
}
