import { toCstDate } from '@fivecolor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../db/schema.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';

describe.each(dbKinds())('audit.list filters, audit.verify and apiKey.whoami on %s', (kind) => {
  let h: Harness;
  let partyId: string;

  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = await h.registerPerson(811);
    await h.as('judge').party.get.query({ partyId, purpose: 'hearing' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("whoami names the caller's key, never its secret", async () => {
    const who = await h.as('judge').apiKey.whoami.query();
    expect(who).toMatchObject({ kind: 'key', role: 'judge', court: '浙02', partyId: null });
    const [row] = (await h.db.db.select().from(apiKeys)).filter((k) => k.id === who.id);
    expect(row?.name).toBe(who.name);
    expect(JSON.stringify(who)).not.toContain(h.keys.judge);
  });

  it('filters the log by actor, action and period (CST dates), for the admin', async () => {
    const judge = await h.as('judge').apiKey.whoami.query();
    const today = toCstDate(new Date());
    const byActor = await h.as('admin').audit.list.query({ actorId: judge.id });
    expect(byActor.items.length).toBeGreaterThan(0);
    expect(byActor.items.every((i) => i.actorId === judge.id)).toBe(true);
    const byAction = await h.as('admin').audit.list.query({ action: 'party.get', from: today, to: today });
    expect(byAction.items.map((i) => [i.action, i.partyId, i.purpose])).toEqual([
      ['party.get', partyId, 'hearing'],
    ]);
    expect((await h.as('admin').audit.list.query({ action: 'party.get', to: '2020-01-01' })).items).toEqual(
      [],
    );
    const bad = await trpcError(h.as('admin').audit.list.query({ from: '2026-02-30' }));
    expect(bad.message).toMatch(/^from: /);
    const reversed = await trpcError(h.as('admin').audit.list.query({ from: today, to: '2020-01-01' }));
    expect(reversed.message).toBe('to: must not be before from');
  });

  it('refuses a party the filters only the admin has, rather than answer its whole trail as filtered', async () => {
    const { token } = await h.as('portal').party.issueSession.mutate({ partyId });
    const party = h.client(token);
    expect((await party.audit.list.query({ kind: 'court' })).items.length).toBeGreaterThan(0);
    for (const filter of [
      { action: 'party.get' },
      { actorId: 'key_x' },
      { from: '2030-01-01' },
      { to: '2020-01-01' },
    ]) {
      const refused = await trpcError(party.audit.list.query(filter));
      expect(refused.data?.code).toBe('FORBIDDEN');
      expect(refused.message).toMatch(new RegExp(`^${Object.keys(filter)[0]}: only an administrator`));
    }
  });

  it('verifies the chain for the admin and names its head', async () => {
    const v = await h.as('admin').audit.verify.query();
    expect(v.ok).toBe(true);
    expect(v.mismatchCount).toBe(0);
    expect(v.head.seq).toBeGreaterThan(0);
    expect(v.head.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await trpcError(h.as('judge').audit.verify.query())).data?.code).toBe('FORBIDDEN');
  });
});
