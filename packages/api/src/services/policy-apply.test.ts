import { defaultPolicy, type Policy } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIntegrity } from '../audit/verify-integrity.js';
import { rowsOf } from '../db/rows.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';
import { activePolicy, applyPolicy } from './policy-service.js';

/** The default policy with Y05 (yellow there) in another color: the parties with a Y05 record change by it. */
const y05 = (id: string, color: 'red' | 'gold'): Policy => ({
  ...defaultPolicy,
  id,
  categories: defaultPolicy.categories.map((c) => (c.code === 'Y05' ? { ...c, color } : c)),
});

describe.each(dbKinds())('policy apply: what moved and why (%s)', (kind) => {
  let h: Harness;
  /** Yellow until 2026-06-01 (Y06, two years): overtaken by time in September. */
  let expiring: string;
  /** Yellow (Y05) until 2027-06-01. */
  const byPolicy: string[] = [];
  const later = new Date('2026-09-01T02:00:00Z');
  const causes = async () =>
    Object.fromEntries(
      rowsOf<{ party_id: string; cause: string }>(
        await h.db.db.execute(
          sql`select party_id, data->>'cause' as cause from changes where data->>'cause' in ('time', 'policy') order by seq`,
        ),
      ).map((r) => [r.party_id, r.cause]),
    );
  const applies = async () =>
    rowsOf<{ previous_id: string; digest: string }>(
      await h.db.db.execute(
        sql`select detail->>'previousPolicyId' as previous_id, detail->>'digest' as digest from audit_log where action = 'policy.apply' order by seq`,
      ),
    );

  beforeAll(async () => {
    h = await createHarness(kind);
    h.clock.now = new Date('2026-03-02T02:00:00Z');
    expiring = await h.registerPerson(601, '李某某');
    await h.as('judge').record.create.mutate({
      partyId: expiring,
      category: 'Y06',
      court: '浙0212',
      caseNumber: '（2024）浙0212民初6号',
      effectiveFrom: '2024-06-01',
    });
    for (const n of [602, 603, 604]) {
      const partyId = await h.registerPerson(n, '赵某某');
      byPolicy.push(partyId);
      await h.as('judge').record.create.mutate({
        partyId,
        category: 'Y05',
        court: '浙0212',
        caseNumber: `（2025）浙0212民初${n}号`,
        effectiveFrom: '2025-06-01',
      });
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts as the policy’s only the changes the outgoing policy would not make today; time’s are fed with cause time', async () => {
    const applied = await applyPolicy(h.db, y05('y05-red', 'red'), { now: () => later });
    expect(applied).toMatchObject({
      policyId: 'y05-red',
      previousPolicyId: 'default-2022',
      resumed: false,
      changed: 3,
      transitions: { 'yellow→red': 3 },
      overtaken: 1,
    });
    expect(await causes()).toEqual({
      [expiring]: 'time',
      ...Object.fromEntries(byPolicy.map((p) => [p, 'policy'])),
    });
    expect(await applies()).toEqual([{ previous_id: 'default-2022', digest: expect.any(String) }]);
  });

  it('finishes an interrupted apply against the policy it replaced, auditing it once', async () => {
    const next = y05('y05-gold', 'gold');
    const stop = new Error('killed');
    await expect(
      applyPolicy(h.db, next, {
        now: () => later,
        pageSize: 1,
        onProgress: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect((await activePolicy(h.db))?.id).toBe('y05-gold');
    const rerun = await applyPolicy(h.db, next, { now: () => later, pageSize: 1 });
    expect(rerun).toMatchObject({ policyId: 'y05-gold', previousPolicyId: 'y05-red', resumed: true });
    // The first run moved at most one party (one page): the re-run the rest, as the policy's changes.
    expect(rerun.changed).toBeGreaterThanOrEqual(2);
    expect(rerun.transitions).toEqual({ 'red→gold': rerun.changed });
    expect(rerun.overtaken).toBe(0);
    const moved = rowsOf<{ cause: string; previous_color: string; color: string }>(
      await h.db.db.execute(
        sql`select data->>'cause' as cause, previous_color, color from changes where data->>'policyId' = 'y05-gold'`,
      ),
    );
    expect(moved.map((m) => [m.cause, m.previous_color, m.color])).toEqual(
      byPolicy.map(() => ['policy', 'red', 'gold']),
    );
    expect((await applies()).map((a) => a.previous_id)).toEqual(['default-2022', 'y05-red']);
    // Applied again when done: nothing moves, nothing more is audited.
    expect(await applyPolicy(h.db, next, { now: () => later })).toMatchObject({
      resumed: true,
      changed: 0,
      overtaken: 0,
    });
    expect(await applies()).toHaveLength(2);
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });
});
