// Type-level test, checked by `tsc --noEmit` (the first half of this package's `pnpm test`): an
// `expectTypeOf` that does not hold, or a `@ts-expect-error` line that is not an error, fails the
// typecheck. The test also runs under vitest, on the sample values it types.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RouterInputs } from '../src/index.js';

type ImportRecord = RouterInputs['exchange']['import']['records'][number];

describe('exchange.import records are typed', () => {
  it('takes an upsert (the party and the record) or a revoke, and nothing else', () => {
    expectTypeOf<ImportRecord>().not.toBeUnknown();
    const upsert = {
      externalId: 'NB-2026-0001',
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: '330203199001011234',
      name: '章某某',
      category: 'Y14',
      effectiveFrom: '2026-01-01',
      court: '浙0212',
      caseNumber: '（2026）浙0212执1号',
    } as const;
    const records: ImportRecord[] = [
      upsert,
      { externalId: 'NB-2026-0002', action: 'revoke', reason: '撤销处罚决定' },
    ];
    expect(records).toHaveLength(2);
    // @ts-expect-error kind is 'person' or 'org'
    const robot: ImportRecord = { ...upsert, kind: 'robot' };
    // @ts-expect-error an upsert names the party and the record
    const partial: ImportRecord = { externalId: 'NB-2026-0003', category: 'Y14' };
    // @ts-expect-error effectiveFrom is a date string
    const when: ImportRecord = { ...upsert, effectiveFrom: new Date() };
    void [robot, partial, when];
  });
});
