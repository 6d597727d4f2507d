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
  // The most severe rank counting on `day`, without a branch: whether an interval counts on the day is a
  // coin toss the processor often guesses wrong (branching here cost 5–12% at 50 records). An interval
  // that does not count gets `rank | NO_RANK`, which is `NO_RANK`.
  let rank = NO_RANK;
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k] as Interval;
    rank = Math.min(rank, i.rank | ((+(i.start > day) | +(day >= i.end)) * NO_RANK));
  }
  // The records of that rank, and the days they cover together (they all contain `day`). A more severe
  // interval cannot count on `day`: each one ends on or before it — the run starts at the last such end
  // at the earliest — or starts after it — the run ends at the first such start. Green (`NO_RANK`) is
  // bounded only by these: every interval that ever counts is more severe than green. The intervals of
  // `rank` that do not count on `day` are kept: they may carry the run on.
  const basis: string[] = [];
  let from = FOREVER;
  let to = NEVER;
  let since = NEVER;
  let until = FOREVER;
  const rest: Interval[] = [];
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k] as Interval;
    if (i.rank === rank) {
      if (i.start > day || day >= i.end) rest.push(i);
      else {
        basis.push(i.id);
        from = Math.min(from, i.start);
        to = Math.max(to, i.end);
      }
    } else if (i.rank < rank) {
      if (i.end <= day) since = Math.max(since, i.end);
      else until = Math.min(until, i.start);
    }
  }
  if (rank !== NO_RANK) {
    ({ from, to } = stretch(rest, from, to));
    since = Math.max(since, from);
    until = Math.min(until, to);
  }
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
 * The days `[from, to)` (which contain `day`) together with every interval of `rest` that meets them, and
 * so on while one does: touching counts (one may start on the day another ends). A few passes, forwards
 * and backwards in turn, usually take them all in, at a fraction of the cost of sorting. Should the third
 * not be the last, `rest` is sorted by start: then a pass backwards takes in every interval that reaches
 * back to `from`, one forwards every one that reaches on from `to`, and one more finds none: O(n log n)
 * whatever the order.
 */
function stretch(rest: Interval[], from: number, to: number) {
  for (let pass = 0, grown = true; grown; pass++) {
    if (pass === 3) rest.sort((x, y) => x.start - y.start);
    grown = false;
    for (let k = 0; k < rest.length; k++) {
      const i = rest[pass & 1 ? rest.length - 1 - k : k] as Interval;
      if (i.start <= to && i.end >= from && (i.start < from || i.end > to)) {
        from = Math.min(from, i.start);
        to = Math.max(to, i.end);
        grown = true;
      }
    }
  }
  return { from, to };
}
