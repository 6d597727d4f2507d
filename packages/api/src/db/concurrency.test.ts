import { classify, toCstDate } from '@fivecolor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-log.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

const CATEGORIES = ['Y01', 'Y02', 'R03', 'G01', 'Y08', 'R04', 'G01', 'Y11'];

describe.each(dbKinds())('32 concurrent writers on one party (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('ends in exactly classify(all records), with no lost update', async () => {
    const { partyId } = await h.as('clerk').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(1),
      name: '周某',
    });
    const start = Date.parse('2026-01-01T00:00:00+08:00');
    const enforcement = h.as('enforcement');
    const writes = Array.from({ length: 32 }, (_, i) => {
      const effectiveFrom = toCstDate(new Date(start + i * 7 * 86_400_000));
      return enforcement.record.create
        .mutate({
          partyId,
          category: CATEGORIES[i % CATEGORIES.length]!,
          court: '浙0212',
          caseNumber: `（2026）浙0212民初${i + 1}号`,
          effectiveFrom,
        })
        .then(
          () => null,
          (err: Error) => err.message,
        );
    });
    const failures = (await Promise.all(writes)).filter((message) => message !== null);
    expect(failures).toEqual([]);
    const detail = await h.as('clerk').party.get.query({ partyId });
    expect(detail.records).toHaveLength(32);
    expect(detail.version).toBe(33);
    const expected = classify(
      detail.records.map((r) => ({
        id: r.recordId,
        category: r.category,
        effectiveFrom: r.effectiveFrom,
        effectiveUntil: r.effectiveUntil,
        revoked: r.revoked,
      })),
      { asOf: new Date() },
    );
    expect(detail.classification).toMatchObject({
      color: expected.color,
      since: expected.since,
      until: expected.until,
    });
    expect([...detail.classification.basis].sort()).toEqual([...expected.basis].sort());
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });
});
