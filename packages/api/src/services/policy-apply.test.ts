import { defaultPolicy, type Policy } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIntegrity } from '../audit/verify-integrity.js';
import { rowsOf } from '../db/rows.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';
import { activePolicy, applyPolicy, simulate } from './policy-service.js';

/** The default policy with some categories in other colors. */
const recolored = (id: string, colors: Record<string, 'red' | 'gold'>): Policy => ({
  ...defaultPolicy,
  id,
  categories: defaultPolicy.categories.map((c) => ({ ...c, color: colors[c.code] ?? c.color })),
});

describe.each(dbKinds())('policy apply: what moved and why (%s)', (kind) => {
  let h: Harness;
  /** Yellow until 2026-06-01 (Y06, two years): overtaken by time in September. */
  let expiring: string;
  /** Yellow (Y05) until 2027-06-01. */
  const byPolicy: string[] = [];
  /** Red until 2026-06-01 (R04) over a Y05: stored red, yellow under the default in September. */
  let hidden: string;
  const later = new Date('2026-09-01T02:00:00Z');
  const feed = async (policyId: string) =>
    Object.fromEntries(
      rowsOf<{ party_id: string; cause: string; previous_color: string; color: string }>(
        await h.db.db.execute(
          sql`select party_id, data->>'cause' as cause, previous_color, color from changes
            where data->>'policyId' = ${policyId} and data->>'cause' in ('time', 'policy') order by seq`,
        ),
      ).map((r) => [r.party_id, `${r.cause} ${r.previous_color}→${r.color}`]),
    );
  const applies = async () =>
    rowsOf<{ previous_id: string }>(
      await h.db.db.execute(
        sql`select detail->>'previousPolicyId' as previous_id from audit_log where action = 'policy.apply' order by seq`,
      ),
    ).map((r) => r.previous_id);
  const interrupted = async (policy: Policy) => {
    const stop = new Error('killed');
    await expect(
      applyPolicy(h.db, policy, {
        now: () => later,
        pageSize: 1,
        onProgress: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
  };
  const record = (partyId: string, category: string, effectiveFrom: string, n: number) =>
    h.as('judge').record.create.mutate({
      partyId,
      category,
      court: '浙0212',
      caseNumber: `（${effectiveFrom.slice(0, 4)}）浙0212民初${n}号`,
      effectiveFrom,
    });

  beforeAll(async () => {
    h = await createHarness(kind);
    h.clock.now = new Date('2026-03-02T02:00:00Z');
    expiring = await h.registerPerson(601, '李某某');
    await record(expiring, 'Y06', '2024-06-01', 601);
    for (const n of [602, 603, 604]) {
      const partyId = await h.registerPerson(n, '赵某某');
      byPolicy.push(partyId);
      await record(partyId, 'Y05', '2025-06-01', n);
    }
    hidden = await h.registerPerson(605, '钱某某');
    await record(hidden, 'R04', '2024-06-01', 605);
    await record(hidden, 'Y05', '2025-06-01', 606);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts the policy’s changes as simulate does; a move time alone made is fed with cause time', async () => {
    const candidate = recolored('y05-red', { Y05: 'red' });
    const simulated = await simulate(h.db, defaultPolicy, candidate, '2026-09-01');
    const applied = await applyPolicy(h.db, candidate, { now: () => later });
    expect(applied).toMatchObject({
      policyId: 'y05-red',
      previousPolicyId: 'default-2022',
      resumed: false,
      changed: simulated.changed,
      transitions: simulated.transitions,
      overtaken: 2, // `expiring`, and `hidden` (red in March, yellow under the default now)
    });
    expect(simulated.transitions).toEqual({ 'yellow→red': 4 });
    // `hidden` stays red: the policy made it so, but its color did not move.
    expect(await feed('y05-red')).toEqual({
      [expiring]: 'time yellow→green',
      ...Object.fromEntries(byPolicy.map((p) => [p, 'policy yellow→red'])),
    });
    expect(await applies()).toEqual(['default-2022']);
  });

  it('finishes an interrupted apply, auditing it once', async () => {
    const gold = recolored('y05-gold', { Y05: 'gold' });
    await interrupted(gold);
    expect((await activePolicy(h.db))?.id).toBe('y05-gold');
    const rerun = await applyPolicy(h.db, gold, { now: () => later, pageSize: 1 });
    expect(rerun).toMatchObject({ policyId: 'y05-gold', previousPolicyId: 'y05-red', resumed: true });
    // The first run moved at most one party (one page): the re-run the rest, as the policy's changes.
    expect(rerun.changed).toBeGreaterThanOrEqual(3);
    expect(rerun.transitions).toEqual({ 'red→gold': rerun.changed });
    expect(rerun.overtaken).toBe(0);
    expect(await feed('y05-gold')).toEqual(
      Object.fromEntries([...byPolicy, hidden].map((p) => [p, 'policy red→gold'])),
    );
    expect(await applies()).toEqual(['default-2022', 'y05-red']);
    // Applied again when done: nothing moves, nothing more is audited.
    expect(await applyPolicy(h.db, gold, { now: () => later })).toMatchObject({
      resumed: true,
      changed: 0,
      overtaken: 0,
    });
    expect(await applies()).toHaveLength(2);
  });

  it('after an interrupted apply, counts the next one against the policy each state was computed under', async () => {
    // Interrupted after its first page, y05-red again leaves states under y05-gold and under y05-red.
    await interrupted(recolored('y05-red', { Y05: 'red' }));
    const next = recolored('y05-red-y06-gold', { Y05: 'red', Y06: 'gold' });
    const applied = await applyPolicy(h.db, next, { now: () => later });
    // Those still gold move by this policy (the active y05-red gives them red as well, but their state
    // says gold); those already red do not move.
    const moved = await feed('y05-red-y06-gold');
    expect(Object.values(moved).every((m) => m === 'policy gold→red')).toBe(true);
    expect(Object.keys(moved).length).toBeGreaterThanOrEqual(3);
    expect(applied).toMatchObject({
      previousPolicyId: 'y05-red',
      changed: Object.keys(moved).length,
      transitions: { 'gold→red': Object.keys(moved).length },
      overtaken: 0,
    });
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });

  it('of two applies run at once, refuses the one that read the active policy before the other stored its own', async () => {
    const before = (await activePolicy(h.db))?.id;
    const settled = await Promise.allSettled([
      applyPolicy(h.db, recolored('race-a', { Y05: 'red' }), { now: () => later }),
      applyPolicy(h.db, recolored('race-b', { Y05: 'gold' }), { now: () => later }),
    ]);
    // Either may store first (on PostgreSQL they run truly at once); the other stores nothing.
    const won = settled.findIndex((r) => r.status === 'fulfilled');
    const [winner, loser] = won === 0 ? ['race-a', 'race-b'] : ['race-b', 'race-a'];
    expect(settled[won]).toMatchObject({ value: { policyId: winner, previousPolicyId: before } });
    const lost = settled[1 - won] as PromiseSettledResult<unknown>;
    expect(lost.status).toBe('rejected');
    expect((lost as PromiseRejectedResult).reason.message).toBe(
      `policy apply: policy "${winner}" was applied while this apply waited to store "${loser}"; nothing of this one was stored: run it again (it will replace "${winner}")`,
    );
    expect((await activePolicy(h.db))?.id).toBe(winner);
    // Run again, it names the policy it really replaces.
    const again = await applyPolicy(h.db, recolored(loser, { Y05: loser === 'race-a' ? 'red' : 'gold' }), {
      now: () => later,
    });
    expect(again).toMatchObject({ previousPolicyId: winner, resumed: false });
    expect((await applies()).slice(-2)).toEqual([before, winner]);
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });

  it('stops an apply recomputing states when another policy is applied meanwhile: states all end under the last', async () => {
    const finishing = recolored('race-c', { Y05: 'red' });
    await interrupted(finishing); // race-c stored, its recomputation left to finish
    const [next, rerun] = await Promise.allSettled([
      applyPolicy(h.db, recolored('race-d', { Y05: 'gold' }), { now: () => later }),
      applyPolicy(h.db, finishing, { now: () => later, pageSize: 1 }),
    ]);
    expect(next).toMatchObject({
      status: 'fulfilled',
      value: { policyId: 'race-d', previousPolicyId: 'race-c' },
    });
    // The re-run finishes before race-d is stored, or stops at its first page after.
    if (rerun.status === 'rejected')
      expect(rerun.reason.message).toMatch(
        /^policy apply: policy "race-d" was applied while this apply recomputed the states under "race-c" \([\d,]+ done\); stopped: that apply recomputes them all$/,
      );
    const under = rowsOf<{ policy_id: string; n: number }>(
      await h.db.db.execute(sql`select policy_id, count(*)::int as n from party_state group by policy_id`),
    );
    expect(under).toEqual([{ policy_id: 'race-d', n: 5 }]);
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });

  it('of two applies of one policy run at once, both finish: one stores and audits it, the other finds it stored', async () => {
    const before = (await activePolicy(h.db))?.id;
    const audited = (await applies()).length;
    const twice = recolored('same-twice', { Y05: 'red' });
    const runs = await Promise.all([
      applyPolicy(h.db, twice, { now: () => later }),
      applyPolicy(h.db, twice, { now: () => later }),
    ]);
    expect(runs.map((r) => r.resumed).sort()).toEqual([false, true]);
    expect(runs.map((r) => r.previousPolicyId)).toEqual([before, before]);
    expect(await applies()).toHaveLength(audited + 1);
    const under = rowsOf<{ policy_id: string }>(
      await h.db.db.execute(sql`select distinct policy_id from party_state`),
    );
    expect(under).toEqual([{ policy_id: 'same-twice' }]);
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });
});
