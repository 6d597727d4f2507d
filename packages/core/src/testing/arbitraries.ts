import fc from 'fast-check';
import { catalog } from '../catalog.js';
import type { CreditRecord } from '../types.js';

const day0 = Date.UTC(2020, 0, 1);
/** A date between 2020-01-01 and about 2031. */
export const arbDay = fc
  .integer({ min: 0, max: 4000 })
  .map((n) => new Date(day0 + n * 86_400_000).toISOString().slice(0, 10));

const negative = catalog.filter((c) => c.color === 'red' || c.color === 'yellow').map((c) => c.code);
const repairable = catalog.filter((c) => c.repairable).map((c) => c.code);

/**
 * Valid record sets of `minLength` to `maxLength` records: negatives, gold, and repairs that list one or
 * two repairable records of the same set (a record may be listed by several repairs); some revoked.
 */
export function arbRecordsOf({ minLength = 0, maxLength }: { minLength?: number; maxLength: number }) {
  return fc
    .array(
      fc.record({
        // A third each: negative, gold, repairs (so that large sets are not red all the time).
        category: fc.oneof(
          fc.constantFrom(...negative, ...repairable),
          fc.constant('G01'),
          fc.constant('B01'),
        ),
        from: arbDay,
        span: fc.option(fc.integer({ min: 1, max: 2500 }), { nil: undefined }),
        indefinite: fc.boolean(),
        revoked: fc.boolean(),
        pick: fc.nat(),
        second: fc.option(fc.nat(), { freq: 4, nil: undefined }),
        // Start on the day the previous record ends: runs of one color that touch.
        follow: fc.boolean(),
      }),
      { minLength, maxLength },
    )
    .map((rows) => {
      const records: CreditRecord[] = [];
      rows.forEach((row, i) => {
        const previous = records[records.length - 1]?.effectiveUntil;
        const from = row.follow && typeof previous === 'string' ? previous : row.from;
        const r: CreditRecord = { id: `r${i}`, category: row.category, effectiveFrom: from };
        if (row.span !== undefined) {
          r.effectiveUntil = new Date(Date.parse(from) + row.span * 86_400_000).toISOString().slice(0, 10);
        } else if (row.indefinite && row.category !== 'B01') r.effectiveUntil = null;
        if (row.revoked && row.pick % 4 === 0) r.revoked = true;
        if (row.category === 'B01') {
          const targets = records.filter((t) => repairable.includes(t.category));
          if (targets.length === 0) return;
          const ids = [targets[row.pick % targets.length]!.id];
          const other = row.second === undefined ? undefined : targets[row.second % targets.length]!.id;
          if (other !== undefined && other !== ids[0]) ids.push(other);
          r.repairs = ids;
        }
        records.push(r);
      });
      return records;
    });
}

/** Valid record sets of up to 8 records (see {@link arbRecordsOf}). */
export const arbRecords = arbRecordsOf({ maxLength: 8 });
