// What a newcomer hits in the first hour with the API: identity numbers as copied from cards, a wrong key,
// a typo'd year, and report numbers that follow one scheme whoever issues them.
import { addDuration, toCstDate } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/rows.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

describe.each(dbKinds())('first hour on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  const count = async (table: string) =>
    Number(rowsOf<{ n: string }>(await h.db.db.execute(sql.raw(`select count(*) as n from ${table}`)))[0]?.n);

  it('reads a resident id typed in groups with spaces or hyphens as the same identity', async () => {
    const id = residentId(8101);
    const grouped = `${id.slice(0, 4)} ${id.slice(4, 8)} ${id.slice(8, 12)} ${id.slice(12, 16)} ${id.slice(16)}`;
    const a = await h
      .as('clerk')
      .party.register.mutate({ kind: 'person', idType: 'RESIDENT_ID', idNumber: grouped, name: '王某' });
    const b = await h.as('clerk').party.lookup.mutate({
      idType: 'RESIDENT_ID',
      idNumber: `${id.slice(0, 6)}-${id.slice(6, 14)}-${id.slice(14)}`,
    });
    expect(b.party).toMatchObject({ partyId: a.partyId, idNumber: id });
  });

  it('tells a caller whose key is unknown that the key is the problem, not that none was sent', async () => {
    const none = await trpcError(h.client().stats.summary.query());
    expect(none.data?.code).toBe('UNAUTHORIZED');
    expect(none.message).toMatch(/^send Authorization: Bearer/);
    const unknown = await trpcError(h.client(`fck_${'x'.repeat(40)}`).stats.summary.query());
    expect(unknown.data?.code).toBe('UNAUTHORIZED');
    expect(unknown.message).toMatch(/unknown, revoked or expired/);
    expect(unknown.message).not.toContain('fck_');
  });

  it('refuses a record that starts more than a year from today, writing nothing', async () => {
    const { partyId } = await h.as('judge').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(8102),
      name: '赵某',
    });
    const today = toCstDate(h.clock.now);
    const before = await count('records');
    const far = await trpcError(
      h.as('judge').record.create.mutate({
        partyId,
        category: 'Y01',
        court: '浙02',
        caseNumber: '（2024）浙02民终5号',
        effectiveFrom: '2099-03-01',
      }),
    );
    expect(far.data?.code).toBe('BAD_REQUEST');
    expect(far.message).toBe(
      `effectiveFrom: must be at most one year after today (${addDuration(today, 'P1Y')})`,
    );
    expect(await count('records')).toBe(before);
    // Within a year is fine (a decision that takes effect later this year).
    const soon = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y01',
      court: '浙02',
      caseNumber: '（2024）浙02民终5号',
      effectiveFrom: addDuration(today, 'P1M'),
    });
    const amend = await trpcError(
      h
        .as('judge')
        .record.amend.mutate({ recordId: soon.recordId, reason: '更正', effectiveFrom: '2099-01-01' }),
    );
    expect(amend.message).toMatch(/^effectiveFrom: must be at most one year after today/);
  });

  it("numbers a report by the issuing court, or by the party's court of record when the party issues it", async () => {
    const { partyId } = await h.as('judge').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(8103),
      name: '钱某',
    });
    await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y01',
      court: '浙0212',
      caseNumber: '（2024）浙0212民初9号',
      effectiveFrom: toCstDate(h.clock.now),
    });
    const byJudge = await h.as('judge').report.issue.mutate({ partyId });
    expect(byJudge.reportNo).toMatch(/^浙02-\d{4}-\d{6}$/);
    const { token } = await h.as('portal').party.issueSession.mutate({ partyId });
    const byParty = await h.client(token).report.issue.mutate({ partyId });
    expect(byParty.reportNo).toMatch(/^浙0212-\d{4}-\d{6}$/);
  });
});
