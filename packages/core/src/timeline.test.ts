import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbRecords, arbRecordsOf } from './testing/arbitraries.js';
import { oracleClassification, oracleColor, shiftDay } from './testing/oracle.js';
import { timeline } from './timeline.js';

describe('timeline', () => {
  it('is one green segment for a party without records', () => {
    expect(timeline([])).toEqual([{ color: 'green', from: null, until: null }]);
  });

  it('tells the seed story of a repaired debtor: yellow, blue, green', () => {
    expect(
      timeline([
        { id: 'd', category: 'Y14', effectiveFrom: '2024-01-01' },
        { id: 'fix', category: 'B01', effectiveFrom: '2025-03-01', repairs: ['d'] },
      ]),
    ).toEqual([
      { color: 'green', from: null, until: '2024-01-01' },
      { color: 'yellow', from: '2024-01-01', until: '2025-03-01' },
      { color: 'blue', from: '2025-03-01', until: '2026-03-01' },
      { color: 'green', from: '2026-03-01', until: null },
    ]);
  });

  it('never shows a repaired record again, even when the repair’s term ends first', () => {
    expect(
      timeline([
        { id: 'd', category: 'Y15', effectiveFrom: '2024-01-01' }, // consumption restriction: indefinite
        { id: 'fix', category: 'B01', effectiveFrom: '2024-06-01', repairs: ['d'] },
      ]),
    ).toEqual([
      { color: 'green', from: null, until: '2024-01-01' },
      { color: 'yellow', from: '2024-01-01', until: '2024-06-01' },
      { color: 'blue', from: '2024-06-01', until: '2025-06-01' },
      { color: 'green', from: '2025-06-01', until: null },
    ]);
  });

  it('merges adjacent segments of one color and ends open for an indefinite record', () => {
    expect(
      timeline([
        { id: 'a', category: 'Y02', effectiveFrom: '2024-01-01', effectiveUntil: '2024-03-01' },
        { id: 'b', category: 'Y03', effectiveFrom: '2024-03-01', effectiveUntil: null },
      ]),
    ).toEqual([
      { color: 'green', from: null, until: '2024-01-01' },
      { color: 'yellow', from: '2024-01-01', until: null },
    ]);
  });

  it('is a partition of time: contiguous, no equal neighbours, each segment the oracle color', () => {
    fc.assert(
      fc.property(arbRecords, (records) => {
        const segs = timeline(records);
        expect(segs[0]!.from).toBeNull();
        expect(segs.at(-1)!.until).toBeNull();
        for (let i = 1; i < segs.length; i++) {
          expect(segs[i]!.from).toBe(segs[i - 1]!.until);
          expect(segs[i]!.color).not.toBe(segs[i - 1]!.color);
        }
        for (const s of segs) {
          if (s.from) expect(oracleColor(records, s.from)).toBe(s.color);
          if (s.until) expect(oracleColor(records, shiftDay(s.until, -1))).toBe(s.color);
        }
      }),
    );
  });

  it('has exactly the oracle runs on 50 to 80 records with repairs and revocations', () => {
    fc.assert(
      fc.property(arbRecordsOf({ minLength: 50, maxLength: 80 }), (records) => {
        for (const s of timeline(records)) {
          const day = s.from ?? (s.until ? shiftDay(s.until, -1) : '2020-01-01');
          const { color, since, until } = oracleClassification(records, day);
          expect({ color, from: since, until }).toEqual(s);
        }
      }),
      { numRuns: 30 },
    );
  });
});
