import { COLORS, classify, defaultPolicy, type Policy, toCstDate, validatePolicy } from '@fivecolor/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBatch } from '../import/bulk-import.js';
import { checkImportRow } from '../import/import-row.js';
import { type RecordFacts, toCreditRecord } from '../state/materialize.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { checkPolicyFits, PolicyMisfit } from './policy-service.js';

// Stored: repairs (B01) of Y14, Y22, Y15 and Y16 records; records of R01, Y05 and G01 that nothing repairs.
const STORED: [party: number, externalId: string, category: string, repairs?: string][] = [
  [1, 'F-1', 'Y14'],
  [1, 'F-2', 'B01', 'F-1'],
  [2, 'F-3', 'R01'],
  [2, 'F-4', 'Y05'],
  [2, 'F-5', 'G01'],
  [3, 'F-6', 'Y22'],
  [3, 'F-7', 'B01', 'F-6'],
  [4, 'F-8', 'Y15'],
  [4, 'F-9', 'Y16'],
  [4, 'F-10', 'B01', 'F-8;F-9'],
];
const CHANGEABLE = ['Y14', 'Y22', 'Y15', 'Y16', 'B01', 'G01', 'R01', 'Y05'];

describe.each(dbKinds())('checkPolicyFits (%s)', (kind) => {
  let h: Harness;
  let parties: RecordFacts[][];

  beforeAll(async () => {
    h = await createHarness(kind);
    const today = toCstDate(new Date());
    const rows = STORED.map(([n, externalId, category, repairs], i) => {
      const raw = {
        externalId,
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(n, '330212', '19700101'),
        name: '章某',
        category,
        court: '浙0212',
        caseNumber: `（2025）浙0212民初${i + 1}号`,
        effectiveFrom: category === 'B01' ? '2025-06-01' : '2025-01-01',
        repairs,
      };
      const r = checkImportRow(raw, i + 2, { policy: defaultPolicy, today });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.row;
    });
    // Repairs after the records they list, as an import writes them.
    const opts = { crypto: h.deps.crypto, policy: defaultPolicy, source: 'fits' };
    const listed = await importBatch(
      h.db,
      rows.filter((r) => r.repairs.length === 0),
      opts,
    );
    const repairs = await importBatch(
      h.db,
      rows.filter((r) => r.repairs.length > 0),
      opts,
    );
    expect(listed.created + repairs.created).toBe(STORED.length);
    const byParty = new Map<string, RecordFacts[]>();
    for (const r of await h.db.db.query.records.findMany())
      byParty.set(r.partyId, [...(byParty.get(r.partyId) ?? []), r]);
    parties = [...byParty.values()];
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Whether core classifies every stored party under `policy` (what reads and writes of them need). */
  const classifiable = (policy: Policy) =>
    parties.every((records) => {
      try {
        classify(records.map(toCreditRecord), { policy });
        return true;
      } catch {
        return false;
      }
    });
  const fits = (policy: Policy) =>
    checkPolicyFits(h.db, policy).then(
      () => true,
      (err: unknown) => {
        expect(err).toBeInstanceOf(PolicyMisfit);
        return false;
      },
    );
  const changed = (changes: Record<string, Partial<Policy['categories'][number]>>): Policy => ({
    ...defaultPolicy,
    id: 'candidate',
    categories: defaultPolicy.categories.map((c) => ({ ...c, ...changes[c.code] })),
  });
  const at = (code: string) => defaultPolicy.categories.findIndex((c) => c.code === code);

  it('names the field, the category and the stored records a candidate would break', async () => {
    const refused = async (policy: Policy) => {
      const err = await checkPolicyFits(h.db, policy).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PolicyMisfit);
      expect(classifiable(policy)).toBe(false);
      return (err as Error).message;
    };
    expect(await refused(changed({ Y14: { repairable: false } }))).toBe(
      `policy.categories[${at('Y14')}].repairable: Y14 must stay repairable and red or yellow: 1 stored repair(s) list records of it`,
    );
    expect(await refused(changed({ Y16: { color: 'gold' } }))).toBe(
      `policy.categories[${at('Y16')}].color: Y16 must stay repairable and red or yellow: 1 stored repair(s) list records of it`,
    );
    expect(await refused(changed({ Y22: { color: 'gold', repairable: false } }))).toBe(
      `policy.categories[${at('Y22')}].repairable, policy.categories[${at('Y22')}].color: Y22 must stay repairable and red or yellow: 1 stored repair(s) list records of it`,
    );
    expect(await refused(changed({ B01: { color: 'gold' } }))).toBe(
      `policy.categories[${at('B01')}].color: B01 must stay blue: 3 stored record(s) of it are repairs listing the records they lift`,
    );
    expect(await refused(changed({ G01: { color: 'blue' }, Y22: { repairable: false } }))).toBe(
      `policy.categories[${at('G01')}].color: G01 cannot become blue: 1 stored record(s) of it list no records to repair; ` +
        `policy.categories[${at('Y22')}].repairable: Y22 must stay repairable and red or yellow: 1 stored repair(s) list records of it`,
    );
    const spaced = { ...changed({}), id: 'candidate ' };
    await expect(checkPolicyFits(h.db, spaced)).rejects.toThrow(
      new PolicyMisfit('policy.id: must have no spaces around it (reports name their policy by id alone)'),
    );
    const fine = changed({
      Y14: { color: 'red' },
      R01: { color: 'yellow', repairable: true },
      G01: { color: 'green' },
    });
    expect(classifiable(fine)).toBe(true);
    await expect(checkPolicyFits(h.db, fine)).resolves.toBeUndefined();
  });

  it('refuses exactly the candidates under which some stored party could not be classified', async () => {
    const change = fc.record(
      { color: fc.constantFrom(...COLORS), repairable: fc.boolean() },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...CHANGEABLE), change), async (changes) => {
        const policy = validatePolicy(changed(changes));
        expect(await fits(policy)).toBe(classifiable(policy));
      }),
      { numRuns: 150 },
    );
  });
});
