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
    ]);
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
