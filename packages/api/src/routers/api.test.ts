import { classify, toCstDate } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-log.js';
import { rowsOf } from '../db/rows.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

const CASE = '（2024）浙0212民初100号';

/** The CST date `n` days from today (negative: in the past). */
function day(n: number): string {
  return toCstDate(new Date(Date.now() + n * 86_400_000));
}

describe.each(dbKinds())('API on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  const register = (n: number, name = '章某某') =>
    h.as('clerk').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(n),
      name,
    });

  it('registers a party once per identity and looks it up by identity (normalized)', async () => {
    const a = await register(1);
    expect(a.partyId).toMatch(/^pty_/);
    expect(a.created).toBe(true);
    const again = await h.as('judge').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: ` ${residentId(1).toLowerCase()} `,
      name: '章某某',
    });
    expect(again).toMatchObject({ partyId: a.partyId, created: false });
    const found = await h.as('clerk').party.lookup.mutate({
      idType: 'RESIDENT_ID',
      idNumber: residentId(1),
    });
    expect(found.party).toMatchObject({
      partyId: a.partyId,
      kind: 'person',
      name: '章某某',
      idType: 'RESIDENT_ID',
      idNumber: residentId(1),
    });
    expect(found.classification).toMatchObject({
      color: 'green',
      since: null,
      until: null,
      basis: [],
      policyId: 'default-2022',
    });
    expect(found.records).toEqual([]);
    const got = await h.as('admin').party.get.query({ partyId: a.partyId });
    expect(got.party.partyId).toBe(a.partyId);
  });

  it('rejects an invalid identity number naming the field and rule, writing nothing', async () => {
    const bad = `${residentId(2).slice(0, 17)}${residentId(2).endsWith('5') ? '6' : '5'}`;
    const clerk = h.as('clerk');
    const r = await trpcError(
      clerk.party.register.mutate({ kind: 'person', idType: 'RESIDENT_ID', idNumber: bad, name: '李四' }),
    );
    expect(r.data?.httpStatus).toBe(400);
    expect(r.data?.code).toBe('BAD_REQUEST');
    expect(r.message).toMatch(/^idNumber: check digit should be/);
    expect(r.message).not.toContain(bad);
    const missing = await trpcError(
      clerk.party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber: residentId(2) }),
    );
    expect(missing.data?.code).toBe('NOT_FOUND');
  });

  it('creates, repairs and revokes records with the color recomputed by core', async () => {
    const { partyId } = await register(3);
    const y = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '(2024)浙0212民初7号',
      effectiveFrom: day(-300),
    });
    expect(y.classification.color).toBe('yellow');
    expect(y.record.caseNumber).toBe('（2024）浙0212民初7号');
    expect(y.record.effectiveUntil).not.toBeNull();
    const fix = await h.as('enforcement').record.repair.mutate({
      partyId,
      repairs: [y.recordId],
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: day(-200),
    });
    expect(fix.classification.color).toBe('blue');
    const r = await h.as('judge').record.create.mutate({
      partyId,
      category: 'R03',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: day(-250),
    });
    expect(r.classification.color).toBe('red');
    const rev = await h.as('judge').record.revoke.mutate({
      recordId: r.recordId,
      reason: 'entered in error',
    });
    expect(rev.classification.color).toBe('blue');
    const again = await trpcError(
      h.as('judge').record.revoke.mutate({ recordId: r.recordId, reason: 'again' }),
    );
    expect(again.data?.code).toBe('CONFLICT');
    const list = await h.as('clerk').record.list.query({ partyId });
    expect(list).toHaveLength(3);
    expect(list.find((x) => x.recordId === r.recordId)).toMatchObject({
      revoked: true,
      revokeReason: 'entered in error',
    });
    const details = await h.as('clerk').party.get.query({ partyId });
    const expected = classify(
      list.map((x) => ({
        id: x.recordId,
        category: x.category,
        effectiveFrom: x.effectiveFrom,
        effectiveUntil: x.effectiveUntil,
        revoked: x.revoked,
        repairs: x.repairs,
      })),
      { asOf: new Date() },
    );
    expect(details.classification).toMatchObject({
      color: expected.color,
      since: expected.since,
      until: expected.until,
      basis: expected.basis,
    });
    expect(details.explanation).toMatchObject({ color: expected.color, lang: 'zh-CN' });
    expect(details.explanation?.records.some((x) => x.decisive)).toBe(true);
    const tl = await h.as('clerk').party.timeline.query({ partyId });
    // The repair lifts Y14 for good: blue for the repair's year, then green (Y14 never counts again).
    expect(tl.segments.map((s) => s.color)).toEqual(['green', 'yellow', 'blue', 'green']);
  });

  it('rejects N01, unknown categories, bad dates and a non-repairable repair, writing nothing', async () => {
    const { partyId } = await register(4);
    const base = { partyId, court: '浙0212', caseNumber: CASE, effectiveFrom: '2024-01-01' };
    const judge = h.as('judge');
    const n01 = await trpcError(judge.record.create.mutate({ ...base, category: 'N01' }));
    expect(n01.message).toMatch(/^category: N01 .*never entered as a record/);
    const unknown = await trpcError(judge.record.create.mutate({ ...base, category: 'Q99' }));
    expect(unknown.message).toMatch(/^category: unknown category Q99/);
    const date = await trpcError(
      judge.record.create.mutate({ ...base, category: 'Y01', effectiveFrom: '2024-02-30' }),
    );
    expect(date.message).toBe('effectiveFrom: must be a real calendar date YYYY-MM-DD');
    const order = await trpcError(
      judge.record.create.mutate({ ...base, category: 'Y01', effectiveUntil: '2023-01-01' }),
    );
    expect(order.message).toMatch(/^effectiveUntil: must be after effectiveFrom/);
    const red = await judge.record.create.mutate({ ...base, category: 'R01' });
    const repair = await trpcError(
      h.as('enforcement').record.repair.mutate({ ...base, repairs: [red.recordId] }),
    );
    expect(repair.data?.httpStatus).toBe(400);
    expect(repair.message).toMatch(/^repairs\.0: .*not repairable/);
    const list = await h.as('clerk').record.list.query({ partyId });
    expect(list).toHaveLength(1);
  });

  it('amends a record keeping the previous version, and replays idempotent writes', async () => {
    const { partyId } = await register(5);
    const input = {
      partyId,
      category: 'Y02',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2024-01-01',
      idempotencyKey: `k-${kind}-1`,
    };
    const first = await h.as('judge').record.create.mutate(input);
    const second = await h.as('judge').record.create.mutate(input);
    expect(second.recordId).toBe(first.recordId);
    const reused = await trpcError(h.as('judge').record.create.mutate({ ...input, category: 'Y03' }));
    expect(reused.data?.code).toBe('CONFLICT');
    const amended = await h.as('judge').record.amend.mutate({
      recordId: first.recordId,
      reason: 'wrong end date',
      effectiveUntil: '2024-06-01',
    });
    expect(amended).toMatchObject({ revision: 1, record: { effectiveUntil: '2024-06-01' } });
    expect(amended.classification.color).toBe(toCstDate(new Date()) < '2024-06-01' ? 'yellow' : 'green');
    expect(await h.as('clerk').record.list.query({ partyId })).toHaveLength(1);
    const unknown = await trpcError(
      h.as('clerk').record.list.query({ partyId: 'pty_AAAAAAAAAAAAAAAAAAAAAA' }),
    );
    expect(unknown.data?.httpStatus).toBe(404);
    expect(unknown.message).toBe('partyId: no party pty_AAAAAAAAAAAAAAAAAAAAAA');
    // Anything that is not an id the API issued is not quoted back: it may be an identity number.
    const typed = await trpcError(h.as('clerk').record.list.query({ partyId: '11010519491231002X' }));
    expect(typed.message).toBe('partyId: no party with this id');
  });

  it('moves a default end with an amended start; an end given explicitly stays', async () => {
    const { partyId } = await register(13);
    const base = { partyId, category: 'Y01', court: '浙0212', caseNumber: CASE };
    const byDefault = await h.as('judge').record.create.mutate({ ...base, effectiveFrom: '2024-03-01' });
    const given = await h
      .as('judge')
      .record.create.mutate({ ...base, effectiveFrom: '2024-03-01', effectiveUntil: '2025-03-01' });
    const move = (recordId: string) =>
      h.as('judge').record.amend.mutate({ recordId, reason: '起始日期更正', effectiveFrom: '2024-05-10' });
    expect((await move(byDefault.recordId)).record).toMatchObject({
      effectiveFrom: '2024-05-10',
      effectiveUntil: '2027-05-10',
    });
    expect((await move(given.recordId)).record).toMatchObject({
      effectiveFrom: '2024-05-10',
      effectiveUntil: '2025-03-01',
    });
  });

  it('recomputes a color when time passes its until, without any write', async () => {
    const { partyId } = await register(6);
    const today = toCstDate(h.clock.now);
    const r = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y01',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2024-01-01',
      effectiveUntil: '2099-01-01',
    });
    expect(r.classification).toMatchObject({ color: 'yellow', until: '2099-01-01' });
    expect(today < '2099-01-01').toBe(true);
    const saved = h.clock.now;
    h.clock.now = new Date('2099-01-01T00:00:00+08:00');
    try {
      const later = await h.as('clerk').party.get.query({ partyId });
      expect(later.classification).toMatchObject({ color: 'green', asOf: '2099-01-01', until: null });
    } finally {
      h.clock.now = saved;
    }
  });

  it('counts colors as of today in stats.summary: states that time has overtaken are recomputed first', async () => {
    const { partyId } = await register(12);
    await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y01',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2024-01-01',
      effectiveUntil: '2098-06-01',
    });
    const before = await h.as('clerk').stats.summary.query();
    expect(before.byColor.yellow).toBeGreaterThan(0);
    const saved = h.clock.now;
    h.clock.now = new Date('2098-06-01T00:00:00+08:00');
    try {
      const after = await h.as('clerk').stats.summary.query();
      // Every yellow that ends by then (ours included) is counted in its new color, with no write asked for.
      expect(after.byColor.yellow ?? 0).toBeLessThan(before.byColor.yellow!);
      expect(Object.values(after.byColor as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
        after.parties,
      );
      const stale = await h.deps.db.db.execute(
        sql`select count(*)::int as n from party_state where until <= '2098-06-01'`,
      );
      expect(rowsOf<{ n: number }>(stale)[0]!.n).toBe(0);
    } finally {
      h.clock.now = saved;
    }
  });

  it('screens all parties of a new case: alerts for red/yellow, unknown parties green', async () => {
    const red = await register(7);
    await h.as('judge').record.create.mutate({
      partyId: red.partyId,
      category: 'R02',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2024-01-01',
    });
    const green = await register(8);
    const res = await h.as('clerk').party.screen.mutate({
      caseNumber: '（2025）浙0212民初9号',
      parties: [
        { idType: 'RESIDENT_ID', idNumber: residentId(7) },
        { idType: 'RESIDENT_ID', idNumber: residentId(8) },
        { idType: 'RESIDENT_ID', idNumber: residentId(999) },
      ],
    });
    expect(res.alerts).toBe(1);
    expect(res.results.map((r) => [r.partyId, r.color, r.known, r.alert !== null])).toEqual([
      [red.partyId, 'red', true, true],
      [green.partyId, 'green', true, false],
      [null, 'green', false, false],
    ]);
    const recorded = await h.as('judge').party.screenings.query({ caseNumber: '（2025）浙0212民初9号' });
    expect(recorded).toHaveLength(3);
  });

  it('answers a replayed screening with the colors it recorded, not the colors of now', async () => {
    const { partyId } = await register(412);
    const input = {
      caseNumber: '（2025）浙0212民初12号',
      parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(412) }],
      idempotencyKey: `screen-${kind}-412`,
    };
    const first = await h.as('clerk').party.screen.mutate(input);
    expect(first.results[0]).toMatchObject({ partyId, color: 'green', alert: null });
    await h.as('judge').record.create.mutate({
      partyId,
      category: 'R02',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2024-01-01',
    });
    expect(await h.as('clerk').party.screen.mutate(input)).toEqual(first);
    const recorded = await h.as('judge').party.screenings.query({ caseNumber: input.caseNumber });
    expect(recorded.map((r) => [r.screeningId, r.color])).toEqual([[first.results[0]?.screeningId, 'green']]);
  });

  it("screens only for its own courts, writing nothing for another court's case", async () => {
    const parties = [{ idType: 'RESIDENT_ID', idNumber: residentId(7) }];
    const outside = await trpcError(
      h.as('clerk').party.screen.mutate({ caseNumber: '（2025）浙0301民初9号', parties }),
    );
    expect(outside.data?.code).toBe('FORBIDDEN');
    expect(outside.message).toMatch(/^caseNumber: /);
    const other = await trpcError(
      h.client(h.otherCourtJudge).party.screen.mutate({ caseNumber: '（2025）浙0212民初11号', parties }),
    );
    expect(other.data?.code).toBe('FORBIDDEN');
    for (const caseNumber of ['（2025）浙0301民初9号', '（2025）浙0212民初11号'])
      expect(await h.as('judge').party.screenings.query({ caseNumber })).toEqual([]);
  });

  it('audits every read of a party: re-registration, screenings of a case, consent lists', async () => {
    const { partyId } = await register(9);
    const audited = async (action: string) =>
      (await h.as('admin').audit.list.query({ partyId })).items
        .filter((i) => i.action === action)
        .map((i) => i.actorRole);
    expect((await register(9)).created).toBe(false);
    expect(await audited('party.register')).toEqual(['clerk', 'clerk']);
    const caseNumber = '（2025）浙0212民初10号';
    await h.as('clerk').party.screen.mutate({
      caseNumber,
      parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(9) }],
    });
    expect(await h.as('judge').party.screenings.query({ caseNumber })).toHaveLength(1);
    expect(await audited('party.screenings')).toEqual(['judge']);
    const { token } = await h.as('portal').party.issueSession.mutate({ partyId });
    const until = day(30);
    await h.client(token).consent.grant.mutate({ grantee: 'Test Bank', scopes: ['code'], until });
    expect(await h.as('bank').consent.list.query({})).toEqual([expect.objectContaining({ partyId })]);
    expect(await audited('consent.list')).toEqual(['bank']);
  });

  it('counts stats and serves the policy', async () => {
    const s = await h.as('clerk').stats.summary.query();
    expect(s.parties).toBeGreaterThan(0);
    expect(Object.values(s.byColor as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(s.parties);
    expect(s.byCourt['浙0212']).toBeGreaterThan(0);
    expect(Object.keys(s.byMonth)).toContain('2024-01');
    const p = await h.as('bank').policy.get.query();
    expect(p.id).toBe('default-2022');
    expect(p.categories).toHaveLength(29);
  });

  it('keeps an intact audit chain, lists who looked, and never logs a clear identity number', async () => {
    const v = await verifyAuditChain(h.db);
    expect(v.ok).toBe(true);
    const { partyId } = await register(1);
    const { token } = await h.as('portal').party.issueSession.mutate({ partyId });
    const mine = await h.client(token).audit.list.query({});
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((i) => i.partyId === partyId)).toBe(true);
    const joined = h.logs.join('\n');
    expect(h.logs.length).toBeGreaterThan(10);
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) expect(joined).not.toContain(residentId(n));
    expect(joined).not.toContain('章某某');
  });
});
