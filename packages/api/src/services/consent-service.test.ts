import { toCstDate } from '@fivecolor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../auth/api-keys.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';

const DAY = 86_400_000;

describe.each(dbKinds())('consent.banks and the grantee rule on %s', (kind) => {
  let h: Harness;
  let session: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    // Two keys of one bank, a revoked bank, and an organization that is not a bank.
    for (const name of ['宁波银行 信贷部', '宁波银行 风控部'])
      await createApiKey(h.db, h.secret, { role: 'bank', name, org: '宁波银行' });
    const gone = await h.as('admin').apiKey.create.mutate({ role: 'bank', name: 'Gone', org: 'Gone Bank' });
    await h.as('admin').apiKey.revoke.mutate({ id: gone.id });
    await createApiKey(h.db, h.secret, { role: 'exchange', name: 'Not A Bank', org: 'Not A Bank' });
    const partyId = await h.registerPerson(91, '秦某某');
    session = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists the organizations of active bank keys once each, for the party and court staff', async () => {
    const expected = [
      { org: 'Test Bank', name: 'Test Bank' },
      { org: '宁波银行', name: '宁波银行' },
    ];
    expect(await h.client(session).consent.banks.query()).toEqual(expected);
    expect(await h.as('clerk').consent.banks.query()).toEqual(expected);
    expect((await trpcError(h.as('bank').consent.banks.query())).data?.code).toBe('FORBIDDEN');
  });

  it('grants only to a listed bank and only until a day after today; a refusal names the field and writes nothing', async () => {
    const party = h.client(session);
    const soon = toCstDate(new Date(h.clock.now.getTime() + 30 * DAY));
    for (const grantee of ['Gone Bank', 'Not A Bank', '宁波', 'test bank']) {
      const r = await trpcError(party.consent.grant.mutate({ grantee, scopes: ['code'], until: soon }));
      expect(r.data?.code, grantee).toBe('BAD_REQUEST');
      expect(r.message, grantee).toMatch(
        /^grantee: must be the organization of a registered bank \(consent\.banks/,
      );
    }
    for (const until of [
      toCstDate(new Date(h.clock.now.getTime() - DAY)),
      toCstDate(h.clock.now),
      '2001-01-01',
    ]) {
      const r = await trpcError(party.consent.grant.mutate({ grantee: '宁波银行', scopes: ['code'], until }));
      expect(r.data?.code, until).toBe('BAD_REQUEST');
      expect(r.message, until).toMatch(/^until: must be after today/);
    }
    expect(await party.consent.list.query({})).toEqual([]);
    const granted = await party.consent.grant.mutate({ grantee: '宁波银行', scopes: ['code'], until: soon });
    expect(granted).toMatchObject({ grantee: '宁波银行', active: true });
  });
});

describe.each(dbKinds())('consent.list: what each role sees of a consent on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let portalKeyId: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = await h.registerPerson(92, '严某某');
    const session = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
    const until = toCstDate(new Date(h.clock.now.getTime() + 30 * DAY));
    await h.client(session).consent.grant.mutate({ grantee: 'Test Bank', scopes: ['code'], until });
    portalKeyId = (await h.as('admin').apiKey.list.query()).find((k) => k.role === 'portal')?.id as string;
    expect(portalKeyId).toMatch(/^key_/);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('never shows a bank the portal key that granted it; the party and the admin see it', async () => {
    const fields = ['consentId', 'partyId', 'grantee', 'scopes', 'until', 'createdAt', 'revokedAt', 'active'];
    // Over HTTP, as the bank receives it: the key id is nowhere in the body.
    const res = await h.call('consent.list', {}, h.keys.bank);
    expect(res.error).toBeUndefined();
    const listed = res.data as Record<string, unknown>[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ partyId, grantee: 'Test Bank', active: true, partyName: '严**' });
    expect(listed[0]).not.toHaveProperty('portalKeyId');
    expect(Object.keys(listed[0] ?? {}).sort()).toEqual([...fields, 'partyName'].sort());
    expect(JSON.stringify(res.data)).not.toContain(portalKeyId);
    // The party (its own consents) and the admin (oversight) still see which portal key granted it.
    const session = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
    for (const list of [
      await h.client(session).consent.list.query({}),
      await h.as('admin').consent.list.query({ partyId }),
    ])
      expect(list).toEqual([expect.objectContaining({ partyId, grantee: 'Test Bank', portalKeyId })]);
  });
});
