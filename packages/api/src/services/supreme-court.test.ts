import { toCstDate } from '@fivecolor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../auth/api-keys.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

describe.each(dbKinds())('a key of the Supreme People’s Court (最高法) covers every court (%s)', (kind) => {
  let h: Harness;
  let spc: ReturnType<Harness['client']>;
  beforeAll(async () => {
    h = await createHarness(kind);
    spc = h.client(
      (await createApiKey(h.db, h.secret, { role: 'judge', name: 'SPC judge', court: '最高法' })).key,
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('decides an objection to a 浙0212 record (the record’s court or a court above it)', async () => {
    const partyId = await h.registerPerson(4242);
    const { recordId } = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212执88号',
      effectiveFrom: toCstDate(h.clock.now),
    });
    const party = h.client((await h.as('portal').party.issueSession.mutate({ partyId })).token);
    const { objectionId } = await party.objection.file.mutate({ recordId, reason: '不服' });
    await expect(
      spc.objection.resolve.mutate({ objectionId, decision: 'upheld', reason: '经最高法审查，予以撤销' }),
    ).resolves.toMatchObject({ status: 'upheld', classification: { color: 'green' } });
  });

  it('sees the cases 浙0212 marked for its trial judges, as a key for 浙02 does', async () => {
    const caseNumber = '（2026）浙0212民初777号';
    await h.as('clerk').party.screen.mutate({
      caseNumber,
      parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(4243) }],
    });
    await h.as('clerk').party.markCase.mutate({ caseNumber, note: '请从严审查' });
    expect((await h.as('judge').party.markedCases.query()).items.map((i) => i.caseNumber)).toContain(
      caseNumber,
    );
    expect((await spc.party.markedCases.query()).items.map((i) => i.caseNumber)).toContain(caseNumber);
  });
});
