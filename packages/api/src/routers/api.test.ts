import { classify, toCstDate } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-log.js';
import { rowsOf } from '../db/rows.js';
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
    h.ok(
      'party.register',
      { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(n), name },
      h.keys.clerk,
    );

  it('registers a party once per identity and looks it up by identity (normalized)', async () => {
    const a = await register(1);
    expect(a.partyId).toMatch(/^pty_/);
    expect(a.created).toBe(true);
    const again = await h.ok(
      'party.register',
      { kind: 'person', idType: 'RESIDENT_ID', idNumber: ` ${residentId(1).toLowerCase()} `, name: '章某某' },
      h.keys.judge,
    );
    expect(again).toMatchObject({ partyId: a.partyId, created: false });
    const found = await h.ok(
      'party.lookup',
      { idType: 'RESIDENT_ID', idNumber: residentId(1) },
      h.keys.clerk,
    );
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
    const got = await h.ok('party.get', { partyId: a.partyId }, h.keys.admin);
    expect(got.party.partyId).toBe(a.partyId);
  });

  it('rejects an invalid identity number naming the field and rule, writing nothing', async () => {
    const bad = `${residentId(2).slice(0, 17)}${residentId(2).endsWith('5') ? '6' : '5'}`;
    const r = await h.call(
      'party.register',
      { kind: 'person', idType: 'RESIDENT_ID', idNumber: bad, name: '李四' },
      h.keys.clerk,
    );
    expect(r.status).toBe(400);
    expect(r.error?.data.code).toBe('BAD_REQUEST');
    expect(r.error?.message).toMatch(/^idNumber: check digit should be/);
    expect(r.error?.message).not.toContain(bad);
    const missing = await h.call(
      'party.lookup',
      { idType: 'RESIDENT_ID', idNumber: residentId(2) },
      h.keys.clerk,
    );
    expect(missing.error?.data.code).toBe('NOT_FOUND');
  });

  it('creates, repairs and revokes records with the color recomputed by core', async () => {
    const { partyId } = await register(3);
    const y = await h.ok(
      'record.create',
      {
        partyId,
        category: 'Y14',
        court: '浙0212',
        caseNumber: '(2024)浙0212民初7号',
        effectiveFrom: day(-300),
      },
      h.keys.judge,
    );
    expect(y.classification.color).toBe('yellow');
    expect(y.record.caseNumber).toBe('（2024）浙0212民初7号');
    expect(y.record.effectiveUntil).not.toBeNull();
    const fix = await h.ok(
      'record.repair',
      { partyId, repairs: [y.recordId], court: '浙0212', caseNumber: CASE, effectiveFrom: day(-200) },
      h.keys.enforcement,
    );
    expect(fix.classification.color).toBe('blue');
    const r = await h.ok(
      'record.create',
      { partyId, category: 'R03', court: '浙0212', caseNumber: CASE, effectiveFrom: day(-250) },
      h.keys.judge,
    );
    expect(r.classification.color).toBe('red');
    const rev = await h.ok(
      'record.revoke',
      { recordId: r.recordId, reason: 'entered in error' },
      h.keys.judge,
    );
    expect(rev.classification.color).toBe('blue');
    const again = await h.call('record.revoke', { recordId: r.recordId, reason: 'again' }, h.keys.judge);
    expect(again.error?.data.code).toBe('CONFLICT');
    const list = await h.ok('record.list', { partyId }, h.keys.clerk);
    expect(list).toHaveLength(3);
    expect(list.find((x: any) => x.recordId === r.recordId)).toMatchObject({
      revoked: true,
      revokeReason: 'entered in error',
    });
    const details = await h.ok('party.get', { partyId }, h.keys.clerk);
    const expected = classify(
      list.map((x: any) => ({
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
    expect(details.explanation.records.some((x: { decisive: boolean }) => x.decisive)).toBe(true);
    const tl = await h.ok('party.timeline', { partyId }, h.keys.clerk);
    // The repair lifts Y14 only for its own year; Y14 (two years) then counts again until it ends.
    expect(tl.segments.map((s: any) => s.color)).toEqual(['green', 'yellow', 'blue', 'yellow', 'green']);
  });

  it('rejects N01, unknown categories, bad dates and a non-repairable repair, writing nothing', async () => {
    const { partyId } = await register(4);
    const base = { partyId, court: '浙0212', caseNumber: CASE, effectiveFrom: '2024-01-01' };
    const n01 = await h.call('record.create', { ...base, category: 'N01' }, h.keys.judge);
    expect(n01.error?.message).toMatch(/^category: N01 .*never entered as a record/);
    const unknown = await h.call('record.create', { ...base, category: 'Q99' }, h.keys.judge);
    expect(unknown.error?.message).toMatch(/^category: unknown category Q99/);
    const date = await h.call(
      'record.create',
      { ...base, category: 'Y01', effectiveFrom: '2024-02-30' },
      h.keys.judge,
    );
    expect(date.error?.message).toBe('effectiveFrom: must be a real calendar date YYYY-MM-DD');
    const order = await h.call(
      'record.create',
      { ...base, category: 'Y01', effectiveUntil: '2023-01-01' },
      h.keys.judge,
    );
    expect(order.error?.message).toMatch(/^effectiveUntil: must be after effectiveFrom/);
    const red = await h.ok('record.create', { ...base, category: 'R01' }, h.keys.judge);
    const repair = await h.call('record.repair', { ...base, repairs: [red.recordId] }, h.keys.enforcement);
    expect(repair.status).toBe(400);
    expect(repair.error?.message).toMatch(/^repairs\.0: .*not repairable/);
    const list = await h.ok('record.list', { partyId }, h.keys.clerk);
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
    const first = await h.ok('record.create', input, h.keys.judge);
    const second = await h.ok('record.create', input, h.keys.judge);
    expect(second.recordId).toBe(first.recordId);
    const reused = await h.call('record.create', { ...input, category: 'Y03' }, h.keys.judge);
    expect(reused.error?.data.code).toBe('CONFLICT');
    const amended = await h.ok(
      'record.amend',
      { recordId: first.recordId, reason: 'wrong end date', effectiveUntil: '2024-06-01' },
      h.keys.judge,
    );
    expect(amended).toMatchObject({ revision: 1, record: { effectiveUntil: '2024-06-01' } });
    expect(amended.classification.color).toBe(toCstDate(new Date()) < '2024-06-01' ? 'yellow' : 'green');
    expect(await h.ok('record.list', { partyId }, h.keys.clerk)).toHaveLength(1);
    const unknown = await h.call('record.list', { partyId: 'pty_unknown' }, h.keys.clerk);
    expect(unknown.status).toBe(404);
    expect(unknown.error?.message).toBe('partyId: no party pty_unknown');
  });

  it('recomputes a color when time passes its until, without any write', async () => {
    const { partyId } = await register(6);
    const today = toCstDate(h.clock.now);
    const r = await h.ok(
      'record.create',
      {
        partyId,
        category: 'Y01',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: '2024-01-01',
        effectiveUntil: '2099-01-01',
      },
      h.keys.judge,
    );
    expect(r.classification).toMatchObject({ color: 'yellow', until: '2099-01-01' });
    expect(today < '2099-01-01').toBe(true);
    const saved = h.clock.now;
    h.clock.now = new Date('2099-01-01T00:00:00+08:00');
    try {
      const later = await h.ok('party.get', { partyId }, h.keys.clerk);
      expect(later.classification).toMatchObject({ color: 'green', asOf: '2099-01-01', until: null });
    } finally {
      h.clock.now = saved;
    }
  });

  it('counts colors as of today in stats.summary: states that time has overtaken are recomputed first', async () => {
    const { partyId } = await register(12);
    await h.ok(
      'record.create',
      {
        partyId,
        category: 'Y01',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: '2024-01-01',
        effectiveUntil: '2098-06-01',
      },
      h.keys.judge,
    );
    const before = await h.ok('stats.summary', undefined, h.keys.clerk);
    expect(before.byColor.yellow).toBeGreaterThan(0);
    const saved = h.clock.now;
    h.clock.now = new Date('2098-06-01T00:00:00+08:00');
    try {
      const after = await h.ok('stats.summary', undefined, h.keys.clerk);
      // Every yellow that ends by then (ours included) is counted in its new color, with no write asked for.
      expect(after.byColor.yellow ?? 0).toBeLessThan(before.byColor.yellow);
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
    await h.ok(
      'record.create',
      {
        partyId: red.partyId,
        category: 'R02',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: '2024-01-01',
      },
      h.keys.judge,
    );
    const green = await register(8);
    const res = await h.ok(
      'party.screen',
      {
        caseNumber: '（2025）浙0212民初9号',
        parties: [
          { idType: 'RESIDENT_ID', idNumber: residentId(7) },
          { idType: 'RESIDENT_ID', idNumber: residentId(8) },
          { idType: 'RESIDENT_ID', idNumber: residentId(999) },
        ],
      },
      h.keys.clerk,
    );
    expect(res.alerts).toBe(1);
    expect(res.results.map((r: any) => [r.partyId, r.color, r.known, r.alert !== null])).toEqual([
      [red.partyId, 'red', true, true],
      [green.partyId, 'green', true, false],
      [null, 'green', false, false],
    ]);
    const recorded = await h.ok('party.screenings', { caseNumber: '（2025）浙0212民初9号' }, h.keys.judge);
    expect(recorded).toHaveLength(3);
  });

  it('answers a replayed screening with the colors it recorded, not the colors of now', async () => {
    const { partyId } = await register(412);
    const input = {
      caseNumber: '（2025）浙0212民初12号',
      parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(412) }],
      idempotencyKey: `screen-${kind}-412`,
    };
    const first = await h.ok('party.screen', input, h.keys.clerk);
    expect(first.results[0]).toMatchObject({ partyId, color: 'green', alert: null });
    await h.ok(
      'record.create',
      { partyId, category: 'R02', court: '浙0212', caseNumber: CASE, effectiveFrom: '2024-01-01' },
      h.keys.judge,
    );
    expect(await h.ok('party.screen', input, h.keys.clerk)).toEqual(first);
    const recorded = await h.ok('party.screenings', { caseNumber: input.caseNumber }, h.keys.judge);
    expect(recorded.map((r: { screeningId: string; color: string }) => [r.screeningId, r.color])).toEqual([
      [first.results[0].screeningId, 'green'],
    ]);
  });

  it("screens only for its own courts, writing nothing for another court's case", async () => {
    const parties = [{ idType: 'RESIDENT_ID', idNumber: residentId(7) }];
    const outside = await h.call(
      'party.screen',
      { caseNumber: '（2025）浙0301民初9号', parties },
      h.keys.clerk,
    );
    expect(outside.error?.data.code).toBe('FORBIDDEN');
    expect(outside.error?.message).toMatch(/^caseNumber: /);
    const other = await h.call(
      'party.screen',
      { caseNumber: '（2025）浙0212民初11号', parties },
      h.otherCourtJudge,
    );
    expect(other.error?.data.code).toBe('FORBIDDEN');
    for (const caseNumber of ['（2025）浙0301民初9号', '（2025）浙0212民初11号'])
      expect(await h.ok('party.screenings', { caseNumber }, h.keys.judge)).toEqual([]);
  });

  it('audits every read of a party: re-registration, screenings of a case, consent lists', async () => {
    const { partyId } = await register(9);
    const audited = async (action: string) =>
      (await h.ok('audit.list', { partyId }, h.keys.admin)).items
        .filter((i: { action: string }) => i.action === action)
        .map((i: { actorRole: string }) => i.actorRole);
    expect((await register(9)).created).toBe(false);
    expect(await audited('party.register')).toEqual(['clerk', 'clerk']);
    const caseNumber = '（2025）浙0212民初10号';
    await h.ok(
      'party.screen',
      { caseNumber, parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(9) }] },
      h.keys.clerk,
    );
    expect(await h.ok('party.screenings', { caseNumber }, h.keys.judge)).toHaveLength(1);
    expect(await audited('party.screenings')).toEqual(['judge']);
    const { token } = await h.ok('party.issueSession', { partyId }, h.keys.judge);
    const until = day(30);
    await h.ok('consent.grant', { grantee: 'Test Bank', scopes: ['code'], until }, token);
    expect(await h.ok('consent.list', {}, h.keys.bank)).toEqual([expect.objectContaining({ partyId })]);
    expect(await audited('consent.list')).toEqual(['bank']);
  });

  it('counts stats and serves the policy', async () => {
    const s = await h.ok('stats.summary', undefined, h.keys.clerk);
    expect(s.parties).toBeGreaterThan(0);
    expect(Object.values(s.byColor as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(s.parties);
    expect(s.byCourt['浙0212']).toBeGreaterThan(0);
    expect(Object.keys(s.byMonth)).toContain('2024-01');
    const p = await h.ok('policy.get', undefined, h.keys.bank);
    expect(p.id).toBe('default-2022');
    expect(p.categories).toHaveLength(29);
  });

  it('keeps an intact audit chain, lists who looked, and never logs a clear identity number', async () => {
    const v = await verifyAuditChain(h.db);
    expect(v.ok).toBe(true);
    const { partyId } = await register(1);
    const { token } = await h.ok('party.issueSession', { partyId }, h.keys.judge);
    const mine = await h.ok('audit.list', {}, token);
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((i: any) => i.partyId === partyId)).toBe(true);
    const joined = h.logs.join('\n');
    expect(h.logs.length).toBeGreaterThan(10);
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) expect(joined).not.toContain(residentId(n));
    expect(joined).not.toContain('章某某');
  });
});
