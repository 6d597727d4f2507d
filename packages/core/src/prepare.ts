import { addToNumber, dateToNumber } from './dates.js';
import { type CompiledCategory, type CompiledPolicy, NORMAL_CATEGORY } from './policy.js';
import type { Category, Color, CreditRecord } from './types.js';

/**
 * Sentinels kept as small integers: V8 stores small integers unboxed, `Infinity` would box every field.
 * `FOREVER` is after any `YYYYMMDD`; `NO_RANK` means nothing counts (green).
 */
export const FOREVER = 99_999_999;
export const NO_RANK = 255;

/** A record reduced to the span of days on which it counts: `[start, end)` as `YYYYMMDD` numbers. */
export interface Interval {
  record: CreditRecord;
  category: Category;
  color: Color;
  rank: number;
  start: number;
  /** Exclusive; `FOREVER` when indefinite. */
  end: number;
  /** The repairs (not revoked) that list this record; for a lifted interval, the first of them. */
  repairedBy: Interval[] | undefined;
}

const fail = (id: unknown, rule: string): never => {
  throw new TypeError(`record ${JSON.stringify(id)}: ${rule}`);
};

/**
 * Validates records against a policy and turns every record that is not revoked into the interval on
 * which it counts (domain §4): a red or yellow record stops counting for good on the first day of the
 * first repair (not revoked) that lists it. Throws a `TypeError` naming the record id and the rule on
 * invalid input. When `lifted` is given, it receives, for each record a repair lifts, the part of its
 * own term from that day on, with that first repair as `repairedBy[0]`.
 */
export function prepareRecords(
  records: readonly CreditRecord[],
  compiled: CompiledPolicy,
  lifted?: Interval[],
): Interval[] {
  if (!Array.isArray(records)) throw new TypeError('records: must be an array');
  const { byCode, policy } = compiled;
  const all: Interval[] = []; // all[k] is records[k]
  // Record id → index in `all`, beyond a few records: keeps preparing records O(n).
  const byId = records.length > 12 ? new Map<string, number>() : undefined;
  let hasRevoked = false;
  let hasRepairs = false;
  for (let k = 0; k < records.length; k++) {
    const r = records[k] as CreditRecord;
    if (typeof r !== 'object' || r === null) throw new TypeError('records: every record must be an object');
    const id = r.id;
    if (typeof id !== 'string' || id === '') fail(id, 'id must be a non-empty string');
    const seen = byId ? byId.size === byId.set(id, k).size : find(all, id) !== undefined;
    if (seen) fail(id, 'id appears twice');
    if (r.category === NORMAL_CATEGORY) {
      fail(
        id,
        `category ${NORMAL_CATEGORY} (normal status) is implicit for every party and cannot be recorded`,
      );
    }
    const compiledCategory = byCode[r.category];
    if (!compiledCategory)
      fail(id, `unknown category ${JSON.stringify(r.category)} (not in policy ${policy.id})`);
    const { category: cat, color, rank, duration } = compiledCategory as CompiledCategory;
    const start = dateToNumber(r.effectiveFrom);
    if (Number.isNaN(start))
      fail(id, `effectiveFrom ${JSON.stringify(r.effectiveFrom)} is not a real date (YYYY-MM-DD)`);
    let end: number;
    if (r.effectiveUntil === undefined) {
      end = duration ? addToNumber(start, duration) : FOREVER;
    } else if (r.effectiveUntil === null) {
      end = FOREVER;
    } else {
      end = dateToNumber(r.effectiveUntil);
      if (Number.isNaN(end))
        fail(id, `effectiveUntil ${JSON.stringify(r.effectiveUntil)} is not a real date (YYYY-MM-DD)`);
      if (end <= start)
        fail(id, `effectiveUntil ${r.effectiveUntil} must be after effectiveFrom ${r.effectiveFrom}`);
    }
    if (r.revoked) hasRevoked = true;
    if (color === 'blue') {
      hasRepairs = true;
      if (!Array.isArray(r.repairs) || r.repairs.length === 0) {
        fail(id, `a repair (category ${cat.code}) must list at least one repaired record id in repairs`);
      }
    } else if (r.repairs !== undefined && (!Array.isArray(r.repairs) || r.repairs.length > 0)) {
      fail(id, `only a repair record (a blue category) may list repairs; ${cat.code} is ${color}`);
    }
    all.push({ record: r, category: cat, color, rank, start, end, repairedBy: undefined });
  }
  for (let k = 0; hasRepairs && k < all.length; k++) {
    const repair = all[k] as Interval;
    if (repair.color !== 'blue') continue;
    for (const target of repair.record.repairs as readonly string[]) {
      const t = byId ? all[byId.get(target) ?? -1] : find(all, target);
      if (!t) fail(repair.record.id, `repairs lists unknown record ${JSON.stringify(target)}`);
      const listed = t as Interval;
      if (listed.color !== 'red' && listed.color !== 'yellow') {
        fail(
          repair.record.id,
          `repairs lists record ${JSON.stringify(target)} of category ${listed.category.code}, which is not red or yellow`,
        );
      }
      if (!listed.category.repairable) {
        fail(
          repair.record.id,
          `repairs lists record ${JSON.stringify(target)} of category ${listed.category.code}, which is not repairable`,
        );
      }
      if (repair.record.revoked) continue;
      if (listed.repairedBy) listed.repairedBy.push(repair);
      else listed.repairedBy = [repair];
    }
  }
  if (!hasRevoked && !hasRepairs) return all;
  const counting: Interval[] = [];
  for (const i of all) {
    if (i.record.revoked) continue;
    if (!i.repairedBy) {
      counting.push(i);
      continue;
    }
    // Domain §4: a repair lifts the records it lists from its first day, for good — also after its own
    // term ends (the SPC rule deletes a performed debtor's listing). The first repair decides.
    let first = i.repairedBy[0] as Interval;
    for (const r of i.repairedBy) if (r.start < first.start) first = r;
    if (lifted && first.start < i.end)
      lifted.push({ ...i, start: Math.max(i.start, first.start), repairedBy: [first] });
    if (first.start > i.start) {
      i.end = Math.min(i.end, first.start); // in place: a copy would give intervals a second shape
      counting.push(i);
    }
  }
  return counting;
}

/** Linear search: cheaper than building a Map for the few records most parties have. */
function find(intervals: readonly Interval[], id: string): Interval | undefined {
  for (let k = 0; k < intervals.length; k++)
    if ((intervals[k] as Interval).record.id === id) return intervals[k];
  return undefined;
}
