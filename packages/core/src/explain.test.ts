import { describe, expect, it } from 'vitest';
import { explain } from './explain.js';
import type { CreditRecord } from './types.js';

const records: CreditRecord[] = [
  { id: 'lender', category: 'Y01', effectiveFrom: '2025-01-10' },
  { id: 'debtor', category: 'Y14', effectiveFrom: '2025-03-01' },
  { id: 'gold', category: 'G01', effectiveFrom: '2024-12-01' },
  { id: 'old', category: 'R04', effectiveFrom: '2020-01-01' },
];

describe('explain', () => {
  it('lists every counting record, the decisive ones first, with name, legal basis and term', () => {
    const e = explain(records, { asOf: '2025-06-01' });
    expect(e).toMatchObject({
      color: 'yellow',
      label: '黄码',
      lang: 'zh-CN',
      basis: ['lender', 'debtor'],
      since: '2025-01-10',
    });
    expect(e.records.map((r) => [r.id, r.decisive])).toEqual([
      ['lender', true],
      ['debtor', true],
      ['gold', false],
    ]);
    expect(e.records[0]).toMatchObject({
      name: '职业放贷人',
      color: 'yellow',
      countsUntil: '2028-01-10',
      repairable: false,
    });
    expect(e.records[0]!.legalBasis).toContain('第53条');
    expect(e.summary).toContain('截至2025-06-01为黄码');
    expect(e.summary).toContain('职业放贷人');
  });

  it('says how a repairable record can be repaired, and when a non-repairable one ends', () => {
    const e = explain(records, { asOf: '2025-06-01', lang: 'en' });
    expect(e.label).toBe('Yellow code');
    expect(e.records.find((r) => r.id === 'debtor')!.remedy).toMatch(
      /apply to the enforcing court for credit repair/,
    );
    expect(e.records.find((r) => r.id === 'lender')!.remedy).toBe(
      'This record cannot be repaired; it stops counting on 2028-01-10.',
    );
    expect(e.records.find((r) => r.id === 'gold')!.remedy).toBeUndefined();
    expect(e.summary).toMatch(/^As of 2025-06-01 the code is Yellow code .*since 2025-01-10/);
  });

  it('shows which records a repair lifted', () => {
    const e = explain(
      [
        { id: 'd', category: 'Y22', effectiveFrom: '2025-01-01' },
        { id: 'fix', category: 'B01', effectiveFrom: '2025-02-01', repairs: ['d'] },
      ],
      { asOf: '2025-02-01', lang: 'en' },
    );
    expect(e.color).toBe('blue');
    expect(e.records).toEqual([
      expect.objectContaining({ id: 'fix', decisive: true, repairs: ['d'], countsUntil: '2026-02-01' }),
      expect.objectContaining({
        id: 'd',
        color: 'yellow',
        decisive: false,
        countsUntil: '2025-02-01',
        remedy: 'Repaired on 2025-02-01: this record no longer counts.',
      }),
    ]);
  });

  it('explains a record lifted for good as repaired, with the repair’s date, after the blue year', () => {
    const lifted: CreditRecord[] = [
      { id: 'limit', category: 'Y15', effectiveFrom: '2024-01-01' }, // indefinite
      { id: 'fix', category: 'B01', effectiveFrom: '2024-06-01', repairs: ['limit'] },
    ];
    const e = explain(lifted, { asOf: '2026-01-01' });
    expect(e).toMatchObject({ color: 'green', basis: [], since: '2025-06-01', until: null });
    expect(e.records).toEqual([
      expect.objectContaining({
        id: 'limit',
        decisive: false,
        countsUntil: '2024-06-01',
        remedy: '已修复：该记录自2024-06-01起不再计入。',
      }),
    ]);
    expect(e.summary).toMatch(/^截至2026-01-01为绿码（.*），自2025-06-01起。$/);
    // Before the repair it counts, and says how it can be repaired.
    const before = explain(lifted, { asOf: '2024-05-31', lang: 'en' });
    expect(before.records).toEqual([
      expect.objectContaining({ id: 'limit', decisive: true, countsUntil: '2024-06-01' }),
    ]);
    expect(before.records[0]!.remedy).toMatch(/apply to the enforcing court for credit repair/);
  });

  it('lists a lifted record only while its own term runs', () => {
    const e = explain(
      [
        { id: 'd', category: 'Y14', effectiveFrom: '2024-01-01' }, // P2Y
        { id: 'fix', category: 'B01', effectiveFrom: '2024-06-01', repairs: ['d'] },
      ],
      { asOf: '2026-01-01', lang: 'en' },
    );
    expect(e).toMatchObject({ color: 'green', records: [] });
  });

  it('explains green with no records', () => {
    expect(explain([], { asOf: '2025-01-01', lang: 'en' })).toMatchObject({
      color: 'green',
      records: [],
      since: null,
      until: null,
    });
  });

  it('rejects an unknown language', () => {
    expect(() => explain([], { lang: 'fr' as never })).toThrow(/lang: must be 'zh-CN' or 'en'/);
  });
});
