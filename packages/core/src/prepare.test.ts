import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify } from './classify.js';
import { categoryOf, compilePolicy, defaultPolicy } from './policy.js';
import { IdIndex } from './prepare.js';
import type { Category, CreditRecord, Policy } from './types.js';

describe('IdIndex: the id table behind the duplicate check and the repairs', () => {
  // Ids that differ only early on share the characters the table hashes: long probe runs, then the switch
  // to a Map. Random ones do not. Both kinds, mixed, with repeats, must read like a Map.
  const arbId = fc.oneof(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc
      .string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 1, maxLength: 4 })
      .map((p) => `${p}-2024-xyz`),
    fc.nat({ max: 400 }).map((n) => `rec_${n}`),
  );

  it('finds exactly the ids added before, at their first position, like a Map', () => {
    fc.assert(
      fc.property(fc.array(arbId, { maxLength: 300 }), fc.array(arbId, { maxLength: 40 }), (ids, probes) => {
        const all: { id: string }[] = [];
        const index = new IdIndex(all, ids.length);
        const expected = new Map<string, number>();
        ids.forEach((id, k) => {
          expect(index.find(id, k)).toBe(expected.get(id) ?? -1);
          if (!expected.has(id)) expected.set(id, k);
          all.push({ id });
        });
        for (const id of [...ids, ...probes]) expect(index.find(id)).toBe(expected.get(id) ?? -1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('IdIndex: one table reused from call to call', () => {
  const party = (prefix: string, n: number): CreditRecord[] =>
    Array.from({ length: n }, (_, k) => ({
      id: `${prefix}${k}`,
      category: 'R04',
      effectiveFrom: '2024-01-01',
    }));

  it('forgets the ids of the call before', () => {
    const first: { id: string }[] = [];
    const a = new IdIndex(first, 40);
    for (let k = 0; k < 40; k++) {
      a.find(`r${k}`, k);
      first.push({ id: `r${k}` });
    }
    expect(a.find('r3')).toBe(3);
    expect(classify(party('r', 40), { asOf: '2024-06-01' }).basis).toHaveLength(40);
    const second: { id: string }[] = [];
    const b = new IdIndex(second, 40);
    expect(b.find('r3')).toBe(-1);
    expect(b.find('r3', 0)).toBe(-1);
    second.push({ id: 'r3' });
    expect(b.find('r3')).toBe(0);
  });

  it('is not shared with a call made while reading a record (a getter that classifies)', () => {
    const outer = party('o', 30);
    const plain = structuredClone(outer);
    let inner: unknown;
    Object.defineProperty(outer[10], 'category', {
      get: () => {
        inner = classify(party('i', 30), { asOf: '2024-06-01' }).basis.length;
        return 'R04';
      },
    });
    expect(classify(outer, { asOf: '2024-06-01' })).toEqual(classify(plain, { asOf: '2024-06-01' }));
    expect(inner).toBe(30);
    // o3 went into the table before the getter ran: a shared table would have lost it.
    expect(() => classify([...outer, { ...plain[3]! }], { asOf: '2024-06-01' })).toThrow(
      'record "o3": id appears twice',
    );
  });
});

describe('categoryOf: the category table of a compiled policy', () => {
  const category = (code: string): Category => ({
    code,
    color: 'yellow',
    zh: code,
    en: code,
    basis: '',
    duration: 'P1Y',
    repairable: false,
  });
  const arbCode = fc.stringMatching(/^[A-Z][0-9A-Z]{1,7}$/);

  it('finds every code of a policy and nothing else, as the dictionary does', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(arbCode, { minLength: 1, maxLength: 200 }),
        fc.array(fc.oneof(arbCode, fc.string({ maxLength: 9 })), { maxLength: 50 }),
        (codes, others) => {
          const policy: Policy = { ...defaultPolicy, id: 'test', categories: codes.map(category) };
          const compiled = compilePolicy(policy);
          for (const code of codes) {
            const c = categoryOf(compiled, code);
            expect(c?.code).toBe(code);
          }
          for (const code of others) {
            expect(categoryOf(compiled, code)?.code).toBe(codes.includes(code) ? code : undefined);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads a code that is not a string as unknown', () => {
    const compiled = compilePolicy(defaultPolicy);
    expect(categoryOf(compiled, 'R01')?.category.code).toBe('R01');
    expect(categoryOf(compiled, 7)).toBeUndefined();
    expect(categoryOf(compiled, undefined)).toBeUndefined();
    expect(categoryOf(compiled, 'toString')).toBeUndefined();
  });
});
