import { addDuration, toCstDate } from '@fivecolor/core';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, changes, objections } from '../db/schema.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';

const CASE = '（2025）浙0212执88号';
const DAY = 86_400_000;

describe.each(dbKinds())('objections (异议) on %s', (kind) => {
  let h: Harness;
  let n = 0;
  const today = () => toCstDate(h.clock.now);

  /** A party with a fresh session (a session lives minutes; the clock moves in these tests). */
  const newParty = async () => {
    const partyId = await h.registerPerson(700 + n++);
    return { partyId, party: await session(partyId) };
  };
  const session = async (partyId: string) =>
    h.client((await h.as('portal').party.issueSession.mutate({ partyId })).token);
  const newRecord = async (partyId: string, court = '浙0212') =>
    (
      await h.as('judge').record.create.mutate({
        partyId,
        category: 'Y14',
        court,
        caseNumber: CASE,
        effectiveFrom: today(),
      })
    ).recordId;

  /** A reader of the party's public badge (a token issued for it), as a partner site asks for it. */
  const badgeOf = async (partyId: string) => {
    const { token } = await h.as('judge').party.issueBadgeToken.mutate({ partyId });
    return async () => (await (await h.app.request(`/v1/badge/${token}`)).json()) as Record<string, unknown>;
  };
  /** What an objection step writes: objections, change-feed rows and write audit rows. */
  const written = async () => ({
    objections: await h.db.db.select().from(objections),
    changes: (await h.db.db.select().from(changes)).length,
    audit: (
      await h.db.db
        .select()
        .from(auditLog)
        .where(inArray(auditLog.action, ['objection.file', 'objection.resolve']))
    ).length,
  });
  /** The refusal of `call`, checking that nothing was written. */
  const refused = async (call: () => Promise<unknown>) => {
    const before = await written();
    const err = await trpcError(call());
    expect(await written()).toEqual(before);
    return { code: err.data?.code, message: err.message };
  };

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('files, flags, goes overdue, is upheld: the record is revoked and the color recomputed', async () => {
    const { partyId, party } = await newParty();
    const recordId = await newRecord(partyId);
    const filedOn = today();
    const filed = await party.objection.file.mutate({ recordId, reason: '  案件已执行完毕，请求撤销  ' });
    const dueDate = addDuration(filedOn, 'P15D');
    expect(filed).toEqual({
      objectionId: expect.stringMatching(/^obj_/),
      recordId,
      status: 'open',
      filedAt: h.clock.now.toISOString(),
      dueDate,
    });
    const { objectionId } = filed;
    const flag = { objectionId, status: 'open', dueDate };

    // Flagged wherever records are listed; the record keeps counting.
    const listed = await h.as('judge').record.list.query({ partyId });
    expect(listed.find((r) => r.recordId === recordId)?.objection).toEqual(flag);
    const own = await party.party.get.query({ partyId });
    expect(own.classification.color).toBe('yellow');
    expect(own.records.find((r) => r.recordId === recordId)?.objection).toEqual(flag);
    const looked = await h.as('clerk').party.lookup.mutate({
      idType: own.party.idType,
      idNumber: own.party.idNumber,
    });
    expect(looked.records.find((r) => r.recordId === recordId)?.objection).toEqual(flag);
    const { report } = await h.as('judge').report.issue.mutate({ partyId });
    expect(report.records.find((r) => r.recordId === recordId)).toMatchObject({
      status: 'objected',
      counting: true,
      objection: { status: 'open', filedAt: filed.filedAt },
    });

    // Open, not overdue on its due date; overdue from the day after (day 16).
    const judge = h.as('judge');
    const mine = <T extends { objectionId: string }>(items: T[]) =>
      items.find((o) => o.objectionId === objectionId);
    expect(mine((await judge.objection.list.query({ status: 'open', partyId })).items)).toMatchObject({
      recordId,
      partyId,
      status: 'open',
      overdue: false,
      dueDate,
      reason: '案件已执行完毕，请求撤销',
    });
    expect(mine((await judge.objection.list.query({ status: 'overdue' })).items)).toBeUndefined();
    const start = h.clock.now;
    h.clock.now = new Date(start.getTime() + 15 * DAY);
    expect(today() >= dueDate).toBe(true);
    expect(mine((await judge.objection.list.query({ status: 'overdue' })).items)).toBeUndefined();
    h.clock.now = new Date(start.getTime() + 16 * DAY);
    expect(mine((await judge.objection.list.query({ status: 'overdue' })).items)).toMatchObject({
      status: 'open',
      overdue: true,
    });
    expect(mine((await judge.objection.list.query({ status: 'open' })).items)?.overdue).toBe(true);

    const resolved = await judge.objection.resolve.mutate({
      objectionId,
      decision: 'upheld',
      reason: '经审查，执行已于立案前履行完毕',
    });
    expect(resolved).toMatchObject({ objectionId, status: 'upheld', classification: { color: 'green' } });
    const after = (await judge.record.list.query({ partyId })).find((r) => r.recordId === recordId);
    expect(after).toMatchObject({ revoked: true, objection: null });
    expect(after?.revokeReason).toContain(objectionId);
    expect((await judge.party.get.query({ partyId })).classification.color).toBe('green');
    const party2 = await session(partyId);
    const seen = (await party2.objection.list.query({ status: 'resolved' })).items;
    expect(seen).toEqual([
      expect.objectContaining({
        objectionId,
        status: 'upheld',
        overdue: false,
        resolution: expect.objectContaining({ decision: 'upheld', reason: '经审查，执行已于立案前履行完毕' }),
      }),
    ]);
    expect((await judge.objection.list.query({ status: 'overdue', partyId })).items).toEqual([]);

    const feed = await h.db.db.select().from(changes).where(eq(changes.partyId, partyId));
    expect(feed.map((c) => c.kind)).toEqual([
      'record.created',
      'color.changed',
      'objection.filed',
      'record.revoked',
      'color.changed',
      'objection.resolved',
    ]);
    expect(feed.find((c) => c.kind === 'objection.filed')).toMatchObject({
      recordId,
      data: { objectionId, dueDate },
    });
    expect(feed.find((c) => c.kind === 'objection.resolved')?.data).toEqual({
      objectionId,
      decision: 'upheld',
    });
    expect(feed.at(-2)).toMatchObject({ kind: 'color.changed', color: 'green', previousColor: 'yellow' });
    // The partner reads the same steps on the public change feed.
    const items: {
      type: string;
      partyId: string;
      color?: { from: string | null; to: string } | undefined;
    }[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await h
        .as('exchange')
        .exchange.changes.query({ limit: 1000, ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
    const onFeed = items.filter((i) => i.partyId === partyId);
    expect(onFeed.map((i) => i.type)).toEqual([
      'record.created',
      'color.changed',
      'objection.filed',
      'record.revoked',
      'color.changed',
      'objection.resolved',
    ]);
    expect(onFeed.at(-2)?.color).toMatchObject({ from: 'yellow', to: 'green' });
    const audit = await h.db.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.partyId, partyId), inArray(auditLog.action, ['objection.file', 'objection.resolve'])),
      )
      .orderBy(auditLog.seq);
    expect(audit.map((a) => [a.action, a.actorRole, a.target])).toEqual([
      ['objection.file', 'party', objectionId],
      ['objection.resolve', 'judge', recordId],
      ['objection.resolve', 'judge', objectionId],
    ]);
    h.clock.now = new Date();
  });

  it('rejects an objection: the record stands and the party sees the decision and its reason', async () => {
    const { partyId, party } = await newParty();
    const recordId = await newRecord(partyId);
    const { objectionId } = await party.objection.file.mutate({ recordId, reason: '不服' });
    const r = await h
      .as('enforcement')
      .objection.resolve.mutate({ objectionId, decision: 'rejected', reason: '理由不成立' });
    expect(r).toMatchObject({ objectionId, status: 'rejected', classification: { color: 'yellow' } });
    const rec = (await party.record.list.query({ partyId })).find((x) => x.recordId === recordId);
    expect(rec).toMatchObject({ revoked: false, objection: null });
    const { items, nextCursor } = await party.objection.list.query();
    expect(nextCursor).toBeNull();
    expect(items).toEqual([
      {
        objectionId,
        recordId,
        partyId,
        status: 'rejected',
        overdue: false,
        filedAt: expect.any(String),
        dueDate: expect.any(String),
        reason: '不服',
        resolution: { decision: 'rejected', reason: '理由不成立', resolvedAt: expect.any(String) },
      },
    ]);
    const feed = await h.db.db.select().from(changes).where(eq(changes.partyId, partyId));
    expect(feed.map((c) => c.kind)).toEqual([
      'record.created',
      'color.changed',
      'objection.filed',
      'objection.resolved',
    ]);
    // Once decided, the record may be objected to again.
    await expect(party.objection.file.mutate({ recordId, reason: '新的证据' })).resolves.toMatchObject({
      status: 'open',
    });
  });

  it('flags the public badge while an objection is open, at once (the cached badge is dropped)', async () => {
    const { partyId, party } = await newParty();
    const recordId = await newRecord(partyId);
    const badge = await badgeOf(partyId);
    expect(await badge()).not.toHaveProperty('underObjection'); // and now it is cached
    const { objectionId } = await party.objection.file.mutate({ recordId, reason: '不服' });
    expect(await badge()).toMatchObject({ color: 'yellow', underObjection: true });
    await h.as('judge').objection.resolve.mutate({ objectionId, decision: 'rejected', reason: '理由不成立' });
    expect(await badge()).not.toHaveProperty('underObjection');
  });

  it('files on the party’s behalf (a judge, from a written objection); the party sees it', async () => {
    const { partyId, party } = await newParty();
    const recordId = await newRecord(partyId);
    const filed = await h.as('judge').objection.file.mutate({ recordId, reason: '书面异议' });
    expect(filed.status).toBe('open');
    expect((await party.objection.list.query({ status: 'open' })).items).toEqual([
      expect.objectContaining({ objectionId: filed.objectionId, recordId, partyId }),
    ]);
    const [row] = await h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'objection.file'), eq(auditLog.target, filed.objectionId)));
    expect(row).toMatchObject({ actorRole: 'judge', detail: expect.objectContaining({ onBehalf: true }) });
  });

  it('lists for court staff, a party only its own, paged by cursor', async () => {
    const a = await newParty();
    const b = await newParty();
    for (let i = 0; i < 3; i++)
      await a.party.objection.file.mutate({ recordId: await newRecord(a.partyId), reason: `a${i}` });
    await b.party.objection.file.mutate({ recordId: await newRecord(b.partyId), reason: 'b' });
    const p1 = await h.as('clerk').objection.list.query({ partyId: a.partyId, limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(p1.nextCursor).toEqual(expect.any(String));
    const p2 = await h
      .as('admin')
      .objection.list.query({ partyId: a.partyId, limit: 2, cursor: p1.nextCursor as string });
    expect(p2.items).toHaveLength(1);
    expect(p2.nextCursor).toBeNull();
    expect(new Set([...p1.items, ...p2.items].map((o) => o.reason))).toEqual(new Set(['a0', 'a1', 'a2']));
    expect((await b.party.objection.list.query()).items.map((o) => o.reason)).toEqual(['b']);
    const other = await trpcError(b.party.objection.list.query({ partyId: a.partyId }));
    expect(other.data?.code).toBe('FORBIDDEN');
    expect(other.message).toMatch(/^partyId: /);
    const bad = await trpcError(h.as('judge').objection.list.query({ cursor: 'nonsense' }));
    expect(bad.data?.code).toBe('BAD_REQUEST');
    expect(bad.message).toMatch(/^cursor: /);
  });

  it('refuses bad input with a message naming the field, writing nothing', async () => {
    const { partyId, party } = await newParty();
    const other = await newParty();
    const recordId = await newRecord(partyId);
    const otherRecord = await newRecord(other.partyId);

    // Another party's record, from a session: FORBIDDEN, told apart from an unknown id by nothing.
    const theirs = await refused(() => party.objection.file.mutate({ recordId: otherRecord, reason: 'x' }));
    const unknownId = 'rec_AAAAAAAAAAAAAAAAAAAAAA';
    const unknown = await refused(() => party.objection.file.mutate({ recordId: unknownId, reason: 'x' }));
    expect(theirs.code).toBe('FORBIDDEN');
    expect(unknown.code).toBe('FORBIDDEN');
    expect(theirs.message.replace(otherRecord, '<id>')).toBe(unknown.message.replace(unknownId, '<id>'));
    expect(theirs.message).toMatch(/^recordId: /);
    const judgeUnknown = await refused(() =>
      h.as('judge').objection.file.mutate({ recordId: unknownId, reason: 'x' }),
    );
    expect(judgeUnknown).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^recordId: /) });

    // Empty and over-long reasons (zod).
    for (const reason of ['', '   ', 'x'.repeat(2001)]) {
      const r = await refused(() => party.objection.file.mutate({ recordId, reason }));
      expect(r.code, reason).toBe('BAD_REQUEST');
      expect(r.message, reason).toMatch(/reason/);
    }

    // A judge of another court (浙03) may neither file nor resolve for a 浙0212 record.
    const elsewhere = await refused(() =>
      h.client(h.otherCourtJudge).objection.file.mutate({ recordId, reason: 'x' }),
    );
    expect(elsewhere).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/^recordId: /) });

    // One open objection per record.
    const { objectionId } = await party.objection.file.mutate({ recordId, reason: '第一次' });
    const second = await refused(() => party.objection.file.mutate({ recordId, reason: '第二次' }));
    expect(second.code).toBe('CONFLICT');
    expect(second.message).toMatch(new RegExp(`^recordId: .*${objectionId}`));
    const onBehalf = await refused(() => h.as('judge').objection.file.mutate({ recordId, reason: '代' }));
    expect(onBehalf.code).toBe('CONFLICT');

    const foreign = await refused(() =>
      h
        .client(h.otherCourtJudge)
        .objection.resolve.mutate({ objectionId, decision: 'upheld', reason: '越权' }),
    );
    expect(foreign).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/^objectionId: this key writes only for court 浙03/),
    });
    const emptyReason = await refused(() =>
      h.as('judge').objection.resolve.mutate({ objectionId, decision: 'upheld', reason: ' ' }),
    );
    expect(emptyReason).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/reason/) });
    const missing = await refused(() =>
      h.as('judge').objection.resolve.mutate({
        objectionId: 'obj_AAAAAAAAAAAAAAAAAAAAAA',
        decision: 'upheld',
        reason: 'x',
      }),
    );
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^objectionId: /) });

    // Resolving twice.
    await h.as('judge').objection.resolve.mutate({ objectionId, decision: 'rejected', reason: '驳回' });
    const twice = await refused(() =>
      h.as('judge').objection.resolve.mutate({ objectionId, decision: 'upheld', reason: '再次' }),
    );
    expect(twice).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/^objectionId: .*resolved/),
    });

    // A revoked record: CONFLICT (its state, not the input, is what is wrong).
    await h.as('judge').record.revoke.mutate({ recordId, reason: '录入错误' });
    const revoked = await refused(() => party.objection.file.mutate({ recordId, reason: 'x' }));
    expect(revoked).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/^recordId: .*revoked/),
    });
  });

  it('an objection to a record a partner imported without a court is decided by any court', async () => {
    const { partyId, party } = await newParty();
    const lookup = await h.as('clerk').party.get.query({ partyId });
    const imported = await h.call(
      'exchange.import',
      {
        records: [
          {
            externalId: 'NB-objection-1',
            kind: 'person',
            idType: lookup.party.idType,
            idNumber: lookup.party.idNumber,
            name: lookup.party.name,
            category: 'Y14',
            effectiveFrom: today(),
          },
        ],
      },
      h.keys.exchange,
    );
    const recordId = (imported.data as { results: { recordId: string }[] }).results[0]?.recordId as string;
    expect(recordId).toMatch(/^rec_/);
    const filed = await party.objection.file.mutate({ recordId, reason: '该记录所涉案件已撤诉' });
    // The judge of 浙03 is no court of the record (it names none) and still may decide.
    const decided = await h.client(h.otherCourtJudge).objection.resolve.mutate({
      objectionId: filed.objectionId,
      decision: 'upheld',
      reason: '经核实，信用平台记录有误',
    });
    expect(decided).toMatchObject({ status: 'upheld', classification: { color: 'green' } });
    // A court record of 浙0212 stays with its own court: 浙03 may not decide its objection.
    const own = await newRecord(partyId);
    const second = await party.objection.file.mutate({ recordId: own, reason: '不服' });
    expect(
      await refused(() =>
        h.client(h.otherCourtJudge).objection.resolve.mutate({
          objectionId: second.objectionId,
          decision: 'rejected',
          reason: '驳回',
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('answers a retry with the same idempotency key with the same objection', async () => {
    const { partyId, party } = await newParty();
    const recordId = await newRecord(partyId);
    const input = { recordId, reason: '重试', idempotencyKey: 'obj-retry-1' };
    const first = await party.objection.file.mutate(input);
    expect(await party.objection.file.mutate(input)).toEqual(first);
    const rows = await h.db.db.select().from(objections).where(eq(objections.recordId, recordId));
    expect(rows).toHaveLength(1);
  });

  it('closes an open objection as upheld when the record is revoked meanwhile (by the court or by its source)', async () => {
    const { partyId, party } = await newParty();
    const recordId = await newRecord(partyId);
    const badge = await badgeOf(partyId);
    const { objectionId } = await party.objection.file.mutate({ recordId, reason: '不服' });
    expect(await badge()).toMatchObject({ color: 'yellow', underObjection: true });
    await h.as('judge').record.revoke.mutate({ recordId, reason: '录入错误' });
    expect(await badge()).toMatchObject({ color: 'green' });
    expect(await badge()).not.toHaveProperty('underObjection');
    const listed = (await h.as('judge').record.list.query({ partyId })).find((r) => r.recordId === recordId);
    expect(listed?.objection).toBeNull();
    expect((await party.objection.list.query({ status: 'open' })).items).toEqual([]);
    const [mine] = (await party.objection.list.query({})).items;
    expect(mine).toMatchObject({
      objectionId,
      status: 'upheld',
      resolution: { decision: 'upheld', reason: 'record revoked: 录入错误' },
    });
    // Decided already: a later decision is refused, and the feed and the audit trail say what closed it.
    const again = await trpcError(
      h.as('judge').objection.resolve.mutate({ objectionId, decision: 'rejected', reason: '驳回' }),
    );
    expect(again.data?.code).toBe('CONFLICT');
    const fed = await h.db.db
      .select()
      .from(changes)
      .where(and(eq(changes.partyId, partyId), eq(changes.kind, 'objection.resolved')));
    expect(fed.map((c) => c.data)).toEqual([{ objectionId, decision: 'upheld' }]);
    const audited = await h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'record.revoke'), eq(auditLog.target, objectionId)));
    expect(audited).toHaveLength(1);

    // A source withdrawing its own record closes the objection to it alike.
    const lookup = await h.as('clerk').party.get.query({ partyId });
    const imported = {
      externalId: 'NB-objection-revoked-1',
      kind: 'person',
      idType: lookup.party.idType,
      idNumber: lookup.party.idNumber,
      name: lookup.party.name,
      category: 'Y14',
      effectiveFrom: today(),
    };
    const first = await h.call('exchange.import', { records: [imported] }, h.keys.exchange);
    const sourced = (first.data as { results: { recordId: string }[] }).results[0]?.recordId as string;
    const filed = await party.objection.file.mutate({ recordId: sourced, reason: '已撤诉' });
    const withdrawn = await h.call(
      'exchange.import',
      { records: [{ action: 'revoke', externalId: imported.externalId, reason: '平台撤回' }] },
      h.keys.exchange,
    );
    expect(withdrawn.error).toBeUndefined();
    expect(
      (await party.objection.list.query({})).items.find((o) => o.objectionId === filed.objectionId),
    ).toMatchObject({
      status: 'upheld',
      resolution: { decision: 'upheld', reason: 'record revoked: 平台撤回' },
    });
    expect(await badge()).not.toHaveProperty('underObjection');
  });

  it('an upheld objection writes the revocation first, then the resolution it caused, as record.revoke does', async () => {
    /** The write audit entries and the change-feed rows of a party, in order, named by what they are about. */
    const trail = async (partyId: string, recordId: string) => ({
      audit: (
        await h.db.db
          .select()
          .from(auditLog)
          .where(
            and(
              eq(auditLog.partyId, partyId),
              inArray(auditLog.action, ['objection.resolve', 'record.revoke']),
            ),
          )
          .orderBy(auditLog.seq)
      ).map((a) => (a.target === recordId ? 'record revoked' : 'objection resolved')),
      feed: (await h.db.db.select().from(changes).where(eq(changes.partyId, partyId)).orderBy(changes.seq))
        .map((c) => c.kind)
        .filter((k) => k === 'record.revoked' || k === 'objection.resolved'),
    });
    // By the court: record.revoke closes the open objection.
    const revoked = await newParty();
    const r1 = await newRecord(revoked.partyId);
    await revoked.party.objection.file.mutate({ recordId: r1, reason: '不服' });
    await h.as('judge').record.revoke.mutate({ recordId: r1, reason: '录入错误' });
    const byRevoke = await trail(revoked.partyId, r1);
    // By the objection: upheld, it revokes the record.
    const upheld = await newParty();
    const r2 = await newRecord(upheld.partyId);
    const { objectionId } = await upheld.party.objection.file.mutate({ recordId: r2, reason: '不服' });
    await h.as('judge').objection.resolve.mutate({ objectionId, decision: 'upheld', reason: '成立' });
    const byObjection = await trail(upheld.partyId, r2);

    expect(byRevoke).toEqual({
      audit: ['record revoked', 'objection resolved'],
      feed: ['record.revoked', 'objection.resolved'],
    });
    expect(byObjection).toEqual(byRevoke);
  });
});
