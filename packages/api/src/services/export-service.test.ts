import { toCstDate } from '@fivecolor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

describe.each(dbKinds())('party.export on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let otherId: string;
  let session: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = await h.registerPerson(81, '冯某某');
    otherId = await h.registerPerson(82, '陈某某');
    const today = toCstDate(h.clock.now);
    for (const [id, n] of [
      [partyId, 1],
      [otherId, 2],
    ] as const)
      await h.as('judge').record.create.mutate({
        partyId: id,
        category: 'Y01',
        court: '浙0212',
        caseNumber: `（2025）浙0212民初8${n}号`,
        effectiveFrom: today,
      });
    session = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives the party everything held about it, and nothing about anyone else', async () => {
    const party = h.client(session);
    const { code } = await party.report.issue.mutate({ partyId });
    const [record] = await party.record.list.query({ partyId });
    await party.objection.file.mutate({ recordId: record?.recordId as string, reason: '我对该记录有异议' });
    await party.consent.grant.mutate({
      grantee: 'Test Bank',
      scopes: ['code'],
      until: toCstDate(new Date(h.clock.now.getTime() + 30 * 86_400_000)),
    });
    await h.as('bank').party.get.query({ partyId, purpose: '贷后管理' });

    const doc = await party.party.export.query({ partyId });
    expect(doc.party).toMatchObject({ partyId, name: '冯某某', idNumber: residentId(81) });
    expect(doc.classification.color).toBe('yellow');
    expect(doc.records).toEqual([
      expect.objectContaining({ category: 'Y01', objection: expect.objectContaining({ status: 'open' }) }),
    ]);
    expect(doc.timeline.map((s) => s.color)).toEqual(['green', 'yellow', 'green']); // Y01 runs its term, then green
    expect(doc.reports).toEqual([expect.objectContaining({ color: 'yellow', policyId: 'default-2022' })]);
    expect(doc.consents).toEqual([expect.objectContaining({ grantee: 'Test Bank', active: true })]);
    expect(doc.objections).toEqual([expect.objectContaining({ status: 'open', reason: '我对该记录有异议' })]);
    expect(doc.accessLog.items).toContainEqual(
      expect.objectContaining({
        actorRole: 'bank',
        actorOrg: 'Test Bank',
        action: 'party.get',
        purpose: '贷后管理',
      }),
    );
    const text = JSON.stringify(doc);
    expect(text).not.toContain(code); // a report's code is the holder's, not stored in clear anyway
    expect(text).not.toContain(otherId);
    expect(text).not.toContain('陈某某');
    expect(text).not.toContain(residentId(82));
    // The export itself is audited as a read of the party.
    const again = await party.party.export.query({ partyId });
    expect(again.accessLog.items[0]).toMatchObject({ action: 'party.export', purpose: 'data export' });
  });

  it('is the party’s own, or court staff’s on its behalf: never another party’s or a bank’s', async () => {
    expect((await h.as('judge').party.export.query({ partyId })).party.partyId).toBe(partyId);
    expect((await trpcError(h.client(session).party.export.query({ partyId: otherId }))).data?.code).toBe(
      'FORBIDDEN',
    );
    expect((await trpcError(h.as('bank').party.export.query({ partyId }))).data?.code).toBe('FORBIDDEN');
  });
});
