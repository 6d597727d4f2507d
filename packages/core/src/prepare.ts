import { addToNumber, dateToNumber } from './dates.js';
import { type CompiledCategory, type CompiledPolicy, categoryOf, NORMAL_CATEGORY } from './policy.js';
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
  /** `record.id`, read once: a record's own fields may come in many shapes, each read the slow way. */
  id: string;
  category: Category;
  color: Color;
  rank: number;
  start: number;
  /** Exclusive; `FOREVER` when indefinite. */
  end: number;
  /** The first repair (not revoked) that lists this record: the earliest, the first listed of those. */
  repairedBy: Interval | undefined;
}

const fail = (id: unknown, rule: string): never => {
  throw new TypeError(`record ${JSON.stringify(id)}: ${rule}`);
};

/**
 * Validates records against a policy and turns every record into the interval on which it counts
 * (domain §4): a red or yellow record stops counting for good on the first day of the first repair (not
 * revoked) that lists it. A record that never counts (revoked, or lifted from its first day) keeps its
 * place with rank `NO_RANK` and no days: taking it out would cost a pass over all of them. Throws a
 * `TypeError` naming the record id and the rule on invalid input. When `lifted` is given, it receives,
 * for each record a repair lifts, the part of its own term from that day on.
 */
export function prepareRecords(
  records: readonly CreditRecord[],
  compiled: CompiledPolicy,
  lifted?: Interval[],
): Interval[] {
  if (!Array.isArray(records)) throw new TypeError('records: must be an array');
  const { policy } = compiled;
  // all[k] is records[k]. Sized up front: growing it by push copies it several times at 50 records.
  const all: Interval[] = new Array(records.length);
  // A few ids are found faster by looking at each than by hashing them into a table.
  const byId = records.length > 12 ? new IdIndex(all, records.length) : undefined;
  let hasRevoked = false;
  // The repairs; after them, once the repairs are read, the records they lift, each once.
  const repairs: Interval[] = [];
  for (let k = 0; k < records.length; k++) {
    const r = records[k] as CreditRecord;
    if (typeof r !== 'object' || r === null) throw new TypeError('records: every record must be an object');
    const id = r.id;
    if (typeof id !== 'string' || id === '') fail(id, 'id must be a non-empty string');
    if ((byId ? byId.find(id, k) : scan(all, id, k)) >= 0) fail(id, 'id appears twice');
    const code = r.category;
    const compiledCategory = categoryOf(compiled, code);
    // Checked only when found: a record rarely names the normal status.
    if (!compiledCategory || compiledCategory.code === NORMAL_CATEGORY) {
      if (code === NORMAL_CATEGORY) {
        fail(
          id,
          `category ${NORMAL_CATEGORY} (normal status) is implicit for every party and cannot be recorded`,
        );
      }
      fail(id, `unknown category ${JSON.stringify(code)} (not in policy ${policy.id})`);
    }
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
    const i: Interval = { record: r, id, category: cat, color, rank, start, end, repairedBy: undefined };
    if (color === 'blue') {
      if (!Array.isArray(r.repairs) || r.repairs.length === 0) {
        fail(id, `a repair (category ${cat.code}) must list at least one repaired record id in repairs`);
      }
      repairs.push(i);
    } else if (r.repairs !== undefined && (!Array.isArray(r.repairs) || r.repairs.length > 0)) {
      fail(id, `only a repair record (a blue category) may list repairs; ${cat.code} is ${color}`);
    }
    all[k] = i;
  }
  const n = repairs.length;
  for (let k = 0; k < n; k++) {
    const repair = repairs[k] as Interval;
    for (const target of repair.record.repairs as readonly string[]) {
      const t = all[byId ? byId.find(target) : scan(all, target, all.length)];
      if (!t) fail(repair.id, `repairs lists unknown record ${JSON.stringify(target)}`);
      const listed = t as Interval;
      if (listed.color !== 'red' && listed.color !== 'yellow') {
        fail(
          repair.id,
          `repairs lists record ${JSON.stringify(target)} of category ${listed.category.code}, which is not red or yellow`,
        );
      }
      if (!listed.category.repairable) {
        fail(
          repair.id,
          `repairs lists record ${JSON.stringify(target)} of category ${listed.category.code}, which is not repairable`,
        );
      }
      if (hasRevoked && repair.record.revoked) continue;
      if (!listed.repairedBy) repairs.push(listed);
      if (!listed.repairedBy || repair.start < listed.repairedBy.start) listed.repairedBy = repair;
    }
  }
  if (byId) spareSlots = byId.slots;
  // Domain §4: a repair lifts the records it lists from its first day, for good — also after its own
  // term ends (the SPC rule deletes a performed debtor's listing). The first repair decides.
  if (lifted) {
    for (const i of all) {
      const first = i.repairedBy;
      if (first && !(hasRevoked && i.record.revoked) && first.start < i.end)
        lifted.push({ ...i, start: Math.max(i.start, first.start) });
    }
  }
  for (let k = n; k < repairs.length; k++) {
    const i = repairs[k] as Interval;
    const first = (i.repairedBy as Interval).start;
    // In place: a copy would give intervals a second shape.
    if (first > i.start) i.end = Math.min(i.end, first);
    else never(i);
  }
  // `revoked` is read again only when some record has it.
  if (hasRevoked) for (const i of all) if (i.record.revoked) never(i);
  return all;
}

/** Makes an interval one that never counts. */
function never(i: Interval): void {
  i.rank = NO_RANK;
  i.end = i.start;
}

/** The id table the last call gave back, for the next to reuse; none while a call holds it. */
let spareSlots: Int32Array | undefined;

/**
 * Record id → position in `all`, for the duplicate check and the repairs' targets: O(1) per id.
 *
 * Not a `Map`: at 50 records its `set` calls (and regrowing its table from 4 entries) took a third of
 * `classify`. This is an open-addressing table of positions in an `Int32Array`, hashed on an id's length
 * and last characters — where ids differ: random or counted suffixes — and confirmed by comparing whole
 * ids. Ids that share their ends (`…-2024`) would make long
 * probe runs, so once probing costs more than about two steps per id the index moves to a `Map`: linear
 * whatever the ids.
 */
export class IdIndex {
  // Declared only (the constructor sets them): class field definitions would cost the bundle bytes.
  declare private readonly all: readonly { id: string }[];
  /** Positions + 1 (0: empty) in the first `mask + 1`; prepareRecords gives it back when done. */
  declare readonly slots: Int32Array;
  declare private readonly shift: number;
  declare private readonly mask: number;
  declare private budget: number;
  declare private map: Map<string, number> | undefined;

  /** `all[k].id` is the id at position `k`; `n`: how many ids at most. */
  constructor(all: readonly { id: string }[], n: number) {
    this.all = all;
    let bits = 5;
    while (1 << bits < 4 * n) bits++; // at most a quarter full: probe runs of one (half full was 2 % slower at 50 records)
    const size = 1 << bits;
    // Reused: making one per call cost 7% at 50 records. A nested call (a record's getter that
    // classifies) finds none and makes its own.
    const slots = spareSlots && spareSlots.length >= size ? spareSlots : new Int32Array(size);
    spareSlots = undefined;
    this.slots = slots.fill(0, 0, size);
    this.shift = 32 - bits;
    this.mask = size - 1;
    this.budget = 2 * n + 16;
  }

  /** The position of `id`, or -1; then, if `k` is given, `id` gets position `k` (`all[k]` comes next). */
  find(id: string, k?: number): number {
    if (this.map) return this.inMap(id, k);
    const slots = this.slots;
    let h = id.length;
    for (let j = Math.max(0, h - 4); j < id.length; j++) h = Math.imul(h ^ id.charCodeAt(j), 0x01000193);
    let s = Math.imul(h, 0x9e3779b1) >>> this.shift; // the top bits of a multiplicative hash
    for (let p = slots[s] as number; p !== 0; p = slots[s] as number) {
      if ((this.all[p - 1] as { id: string }).id === id) return p - 1;
      s = (s + 1) & this.mask;
      if (--this.budget < 0) return this.inMap(id, k);
    }
    if (k !== undefined) slots[s] = k + 1;
    return -1;
  }

  /** {@link find} in a `Map`, made from the table the first time (kept apart: `find` stays small to inline). */
  private inMap(id: string, k?: number): number {
    if (!this.map) {
      this.map = new Map();
      for (const q of this.slots.subarray(0, this.mask + 1))
        if (q !== 0) this.map.set((this.all[q - 1] as { id: string }).id, q - 1);
    }
    const p = this.map.get(id);
    if (p === undefined && k !== undefined) this.map.set(id, k);
    return p ?? -1;
  }
}

/** The position of `id` among the first `n` intervals, or -1. */
function scan(intervals: readonly Interval[], id: string, n: number): number {
  for (let k = 0; k < n; k++) if ((intervals[k] as Interval).id === id) return k;
  return -1;
}
