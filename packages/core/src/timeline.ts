import { numberToDate } from './dates.js';
import { colorOfRank, compilePolicy, defaultPolicy } from './policy.js';
import { FOREVER, prepareRecords, rankAt } from './prepare.js';
import type { CreditRecord, Policy, TimelineSegment } from './types.js';

/**
 * A party's whole-time sequence of colors as `[from, until)` segments, adjacent equal colors merged; the
 * first `from` and the last `until` are `null` (domain §4). Same validation as {@link classify}.
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
  const days = new Set<number>();
  for (const i of intervals) {
    days.add(i.start);
    if (i.end !== FOREVER) days.add(i.end);
  }
  const segments: TimelineSegment[] = [{ color: 'green', from: null, until: null }];
  for (const day of [...days].sort((a, b) => a - b)) {
    const color = colorOfRank(policy, rankAt(intervals, day));
    const last = segments[segments.length - 1] as TimelineSegment;
    if (color === last.color) continue;
    const from = numberToDate(day);
    last.until = from;
    segments.push({ color, from, until: null });
  }
  return segments;
}
