import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify } from './classify.js';
import { defaultPolicy, validatePolicy } from './policy.js';
import { arbDay, arbRecords, arbRecordsOf } from './testing/arbitraries.js';
import { oracleClassification, oracleColor, shiftDay } from './testing/oracle.js';
import { timeline } from './timeline.js';
import type { CreditRecord } from './types.js';

const at = (records: CreditRecord[], asOf: string) => classify(records, { asOf });

describe('classify: terms are half-open calendar-date intervals', () => {
  const r04: CreditRecord[] = [{ id: 'fine', category: 'R04', effectiveFrom: '2024-03-10' }]; // P2Y

  it('is green before the first day, red on the first and the last day, green on the end day', () => {
    expect(at(r04, '2024-03-09')).toEqual({
      color: 'green',
      asOf: '2024-03-09',
      basis: [],
      since: null,
      until: '2024-03-10',
      policyId: 'default-2022',
    });
    expect(at(r04, '2024-03-10')).toMatchObject({
      color: 'red',
      basis: ['fine'],
      since: '2024-03-10',
      until: '2026-03-10',
    });
    expect(at(r04, '2026-03-09').color).toBe('red');
    expect(at(r04, '2026-03-10')).toMatchObject({
      color: 'green',
      basis: [],
      since: '2026-03-10',
      until: null,
    });
  });

  it('defaults the term from the category and clamps leap days', () => {
    const r = [{ id: 'a', category: 'Y08', effectiveFrom: '2024-02-29' }]; // P1Y
    expect(at(r, '2025-02-27')).toMatchObject({ color: 'yellow', until: '2025-02-28' });
    expect(at(r, '2025-02-28').color).toBe('green');
  });

  it('honours an explicit end and an indefinite (null) term', () => {
    expect(
      at(
        [{ id: 'a', category: 'R01', effectiveFrom: '2024-01-01', effectiveUntil: '2024-01-02' }],
        '2024-01-01',
      ),
    ).toMatchObject({ color: 'red', until: '2024-01-02' });
    expect(
      at([{ id: 'a', category: 'R01', effectiveFrom: '2024-01-01', effectiveUntil: null }], '2099-01-01'),
    ).toMatchObject({ color: 'red', since: '2024-01-01', until: null });
    expect(at([{ id: 'a', category: 'Y15', effectiveFrom: '2024-01-01' }], '2090-01-01').until).toBeNull(); // Y15: no default end
  });

  it('reads an instant as its Asia/Shanghai date (16:00 UTC crossing)', () => {
    const r = [{ id: 'a', category: 'R04', effectiveFrom: '2026-01-02' }];
    expect(classify(r, { asOf: new Date('2026-01-01T15:59:59Z') }).color).toBe('green');
    expect(classify(r, { asOf: new Date('2026-01-01T16:00:00Z') }).color).toBe('red');
    expect(classify(r, { asOf: '2026-01-01T16:30:00Z' }).asOf).toBe('2026-01-02');
  });
});

describe('classify: precedence, repairs, revocation', () => {
  const y14: CreditRecord = { id: 'dishonest', category: 'Y14', effectiveFrom: '2024-01-01' }; // P2Y, repairable
  const repair: CreditRecord = {
    id: 'fix',
    category: 'B01',
    effectiveFrom: '2024-06-01',
    repairs: ['dishonest'],
  }; // P1Y

  it('ranks red > yellow > blue > gold > green with basis of the winning color only', () => {
    const records: CreditRecord[] = [
      { id: 'g', category: 'G01', effectiveFrom: '2024-01-01' },
      { id: 'y', category: 'Y02', effectiveFrom: '2024-02-01' },
      { id: 'r', category: 'R03', effectiveFrom: '2024-03-01', effectiveUntil: '2024-04-01' },
      { id: 'y2', category: 'Y01', effectiveFrom: '2024-03-15' },
    ];
    expect(at(records, '2024-01-15')).toMatchObject({
      color: 'gold',
      basis: ['g'],
      since: '2024-01-01',
      until: '2024-02-01',
    });
    expect(at(records, '2024-02-15')).toMatchObject({ color: 'yellow', basis: ['y'], until: '2024-03-01' });
    expect(at(records, '2024-03-20')).toMatchObject({
      color: 'red',
      basis: ['r'],
      since: '2024-03-01',
      until: '2024-04-01',
    });
    expect(at(records, '2024-04-01')).toMatchObject({
      color: 'yellow',
      basis: ['y', 'y2'],
      since: '2024-04-01',
    });
  });

  it('keeps the run start across record boundaries of the same color', () => {
    const records: CreditRecord[] = [
      { id: 'a', category: 'Y02', effectiveFrom: '2024-01-01', effectiveUntil: '2024-06-01' },
      { id: 'b', category: 'Y04', effectiveFrom: '2024-05-01', effectiveUntil: '2024-09-01' },
    ];
    expect(at(records, '2024-07-01')).toMatchObject({
      color: 'yellow',
      basis: ['b'],
      since: '2024-01-01',
      until: '2024-09-01',
    });
  });

  it('runs on across records of the same color that touch, overlap or nest, in any order', () => {
    const records: CreditRecord[] = [
      { id: 'c', category: 'Y05', effectiveFrom: '2024-09-01', effectiveUntil: '2024-10-01' }, // touches b
      { id: 'a', category: 'Y02', effectiveFrom: '2024-01-01', effectiveUntil: '2024-06-01' },
      { id: 'n', category: 'Y03', effectiveFrom: '2024-02-01', effectiveUntil: '2024-03-01' }, // inside a
      { id: 'b', category: 'Y04', effectiveFrom: '2024-06-01', effectiveUntil: '2024-09-01' }, // touches a
      { id: 'later', category: 'Y06', effectiveFrom: '2024-10-02', effectiveUntil: '2024-11-01' }, // a gap
    ];
    for (const day of ['2024-01-01', '2024-02-15', '2024-06-01', '2024-09-30']) {
      expect(at(records, day)).toMatchObject({ color: 'yellow', since: '2024-01-01', until: '2024-10-01' });
    }
    expect(at(records, '2024-10-01')).toMatchObject({
      color: 'green',
      since: '2024-10-01',
      until: '2024-10-02',
    });
    // A more severe record inside the run cuts it: yellow resumes when the red one ends.
    const cut = [
      ...records,
      { id: 'r', category: 'R04', effectiveFrom: '2024-04-01', effectiveUntil: '2024-05-01' },
    ];
    expect(at(cut, '2024-02-15')).toMatchObject({ since: '2024-01-01', until: '2024-04-01' });
    expect(at(cut, '2024-07-01')).toMatchObject({ since: '2024-05-01', until: '2024-10-01' });
  });

  it('runs on across a long chain of touching records given in reverse order', () => {
    const chain: CreditRecord[] = Array.from({ length: 150 }, (_, k) => ({
      id: `m${k}`,
      category: 'Y05',
      effectiveFrom: shiftDay('2020-01-01', k * 10),
      effectiveUntil: shiftDay('2020-01-01', k * 10 + 10),
    })).reverse();
    expect(at(chain, '2021-06-15')).toMatchObject({
      color: 'yellow',
      since: '2020-01-01',
      until: shiftDay('2020-01-01', 1500),
    });
  });

  it('lifts a repaired record for good: blue for the repair term, then green, never yellow again', () => {
    expect(at([y14, repair], '2024-05-31')).toMatchObject({
      color: 'yellow',
      basis: ['dishonest'],
      until: '2024-06-01',
    });
    expect(at([y14, repair], '2024-06-01')).toMatchObject({
      color: 'blue',
      basis: ['fix'],
      since: '2024-06-01',
      until: '2025-06-01',
    });
    // Domain §4: a repair lifts the records it lists for good. The repair's own term (P1Y) ends before
    // the record's (P2Y); the record does not count again, so the party is green from then on.
    expect(at([y14, repair], '2025-06-01')).toMatchObject({
      color: 'green',
      basis: [],
      since: '2025-06-01',
      until: null,
    });
    expect(at([y14, repair], '2025-12-31').color).toBe('green');
    expect(at([y14, repair], '2026-01-01')).toMatchObject({
      color: 'green',
      since: '2025-06-01',
      until: null,
    });
  });

  it('keeps an indefinite record lifted after the blue year', () => {
    const y15: CreditRecord = { id: 'restricted', category: 'Y15', effectiveFrom: '2024-01-01' }; // indefinite
    const fix: CreditRecord = { ...repair, repairs: ['restricted'] };
    expect(at([y15, fix], '2024-06-01')).toMatchObject({ color: 'blue', until: '2025-06-01' });
    expect(at([y15, fix], '2025-06-01')).toMatchObject({ color: 'green', since: '2025-06-01', until: null });
    expect(at([y15, fix], '2090-01-01')).toMatchObject({ color: 'green', basis: [], until: null });
  });

  it('lifts a record from the first repair that lists it; a later repair changes nothing for it', () => {
    const second: CreditRecord = { ...repair, id: 'fix2', effectiveFrom: '2025-03-01' };
    expect(at([y14, repair, second], '2024-06-01')).toMatchObject({ color: 'blue', basis: ['fix'] });
    // Both repairs count from 2025-03-01; blue until the later one ends, then green.
    expect(at([y14, repair, second], '2025-06-01')).toMatchObject({ color: 'blue', basis: ['fix2'] });
    expect(at([y14, repair, second], '2026-03-01')).toMatchObject({ color: 'green', until: null });
  });

  it('lifts a record that starts after the repair: it never counts', () => {
    const early = { ...repair, effectiveFrom: '2023-12-01' };
    expect(at([y14, early], '2024-01-01')).toMatchObject({
      color: 'blue',
      basis: ['fix'],
      until: '2024-12-01',
    });
    expect(at([y14, early], '2024-12-01')).toMatchObject({ color: 'green', until: null });
  });

  it('keeps a record lifted for good when the repair outlasts it', () => {
    const late = { ...repair, effectiveFrom: '2025-06-01' }; // until 2026-06-01, after the record's end
    expect(at([y14, late], '2025-06-01')).toMatchObject({ color: 'blue', until: '2026-06-01' });
    expect(at([y14, late], '2026-06-01')).toMatchObject({ color: 'green', since: '2026-06-01', until: null });
  });

  it('shows yellow, not blue, while another unrepaired negative record counts', () => {
    const other: CreditRecord = { id: 'other', category: 'Y09', effectiveFrom: '2024-05-01' }; // P1Y
    expect(at([y14, repair, other], '2024-07-01')).toMatchObject({
      color: 'yellow',
      basis: ['other'],
      until: '2025-05-01',
    });
    expect(at([y14, repair, other], '2025-05-01')).toMatchObject({
      color: 'blue',
      since: '2025-05-01',
      until: '2025-06-01',
    });
  });

  it('ignores revoked records for every date, and a revoked repair lifts nothing', () => {
    expect(at([{ ...y14, revoked: true }], '2024-02-01')).toMatchObject({
      color: 'green',
      until: null,
      since: null,
    });
    expect(at([y14, { ...repair, revoked: true }], '2024-07-01')).toMatchObject({
      color: 'yellow',
      basis: ['dishonest'],
    });
  });

  it('follows a custom precedence', () => {
    const policy = validatePolicy({
      ...defaultPolicy,
      id: 'gold-first',
      precedence: ['gold', 'red', 'yellow', 'blue', 'green'],
    });
    const records: CreditRecord[] = [
      { id: 'g', category: 'G01', effectiveFrom: '2024-01-01' },
      { id: 'r', category: 'R01', effectiveFrom: '2024-01-01' },
    ];
    expect(classify(records, { asOf: '2024-02-01', policy })).toMatchObject({
      color: 'gold',
      basis: ['g'],
      policyId: 'gold-first',
    });
    expect(classify(records, { asOf: '2024-02-01' }).color).toBe('red');
  });
});

describe('classify: invalid input throws a TypeError naming the record and the rule', () => {
  const cases: [CreditRecord[], RegExp][] = [
    [[{ id: 'x', category: 'Z99', effectiveFrom: '2024-01-01' }], /record "x": unknown category "Z99"/],
    [
      [{ id: 'x', category: 'N01', effectiveFrom: '2024-01-01' }],
      /record "x": category N01 .* cannot be recorded/,
    ],
    [
      [{ id: 'x', category: 'R01', effectiveFrom: '2023-02-29' }],
      /record "x": effectiveFrom "2023-02-29" is not a real date/,
    ],
    [
      [{ id: 'x', category: 'R01', effectiveFrom: '2024-01-02', effectiveUntil: '2024-01-02' }],
      /record "x": effectiveUntil .* must be after/,
    ],
    [
      [{ id: 'x', category: 'B01', effectiveFrom: '2024-01-02' }],
      /record "x": a repair .* must list at least one/,
    ],
    [
      [{ id: 'x', category: 'B01', effectiveFrom: '2024-01-02', repairs: ['nope'] }],
      /record "x": repairs lists unknown record "nope"/,
    ],
    [
      [
        { id: 'y', category: 'Y01', effectiveFrom: '2024-01-01' },
        { id: 'x', category: 'B01', effectiveFrom: '2024-01-02', repairs: ['y'] },
      ],
      /record "x": repairs lists record "y" of category Y01, which is not repairable/,
    ],
    [
      [{ id: 'x', category: 'R01', effectiveFrom: '2024-01-01', repairs: ['a'] }],
      /record "x": only a repair record/,
    ],
    [
      [
        { id: 'x', category: 'R01', effectiveFrom: '2024-01-01' },
        { id: 'x', category: 'R02', effectiveFrom: '2024-01-01' },
      ],
      /record "x": id appears twice/,
    ],
  ];
  it.each(cases)('%j', (records, message) => {
    expect(() => classify(records, { asOf: '2024-06-01' })).toThrow(TypeError);
    expect(() => classify(records, { asOf: '2024-06-01' })).toThrow(message);
  });
  it('rejects an impossible asOf', () => {
    expect(() => classify([], { asOf: '2024-02-30' })).toThrow(/asOf/);
  });
});

describe('classify: properties', () => {
  it('agrees with a day-by-day reading of domain §4, including since and until', () => {
    fc.assert(
      fc.property(arbRecords, arbDay, (records, day) => {
        const c = classify(records, { asOf: day });
        expect(c.color).toBe(oracleColor(records, day));
        if (c.until) {
          expect(oracleColor(records, c.until)).not.toBe(c.color);
          expect(oracleColor(records, shiftDay(c.until, -1))).toBe(c.color);
        }
        if (c.since) {
          expect(oracleColor(records, c.since)).toBe(c.color);
          expect(oracleColor(records, shiftDay(c.since, -1))).not.toBe(c.color);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('equals the color of the timeline segment that contains the date, and until is that segment end', () => {
    fc.assert(
      fc.property(arbRecords, arbDay, (records, day) => {
        const c = classify(records, { asOf: day });
        const seg = timeline(records).find(
          (s) => (s.from === null || s.from <= day) && (s.until === null || day < s.until),
        )!;
        expect(c.color).toBe(seg.color);
        expect(c.until).toBe(seg.until);
        expect(c.since).toBe(seg.from);
      }),
    );
  });

  it('never counts a record again after the first day of a repair (not revoked) that lists it', () => {
    fc.assert(
      fc.property(arbRecords, fc.nat(), fc.integer({ min: 0, max: 5000 }), (records, pick, offset) => {
        const repairs = records.filter((r) => r.category === 'B01' && !r.revoked);
        fc.pre(repairs.length > 0);
        const repair = repairs[pick % repairs.length]!;
        const day = shiftDay(repair.effectiveFrom, offset);
        const c = classify(records, { asOf: day });
        for (const id of repair.repairs!) {
          expect(c.basis).not.toContain(id);
          // The color from then on is the color without the listed record at all.
          const without = records.map((r) => (r.id === id ? { ...r, revoked: true } : r));
          const w = classify(without, { asOf: day });
          expect([c.color, c.basis, c.until]).toEqual([w.color, w.basis, w.until]);
          expect(oracleColor(records, day)).toBe(w.color);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('does not depend on record order', () => {
    fc.assert(
      fc.property(arbRecords, arbDay, fc.nat(), (records, day, seed) => {
        const shuffled = [...records].sort(
          (a, b) => ((a.id.length * 31 + seed) % 7) - ((b.id.length * 17 + seed) % 5),
        );
        const a = classify(records, { asOf: day });
        const b = classify(shuffled.reverse(), { asOf: day });
        expect({ ...b, basis: [...b.basis].sort() }).toEqual({ ...a, basis: [...a.basis].sort() });
      }),
    );
  });

  it('never becomes less severe when a red record is added', () => {
    const severity = (color: string) => defaultPolicy.precedence.indexOf(color as never);
    fc.assert(
      fc.property(arbRecords, arbDay, arbDay, (records, day, from) => {
        const before = classify(records, { asOf: day }).color;
        const after = classify([...records, { id: 'extra-red', category: 'R02', effectiveFrom: from }], {
          asOf: day,
        }).color;
        expect(severity(after)).toBeLessThanOrEqual(severity(before));
      }),
    );
  });
});

describe('classify: against the oracle', () => {
  const compare = (records: CreditRecord[], day: string) => {
    const { color, basis, since, until } = classify(records, { asOf: day });
    expect({ color, basis: [...basis].sort(), since, until }).toEqual({
      ...oracleClassification(records, day),
      basis: oracleClassification(records, day).basis.sort(),
    });
  };

  it('gives the oracle color, basis, since and until on small record sets', () => {
    fc.assert(
      fc.property(arbRecords, arbDay, (records, day) => compare(records, day)),
      { numRuns: 500 },
    );
  });

  it('gives the oracle color, basis, since and until on 50 to 80 records with repairs and revocations', () => {
    fc.assert(
      fc.property(
        arbRecordsOf({ minLength: 50, maxLength: 80 }),
        fc.array(arbDay, { minLength: 3, maxLength: 3 }),
        (records, days) => {
          for (const day of days) compare(records, day);
        },
      ),
      { numRuns: 60 },
    );
  });
});
