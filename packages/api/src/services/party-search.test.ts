import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../db/schema.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

const CASE = '（2025）浙0212民初9号';

describe.each(dbKinds())('party.search (exact name among the parties the court has seen) on %s', (kind) => {
  let h: Harness;
  let seen: string;
  let unseen: string;
  let namesake: string;

  beforeAll(async () => {
    h = await createHarness(kind);
    seen = await h.registerPerson(901, '欧阳明月');
    namesake = await h.registerPerson(902, '欧阳明日'); // same masked form 欧***
    unseen = await h.registerPerson(903, '欧阳明月'); // same name, no record in 浙02
    for (const partyId of [seen, namesake])
      await h.as('judge').record.create.mutate({
        partyId,
        category: 'Y13',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: '2026-01-05',
      });
    await h.client(h.otherCourtJudge).record.create.mutate({
      partyId: unseen,
      category: 'Y13',
      court: '浙0301',
      caseNumber: '（2025）浙0301民初9号',
      effectiveFrom: '2026-01-05',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finds the exact full name among its courts only, masked, and audits each party found', async () => {
    const r = await h.as('clerk').party.search.mutate({ name: ' 欧阳明月 ' });
    expect(r.candidates).toEqual([
      {
        partyId: seen,
        kind: 'person',
        nameMasked: '欧***',
        idType: 'RESIDENT_ID',
        idNumberMasked: expect.stringMatching(/^\d{4}\*+\d{3}[\dX]$/),
        color: 'yellow',
      },
    ]);
    expect(JSON.stringify(r)).not.toContain('欧阳');
    const audited = await h.db.db.select().from(auditLog).where(eq(auditLog.partyId, seen));
    expect(audited.some((a) => a.purpose === 'name search')).toBe(true);
    // Part of a name finds nothing; the other court finds its own party.
    expect((await h.as('judge').party.search.mutate({ name: '欧阳' })).candidates).toEqual([]);
    const other = await h.client(h.otherCourtJudge).party.search.mutate({ name: '欧阳明月' });
    expect(other.candidates.map((c) => c.partyId)).toEqual([unseen]);
  });

  it('refuses an empty name, naming the field', async () => {
    const err = await trpcError(h.as('clerk').party.search.mutate({ name: '' }));
    expect(err.data?.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/^name: /);
  });

  it('finds a name registered with spaces, asked for with or without them', async () => {
    const spaced = (
      await h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(911),
        name: 'Li  Lei',
      })
    ).partyId;
    await h.as('judge').record.create.mutate({
      partyId: spaced,
      category: 'Y13',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2026-01-05',
    });
    for (const name of ['Li Lei', 'LiLei', 'Li  Lei'])
      expect(
        (await h.as('clerk').party.search.mutate({ name })).candidates.map((c) => c.partyId),
        name,
      ).toEqual([spaced]);
    expect((await h.as('clerk').party.search.mutate({ name: 'Li Le' })).candidates).toEqual([]);
    const org = (
      await h.as('clerk').party.register.mutate({
        kind: 'org',
        idType: 'USCC',
        idNumber: '914403001922038216',
        name: 'Ningbo Trading 有限公司',
      })
    ).partyId;
    await h.as('judge').record.create.mutate({
      partyId: org,
      category: 'Y13',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2026-01-05',
    });
    for (const name of ['NingboTrading有限公司', 'Ningbo Trading 有限公司'])
      expect(
        (await h.as('clerk').party.search.mutate({ name })).candidates.map((c) => c.partyId),
        name,
      ).toEqual([org]);
  });
});
