import { resolveAsOf } from './as-of.js';
import { numberToDate } from './dates.js';
import { colorOfRank, compilePolicy, defaultPolicy } from './policy.js';
import { FOREVER, type Interval, NO_RANK, prepareRecords } from './prepare.js';
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
    basis.push(i.id);
  }
  const { since, until } = runAround(intervals, day, rank);
  return {
    color: colorOfRank(policy, rank),
    asOf: numberToDate(day),
    basis,
    since: since === NEVER ? null : numberToDate(since),
    until: until === FOREVER ? null : numberToDate(until),
    policyId: policy.id,
  };
}

/** Before every `YYYYMMDD`: the run has no first day. */
const NEVER = 0;

/**
 * The run of days around `day` on which the most severe counting rank stays `rank`: `[since, until)`,
 * `NEVER` when it has no first day, `FOREVER` when it has no end. In O(n log n):
 * - a more severe interval cannot count on `day`, so each one ends on or before it — the run starts at
 *   the last such end at the earliest — or starts after it — the run ends at the first such start;
 * - the intervals of `rank` itself keep the run going as long as they cover without a gap the days around
 *   `day` (touching counts: one may start on the day another ends); sorted by start, one pass finds the
 *   stretch they cover without a gap that contains `day`.
 * Green (`NO_RANK`) is bounded only by the others: every interval is more severe than green.
 */
function runAround(intervals: readonly Interval[], day: number, rank: number) {
  let since = NEVER;
  let until = FOREVER;
  const same: Interval[] | undefined = rank === NO_RANK ? undefined : [];
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k] as Interval;
    if (i.rank === rank) same?.push(i);
    else if (i.rank > rank) continue;
    else if (i.end <= day) since = Math.max(since, i.end);
    else until = Math.min(until, i.start);
  }
  if (!same) return { since, until }; // green: no intervals of its own
  sortByStart(same);
  let from = NEVER;
  let to = NEVER;
  for (const i of same) {
    if (i.start > to) {
      if (to > day) break; // the stretch before this gap contains `day`
      from = i.start;
    }
    to = Math.max(to, i.end);
  }
  if (same.length > 0) {
    since = Math.max(since, from);
    until = Math.min(until, to);
  }
  return { since, until };
}

/**
 * Sorts intervals by first day, in place. Insertion sort up to 64: `Array#sort` has a high fixed cost
 * (about a microsecond for a dozen intervals, several times the insertion sort). Beyond, `Array#sort`
 * keeps the whole O(n log n).
 */
function sortByStart(a: Interval[]): void {
  if (a.length > 64) {
    a.sort((x, y) => x.start - y.start);
    return;
  }
  for (let k = 1; k < a.length; k++) {
    const x = a[k] as Interval;
    let j = k - 1;
    for (; j >= 0 && (a[j] as Interval).start > x.start; j--) a[j + 1] = a[j] as Interval;
    a[j + 1] = x;
  }
}
