import { defaultPolicy } from '@fivecolor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';
import { fiveYearsBefore, isArchived } from './retention.js';

describe('isArchived (retention, five years after the term)', () => {
  const y = (effectiveUntil: string | null, category = 'Y01') => ({ category, effectiveUntil });
  it('archives a negative record on the day five years after its term ended, not a day before', () => {
    expect(isArchived(y('2020-03-01'), '2025-03-01', defaultPolicy)).toBe(true);
    expect(isArchived(y('2020-03-02'), '2025-03-01', defaultPolicy)).toBe(false);
    expect(isArchived(y('2020-03-01', 'R03'), '2025-03-01', defaultPolicy)).toBe(true);
  });
  it('never archives an indefinite record or a positive one', () => {
    expect(isArchived(y(null), '2099-01-01', defaultPolicy)).toBe(false);
    expect(isArchived(y('2010-01-01', 'G01'), '2025-03-01', defaultPolicy)).toBe(false);
    expect(isArchived(y('2010-01-01', 'B01'), '2025-03-01', defaultPolicy)).toBe(false);
  });
  it('counts five years from a leap day to 28 February', () => {
    expect(fiveYearsBefore('2028-02-29')).toBe('2023-02-28');
  });
});

describe.each(dbKinds())('retention through the API on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let session: string;
  let recordId: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    h.clock.now = new Date('2025-06-01T04:00:00Z');
    partyId = await h.registerPerson(71);
    recordId = (
      await h.as('judge').record.create.mutate({
        partyId,
        category: 'Y01',
        court: '浙0212',
        caseNumber: '（2015）浙0212民初71号',
        effectiveFrom: '2015-01-01',
        effectiveUntil: '2020-01-01',
      })
    ).recordId;
    session = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows an archived record to court staff marked archived, and to nobody else', async () => {
    const staff = await h.as('clerk').record.list.query({ partyId });
    expect(staff.find((r) => r.recordId === recordId)).toMatchObject({ archived: true });
    expect(await h.client(session).record.list.query({ partyId })).toEqual([]);
    expect((await h.client(session).party.get.query({ partyId })).records).toEqual([]);
    expect((await h.as('judge').party.get.query({ partyId })).records).toHaveLength(1);
    const { report } = await h.client(session).report.issue.mutate({ partyId });
    expect(report.records).toEqual([]);
    expect(report.timeline.map((s) => s.color)).toEqual(['green']);
  });

  it('refuses an objection to an archived record, writing nothing', async () => {
    const refused = await trpcError(h.client(session).objection.file.mutate({ recordId, reason: '已过期' }));
    expect(refused.data?.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/^recordId: record rec_\S+ is archived/);
    expect((await h.as('judge').objection.list.query({ partyId })).items).toEqual([]);
  });

  it('shows the record to the party while its term ended less than five years ago', async () => {
    const saved = h.clock.now;
    h.clock.now = new Date('2024-12-31T04:00:00Z');
    try {
      const mine = await h
        .client((await h.as('portal').party.issueSession.mutate({ partyId })).token)
        .record.list.query({ partyId });
      expect(mine).toEqual([expect.objectContaining({ recordId, archived: false })]);
    } finally {
      h.clock.now = saved;
    }
  });

  it('does not show the party its objections to records archived since (court staff see them)', async () => {
    const saved = h.clock.now;
    const other = await h.registerPerson(72);
    try {
      h.clock.now = new Date('2019-06-01T04:00:00Z');
      const { recordId: old } = await h.as('judge').record.create.mutate({
        partyId: other,
        category: 'Y01',
        court: '浙0212',
        caseNumber: '（2019）浙0212民初72号',
        effectiveFrom: '2019-01-01',
        effectiveUntil: '2020-01-01',
      });
      const party = h.client((await h.as('portal').party.issueSession.mutate({ partyId: other })).token);
      const { objectionId } = await party.objection.file.mutate({ recordId: old, reason: '不服' });
      expect((await party.objection.list.query({})).items.map((o) => o.objectionId)).toEqual([objectionId]);
      h.clock.now = saved; // 2025-06-01: the record ended more than five years ago
      const now = h.client((await h.as('portal').party.issueSession.mutate({ partyId: other })).token);
      expect((await now.objection.list.query({})).items).toEqual([]);
      const staff = await h.as('judge').objection.list.query({ partyId: other });
      expect(staff.items.map((o) => o.objectionId)).toEqual([objectionId]);
    } finally {
      h.clock.now = saved;
    }
  });

  it("does not show the party its archived record's color in its timeline (court staff see it)", async () => {
    const party = h.client(session);
    const { report } = await party.report.issue.mutate({ partyId });
    expect(report.timeline.map((s) => s.color)).toEqual(['green']);
    const mine = await party.party.timeline.query({ partyId });
    expect(mine.segments.map((s) => s.color)).toEqual(['green']);
    const staff = await h.as('judge').party.timeline.query({ partyId });
    expect(staff.segments.map((s) => s.color)).toEqual(['green', 'yellow', 'green']);
  });
});

describe.each(dbKinds())('retention in the change feed on %s', (kind) => {
  let h: Harness;
  let archived: string; // yellow 2018-01-01 to 2020-01-01: archived from 2025-01-01
  let ongoing: string; // yellow from 2018-01-01, indefinite
  beforeAll(async () => {
    h = await createHarness(kind);
    h.clock.now = new Date('2018-01-02T02:00:00Z');
    archived = await h.registerPerson(72);
    ongoing = await h.registerPerson(73);
    const record = (partyId: string, category: string, effectiveUntil?: string) =>
      h.as('judge').record.create.mutate({
        partyId,
        category,
        court: '浙0212',
        caseNumber: '（2018）浙0212民初72号',
        effectiveFrom: '2018-01-01',
        ...(effectiveUntil ? { effectiveUntil } : {}),
      });
    await record(archived, 'Y01', '2020-01-01');
    await record(ongoing, 'Y15');
    h.clock.now = new Date('2020-06-01T02:00:00Z');
    await h.as('judge').party.get.query({ partyId: archived }); // back to green, by time
    h.clock.now = new Date('2026-09-10T02:00:00Z');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows partners no color change of an archived run, into it or out of it; the admin sees them', async () => {
    const colorChanges = async (role: 'exchange' | 'admin', partyId: string) =>
      (await h.as(role).exchange.changes.query({ types: ['color.changed'] })).items
        .filter((i) => i.partyId === partyId)
        .map((i) => `${i.color?.from}→${i.color?.to}`);
    expect(await colorChanges('admin', archived)).toEqual(['green→yellow', 'yellow→green']);
    expect(await colorChanges('exchange', archived)).toEqual([]);
    expect(await colorChanges('exchange', ongoing)).toEqual(['green→yellow']);
  });
});

describe.each(dbKinds())('retention on the badge on %s', (kind) => {
  let h: Harness;
  afterAll(async () => {
    await h?.close();
  });

  it('does not flag a badge under objection for an objection to a record archived since', async () => {
    h = await createHarness(kind);
    h.clock.now = new Date('2019-06-01T04:00:00Z');
    const partyId = await h.registerPerson(74);
    const { recordId } = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y01',
      court: '浙0212',
      caseNumber: '（2019）浙0212民初74号',
      effectiveFrom: '2019-01-01',
      effectiveUntil: '2020-01-01',
    });
    const session = async () => (await h.as('portal').party.issueSession.mutate({ partyId })).token;
    await h.client(await session()).objection.file.mutate({ recordId, reason: '不服' });
    const badge = async () => {
      const { token } = await h.as('judge').party.issueBadgeToken.mutate({ partyId });
      return (await h.app.request(`/v1/badge/${token}`)).json();
    };
    expect(await badge()).toMatchObject({ underObjection: true });
    h.clock.now = new Date('2025-06-01T04:00:00Z'); // the term ended more than five years ago
    expect(await badge()).not.toHaveProperty('underObjection');
    expect((await h.client(await session()).objection.list.query({})).items).toEqual([]);
  });
});
