import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, caseMarks } from '../db/schema.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

const CASE = '（2026）浙0212民初501号';
const OTHER = '（2026）浙0301民初9号';

describe.each(dbKinds())('marking a screened case for the trial judge on %s', (kind) => {
  let h: Harness;
  let yellow: string;
  let green: string;

  beforeAll(async () => {
    h = await createHarness(kind);
    h.clock.now = new Date('2026-03-02T02:00:00Z');
    yellow = await h.registerPerson(501, '李某某');
    green = await h.registerPerson(502, '赵某某');
    await h.as('judge').record.create.mutate({
      partyId: yellow,
      category: 'Y06',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初5号',
      effectiveFrom: '2025-06-01',
    });
    await h.as('clerk').party.screen.mutate({
      caseNumber: CASE,
      parties: [
        { idType: 'RESIDENT_ID', idNumber: residentId(501) },
        { idType: 'RESIDENT_ID', idNumber: residentId(502) },
        { idType: 'RESIDENT_ID', idNumber: residentId(503) },
      ],
    });
    await h.client(h.otherCourtJudge).party.screen.mutate({
      caseNumber: OTHER,
      parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(501) }],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('marks a case once per idempotency key, audits it against its parties, and the judge sees it with its screenings', async () => {
    const first = await h.as('clerk').party.markCase.mutate({
      caseNumber: CASE,
      note: '黄码当事人，请从严审查',
      idempotencyKey: 'mark-501',
    });
    expect(first).toMatchObject({
      caseNumber: CASE,
      court: '浙0212',
      note: '黄码当事人，请从严审查',
      markedBy: { name: 'clerk test' },
      markedAt: '2026-03-02T02:00:00.000Z',
    });
    expect(first.markId).toMatch(/^mrk_/);
    // A retry (double click) replays the first answer and writes nothing more.
    const again = await h.as('clerk').party.markCase.mutate({
      caseNumber: CASE,
      note: '黄码当事人，请从严审查',
      idempotencyKey: 'mark-501',
    });
    expect(again).toEqual(first);
    const rows = await h.db.db.select().from(caseMarks).where(eq(caseMarks.caseNumber, CASE));
    expect(rows).toHaveLength(1);
    const audited = await h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'party.markCase'), eq(auditLog.target, CASE)));
    expect(audited.map((a) => a.partyId).sort()).toEqual([yellow, green].sort());

    h.clock.now = new Date('2026-03-02T03:00:00Z');
    const page = await h.as('judge').party.markedCases.query();
    expect(page.nextOffset).toBeNull();
    expect(page.items).toHaveLength(1);
    const [item] = page.items;
    expect(item).toMatchObject({ caseNumber: CASE, court: '浙0212', alerts: 1 });
    expect(item?.marks.map((m) => m.markId)).toEqual([first.markId]);
    // One transaction screened all three: same time, so compared in any order.
    expect(item?.screenings.map((s) => [s.partyId, s.color, s.alert])).toEqual(
      expect.arrayContaining([
        [yellow, 'yellow', true],
        [green, 'green', false],
        [null, 'green', false],
      ]),
    );
    expect(item?.screenings).toHaveLength(3);
    // The judge's read is audited against each known party, naming the case.
    const reads = await h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'party.markedCases'), eq(auditLog.partyId, yellow)));
    expect(reads.map((r) => r.target)).toEqual([CASE]);
  });

  it('pages the marked cases, newest first; one case filtered by number', async () => {
    const more = ['（2026）浙0212民初601号', '（2026）浙0212民初602号', '（2026）浙0212民初603号'];
    for (const [i, cn] of more.entries()) {
      h.clock.now = new Date(`2026-03-0${3 + i}T02:00:00Z`);
      await h.as('clerk').party.screen.mutate({
        caseNumber: cn,
        parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(502) }],
      });
      await h.as('clerk').party.markCase.mutate({ caseNumber: cn });
    }
    const p1 = await h.as('judge').party.markedCases.query({ limit: 2 });
    expect(p1.items.map((i) => i.caseNumber)).toEqual([more[2], more[1]]);
    expect(p1.nextOffset).toBe(2);
    const p2 = await h.as('judge').party.markedCases.query({ limit: 2, offset: 2 });
    expect(p2.items.map((i) => i.caseNumber)).toEqual([more[0], CASE]);
    expect(p2.nextOffset).toBeNull();
    const one = await h.as('judge').party.markedCases.query({ caseNumber: CASE });
    expect(one.items.map((i) => i.caseNumber)).toEqual([CASE]);
  });

  it('keeps a court key to its courts: another court neither marks nor sees these cases', async () => {
    const err = await trpcError(h.client(h.otherCourtJudge).party.markCase.mutate({ caseNumber: CASE }));
    expect(err.data?.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/^caseNumber: this key writes only for court 浙03/);
    const other = await h.client(h.otherCourtJudge).party.markedCases.query();
    expect(other.items).toEqual([]);
    await h.client(h.otherCourtJudge).party.markCase.mutate({ caseNumber: OTHER });
    expect(
      (await h.client(h.otherCourtJudge).party.markedCases.query()).items.map((i) => i.caseNumber),
    ).toEqual([OTHER]);
    expect((await h.as('judge').party.markedCases.query()).items.map((i) => i.caseNumber)).not.toContain(
      OTHER,
    );
  });

  it('refuses bad input naming the field, and a case never screened, writing nothing', async () => {
    const count = async () =>
      Number((await h.db.db.select({ n: sql<number>`count(*)` }).from(caseMarks))[0]?.n);
    const before = await count();
    const bad = await trpcError(h.as('clerk').party.markCase.mutate({ caseNumber: '2026民初1号' }));
    expect(bad.data?.code).toBe('BAD_REQUEST');
    expect(bad.message).toMatch(/^caseNumber: /);
    const long = await trpcError(
      h.as('clerk').party.markCase.mutate({ caseNumber: CASE, note: 'x'.repeat(501) }),
    );
    expect(long.message).toMatch(/^note: /);
    const unscreened = await trpcError(
      h.as('clerk').party.markCase.mutate({ caseNumber: '（2026）浙0212民初999号' }),
    );
    expect(unscreened.data?.code).toBe('BAD_REQUEST');
    expect(unscreened.message).toBe(
      'caseNumber: must be screened first (party.screen) before it is marked for the trial judge',
    );
    const limit = await trpcError(h.as('judge').party.markedCases.query({ limit: 0 }));
    expect(limit.message).toMatch(/^limit: must be at least 1/);
    expect(await count()).toBe(before);
  });

  it('refuses bank, exchange and admin keys', async () => {
    for (const role of ['bank', 'exchange', 'admin'] as const) {
      const err = await trpcError(h.as(role).party.markedCases.query());
      expect(err.data?.code, role).toBe('FORBIDDEN');
      const mark = await trpcError(h.as(role).party.markCase.mutate({ caseNumber: CASE }));
      expect(mark.data?.code, role).toBe('FORBIDDEN');
    }
    const hist = await trpcError(h.as('bank').party.caseHistory.query({ partyId: yellow }));
    expect(hist.data?.code).toBe('FORBIDDEN');
  });

  it('keeps every mark: the database refuses to change or delete one', async () => {
    const refused = (statement: ReturnType<typeof sql>) =>
      h.db.db.execute(statement).then(
        () => 'no error',
        (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
      );
    expect(await refused(sql`delete from case_marks`)).toMatch(/DELETE on case_marks is not allowed/);
    expect(await refused(sql`update case_marks set note = 'x'`)).toMatch(
      /UPDATE on case_marks is not allowed/,
    );
    expect(await refused(sql`truncate case_marks`)).toMatch(/TRUNCATE on case_marks is not allowed/);
    expect((await h.as('judge').party.markedCases.query()).items.length).toBeGreaterThan(0);
  });

  it('gives the party case history by year (CST): screenings, marks, records entered and revoked; audited as a read', async () => {
    const old = await h.as('judge').record.create.mutate({
      partyId: yellow,
      category: 'Y02',
      court: '浙0212',
      caseNumber: '（2024）浙0212民初7号',
      effectiveFrom: '2024-12-31',
    });
    // Revoked at 2026-12-31T17:00Z, which is already 2027-01-01 in CST.
    h.clock.now = new Date('2026-12-31T17:00:00Z');
    await h.as('judge').record.revoke.mutate({ recordId: old.recordId, reason: '录入错误' });
    const hist = await h.as('judge').party.caseHistory.query({ partyId: yellow, purpose: '审理参考' });
    expect(hist.years.map((y) => y.year)).toEqual([2027, 2026, 2025, 2024]);
    expect(hist.years[0]?.cases).toEqual([
      {
        caseNumber: '（2024）浙0212民初7号',
        court: '浙0212',
        events: [{ kind: 'revoked', date: '2027-01-01', category: 'Y02', recordId: old.recordId }],
      },
    ]);
    const y2026 = hist.years[1]?.cases ?? [];
    expect(y2026.map((c) => c.caseNumber)).toEqual([OTHER, CASE]);
    expect(y2026[1]?.events).toEqual([
      { kind: 'marked', date: '2026-03-02' },
      { kind: 'screened', date: '2026-03-02', color: 'yellow', alert: true },
    ]);
    expect(hist.years[2]?.cases[0]?.events).toEqual([
      { kind: 'entered', date: '2025-06-01', category: 'Y06', recordId: expect.stringMatching(/^rec_/) },
    ]);
    expect(hist.years[3]?.cases[0]?.events[0]).toMatchObject({ kind: 'entered', category: 'Y02' });
    const reads = await h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'party.caseHistory'), eq(auditLog.partyId, yellow)));
    expect(reads.map((r) => r.purpose)).toEqual(['审理参考']);
    // A party with no case has an empty history; an unknown party is not found.
    const fresh = await h.registerPerson(504);
    expect((await h.as('clerk').party.caseHistory.query({ partyId: fresh })).years).toEqual([]);
    const missing = await trpcError(
      h.as('judge').party.caseHistory.query({ partyId: 'pty_AAAAAAAAAAAAAAAAAAAAAA' }),
    );
    expect(missing.data?.code).toBe('NOT_FOUND');
    const bad = await trpcError(h.as('judge').party.caseHistory.query({ partyId: 'nope' }));
    expect(bad.message).toMatch(/^partyId: /);
  });
});
