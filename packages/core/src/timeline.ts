import { numberToDate } from './dates.js';
import { colorOfRank, compilePolicy, defaultPolicy } from './policy.js';
import { FOREVER, NO_RANK, prepareRecords } from './prepare.js';
import type { CreditRecord, Policy, TimelineSegment } from './types.js';

/** A day on which a record of `rank` starts (`+1`) or stops (`-1`) counting. */
type Change = [day: number, rank: number, delta: 1 | -1];

/**
 * A party's whole-time sequence of colors as `[from, until)` segments, adjacent equal colors merged; the
 * first `from` and the last `until` are `null` (domain §4). Same validation as {@link classify}; O(n log n)
 * in the number of records.
 *
 * @example
 * timeline([{ id: 'r1', category: 'R04', effectiveFrom: '2024-01-01' }]);
 * // [ { color: 'green', from: null, until: '2024-01-01' },
 * //   { color: 'red', from: '2024-01-01', until: '2026-01-01' },
 * //   { color: 'green', from: '2026-01-01', until: null } ]
 */
export function timeline(
  records: readonly CreditRecord[],
  opts: { policy?: Policy | undefined } = {},
): TimelineSegment[] {
  const policy = opts.policy ?? defaultPolicy;
  const intervals = prepareRecords(records, compilePolicy(policy));
  // Every first and end day in order: a record counts for its rank from the one up to the other. One
  // sweep keeps, by rank, how many records count; the color changes only on these days.
  const changes: Change[] = [];
  for (const i of intervals) {
    if (i.rank === NO_RANK) continue; // never counts
    changes.push([i.start, i.rank, 1]);
    if (i.end !== FOREVER) changes.push([i.end, i.rank, -1]);
  }
  changes.sort((a, b) => a[0] - b[0]);
  const counting = policy.precedence.map(() => 0);
  const segments: TimelineSegment[] = [{ color: 'green', from: null, until: null }];
  for (let k = 0; k < changes.length; k++) {
    const [day, rank, delta] = changes[k] as Change;
    counting[rank] = (counting[rank] as number) + delta;
    if (changes[k + 1]?.[0] === day) continue; // more changes that day
    const top = counting.findIndex((n) => n > 0);
    const color = colorOfRank(policy, top < 0 ? NO_RANK : top);
    const last = segments[segments.length - 1] as TimelineSegment;
    if (color === last.color) continue;
    const from = numberToDate(day);
    last.until = from;
    segments.push({ color, from, until: null });
  }
  return segments;
}
