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

/** Valid record sets: negatives, gold, and repairs that list repairable records of the same set. */
export const arbRecords = fc
  .array(
    fc.record({
      category: fc.constantFrom(...negative, ...repairable, 'G01', 'B01'),
      from: arbDay,
      span: fc.option(fc.integer({ min: 1, max: 2500 }), { nil: undefined }),
      indefinite: fc.boolean(),
      revoked: fc.boolean(),
      pick: fc.nat(),
    }),
    { maxLength: 8 },
  )
  .map((rows) => {
    const records: CreditRecord[] = [];
    rows.forEach((row, i) => {
      const r: CreditRecord = { id: `r${i}`, category: row.category, effectiveFrom: row.from };
      if (row.span !== undefined) {
        r.effectiveUntil = new Date(Date.parse(row.from) + row.span * 86_400_000).toISOString().slice(0, 10);
      } else if (row.indefinite && row.category !== 'B01') r.effectiveUntil = null;
      if (row.revoked && row.pick % 4 === 0) r.revoked = true;
      if (row.category === 'B01') {
        const targets = records.filter((t) => repairable.includes(t.category));
        if (targets.length === 0) return;
        r.repairs = [targets[row.pick % targets.length]!.id];
      }
      records.push(r);
    });
    return records;
  });
