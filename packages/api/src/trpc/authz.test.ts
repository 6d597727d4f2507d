import { defaultPolicy } from '@fivecolor/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, insertApiKey } from '../auth/api-keys.js';
import { ROLES, type Role, roleTable } from '../auth/roles.js';
import { SESSION_TTL_SECONDS, sessionKeys, signPartySession } from '../auth/session.js';
import { newId } from '../db/ids.js';
import { consents, idempotencyKeys } from '../db/schema.js';
import { appRouter } from '../routers/root.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

const CASE = '（2024）浙0212民初1号';
const SOON = `${new Date().getUTCFullYear() + 2}-01-01`;
const implemented = Object.keys(appRouter._def.procedures as object).sort();

/**
 * The documented role table (docs/security.md, from the contract), written out here and not read from
 * `roleTable`, so that a wrong grant in the code fails the matrix below.
 */
const COURT_READ: Role[] = ['admin', 'clerk', 'judge', 'enforcement'];
const documented: Record<string, Role[]> = {
  'party.register': ['clerk', 'judge', 'enforcement'],
  'party.screen': ['clerk', 'judge', 'enforcement'],
  'party.lookup': COURT_READ,
  'party.screenings': COURT_READ,
  'party.markCase': ['clerk', 'judge', 'enforcement'],
  'party.markedCases': ['clerk', 'judge', 'enforcement'],
  'party.caseHistory': COURT_READ,
  'party.search': ['clerk', 'judge', 'enforcement'],
  'party.issueSession': ['portal'],
  'party.get': [...COURT_READ, 'bank', 'party'],
  'party.timeline': [...COURT_READ, 'party'],
  'party.export': [...COURT_READ, 'party'],
  'record.list': [...COURT_READ, 'party'],
  'party.issueBadgeToken': ['judge', 'enforcement', 'party'],
  'party.revokeBadgeToken': ['judge', 'enforcement', 'party'],
  'record.create': ['judge', 'enforcement'],
  'record.revoke': ['judge', 'enforcement'],
  'record.amend': ['judge', 'enforcement'],
  'record.repair': ['enforcement'],
  'objection.file': ['party', 'judge', 'enforcement'],
  'objection.resolve': ['judge', 'enforcement'],
  'objection.list': [...COURT_READ, 'party'],
  'report.issue': ['judge', 'enforcement', 'bank', 'party'],
  'report.verify': ['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange', 'party'],
  'report.list': [...COURT_READ, 'party'],
  'consent.grant': ['party'],
  'consent.revoke': ['party'],
  'consent.list': ['admin', 'bank', 'party'],
  'consent.banks': [...COURT_READ, 'party'],
  'stats.summary': COURT_READ,
  'exchange.changes': ['admin', 'bank', 'exchange'],
  'exchange.import': ['exchange'],
  'webhook.create': ['bank', 'exchange'],
  'webhook.list': ['admin', 'bank', 'exchange'],
  'webhook.delete': ['admin', 'bank', 'exchange'],
  'webhook.deliveries': ['admin', 'bank', 'exchange'],
  'webhook.replay': ['admin', 'bank', 'exchange'],
  'stats.series': COURT_READ,
  'policy.get': ['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange', 'party'],
  'policy.simulate': ['admin'],
  'audit.list': ['admin', 'party'],
  'apiKey.create': ['admin'],
  'apiKey.list': ['admin'],
  'apiKey.revoke': ['admin'],
  'apiKey.whoami': ['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange', 'portal', 'party'],
  'audit.verify': ['admin'],
};

describe.each(dbKinds())('authorization matrix (procedure × role) on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let sessionToken: string;
  let n = 100;
  const token = (role: Role) => (role === 'party' ? sessionToken : h.keys[role]);
  const newParty = async () =>
    (
      await h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(n++),
        name: '王某',
      })
    ).partyId;
  const newRecord = async () =>
    (
      await h.as('judge').record.create.mutate({
        partyId,
        category: 'Y14',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: '2026-01-01',
      })
    ).recordId;

  /** A webhook the caller's key manages (an admin manages all): the exchange's, or the bank's. */
  const webhookOf = async (role?: Role) =>
    (await h.as(role === 'bank' ? 'bank' : 'exchange').webhook.create.mutate({ url: 'https://8.8.8.8/hook' }))
      .id;
  /** A valid input for each procedure, for a caller of `role` (the party acts on its own party). */
  const inputs: Record<string, (role?: Role) => Promise<unknown>> = {
    'webhook.create': async () => ({ url: 'https://8.8.8.8/hook' }),
    'webhook.list': async () => undefined,
    'webhook.delete': async (role) => ({ id: await webhookOf(role) }),
    'webhook.deliveries': async (role) => ({ id: await webhookOf(role) }),
    'webhook.replay': async (role) => ({ id: await webhookOf(role), fromSeq: 1 }),
    'party.register': async () => ({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(n++),
      name: '赵某',
    }),
    'party.lookup': async () => ({ idType: 'RESIDENT_ID', idNumber: residentId(1) }),
    'party.get': async () => ({ partyId }),
    'party.timeline': async () => ({ partyId }),
    'party.export': async () => ({ partyId }),
    'party.screen': async () => ({
      caseNumber: CASE,
      parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(1) }],
    }),
    'party.screenings': async () => ({ caseNumber: CASE }),
    'party.markCase': async () => {
      await h.as('clerk').party.screen.mutate({
        caseNumber: CASE,
        parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(1) }],
      });
      return { caseNumber: CASE, note: 'matrix' };
    },
    'party.markedCases': async () => ({}),
    'party.caseHistory': async () => ({ partyId }),
    'party.search': async () => ({ name: '钱某' }),
    'party.issueSession': async () => ({ partyId }),
    'party.issueBadgeToken': async () => ({ partyId }),
    'party.revokeBadgeToken': async () => ({
      token: (await h.as('judge').party.issueBadgeToken.mutate({ partyId })).token,
    }),
    'record.create': async () => ({
      partyId,
      category: 'Y06',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2026-01-01',
    }),
    'record.list': async () => ({ partyId }),
    'record.revoke': async () => ({ recordId: await newRecord(), reason: 'matrix' }),
    'record.amend': async () => ({ recordId: await newRecord(), reason: 'matrix', note: 'amended' }),
    'record.repair': async () => ({
      partyId,
      repairs: [await newRecord()],
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2026-02-01',
    }),
    'objection.file': async () => ({ recordId: await newRecord(), reason: 'matrix' }),
    'objection.resolve': async () => ({
      objectionId: (
        await h.as('judge').objection.file.mutate({ recordId: await newRecord(), reason: 'matrix' })
      ).objectionId,
      decision: 'rejected',
      reason: 'matrix',
    }),
    'objection.list': async () => ({}),
    'apiKey.create': async () => ({ role: 'clerk', name: 'new clerk', court: '浙0212' }),
    'apiKey.list': async () => undefined,
    'apiKey.revoke': async () => ({
      id: (await h.as('admin').apiKey.create.mutate({ role: 'bank', name: 'b' })).id,
    }),
    'audit.list': async () => ({}),
    'stats.summary': async () => undefined,
    'exchange.changes': async () => ({ limit: 10 }),
    'stats.series': async () => ({ from: '2026-01-01', to: '2026-03-31' }),
    'apiKey.whoami': async () => undefined,
    'audit.verify': async () => undefined,
    'policy.get': async () => undefined,
    'policy.simulate': async () => ({ policy: defaultPolicy }),
    'report.issue': async () => ({ partyId }),
    'report.list': async () => ({ partyId }),
    'report.verify': async () => {
      const r = await h.as('judge').report.issue.mutate({ partyId });
      return { reportNo: r.reportNo, code: r.code };
    },
    'consent.grant': async () => ({ grantee: 'Test Bank', scopes: ['code'], until: SOON }),
    'consent.revoke': async () => ({
      consentId: (
        await h.client(sessionToken).consent.grant.mutate({
          grantee: 'Test Bank',
          scopes: ['report'],
          until: SOON,
        })
      ).consentId,
    }),
    'consent.list': async () => ({}),
    'consent.banks': async () => undefined,
    'exchange.import': async () => ({
      records: [
        {
          externalId: `matrix-${n++}`,
          kind: 'person',
          idType: 'RESIDENT_ID',
          idNumber: residentId(1),
          name: '钱某',
          category: 'Y06',
          effectiveFrom: '2026-01-01',
        },
      ],
    }),
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.as('clerk').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(1),
      name: '钱某',
    });
    partyId = await newParty();
    sessionToken = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
    await h.db.db.insert(consents).values({
      id: newId('cns'),
      partyId,
      grantee: 'Test Bank',
      scopes: ['code', 'report'],
      until: '2099-01-01',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('has a row for every implemented procedure, the documented roles in it, and an input for each', () => {
    for (const p of implemented) {
      expect([...(roleTable[p] ?? [])].sort(), p).toEqual([...(documented[p] ?? ['(undocumented)'])].sort());
      expect(Object.hasOwn(inputs, p), p).toBe(true);
    }
  });

  it.each(implemented)(
    '%s: allowed roles succeed, every other role is FORBIDDEN, no key is UNAUTHORIZED',
    async (path) => {
      for (const role of ROLES) {
        const r = await h.call(path, await inputs[path]?.(role), token(role));
        if (documented[path]?.includes(role)) {
          expect(r.error, `${path} as ${role}: ${r.error?.message}`).toBeUndefined();
          expect(r.status).toBe(200);
        } else {
          expect(r.error?.data.code, `${path} as ${role}`).toBe('FORBIDDEN');
          expect(r.status).toBe(403);
        }
      }
      const anon = await h.call(path, await inputs[path]?.());
      expect(anon.error?.data.code).toBe('UNAUTHORIZED');
      const revoked = await h.call(path, await inputs[path]?.(), 'fck_not-a-real-key');
      expect(revoked.error?.data.code).toBe('UNAUTHORIZED');
    },
  );

  it('scopes writes by court (浙02 covers 浙0212, not 浙0301) and keeps G01 for enforcement', async () => {
    const rec = { partyId, category: 'Y07', court: '浙0212', caseNumber: CASE, effectiveFrom: '2026-01-01' };
    const otherCourt = h.client(h.otherCourtJudge);
    const other = await trpcError(otherCourt.record.create.mutate(rec));
    expect(other.data?.code).toBe('FORBIDDEN');
    expect(other.message).toMatch(/^court: /);
    const outside = await trpcError(
      h.as('judge').record.create.mutate({ ...rec, court: '浙0301', caseNumber: '（2024）浙0301民初1号' }),
    );
    expect(outside.data?.code).toBe('FORBIDDEN');
    const recordId = await newRecord();
    expect((await trpcError(otherCourt.record.revoke.mutate({ recordId, reason: 'x' }))).data?.code).toBe(
      'FORBIDDEN',
    );
    const gold = { ...rec, category: 'G01' };
    expect((await trpcError(h.as('judge').record.create.mutate(gold))).data?.code).toBe('FORBIDDEN');
    await expect(h.as('enforcement').record.create.mutate(gold)).resolves.toBeDefined();
  });

  it("forbids repairing another court's record, and writes nothing", async () => {
    const elsewhere = (
      await h.client(h.otherCourtJudge).record.create.mutate({
        partyId,
        category: 'Y14',
        court: '浙0301',
        caseNumber: '（2024）浙0301执1号',
        effectiveFrom: '2026-01-01',
      })
    ).recordId;
    const before = await h.as('judge').record.list.query({ partyId });
    const repair = await trpcError(
      h.as('enforcement').record.repair.mutate({
        partyId,
        repairs: [elsewhere],
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: '2026-02-01',
      }),
    );
    expect(repair.data?.code).toBe('FORBIDDEN');
    expect(repair.message).toMatch(/^repairs\.0: this key writes only for court 浙02 .*not 浙0301/);
    expect(await h.as('judge').record.list.query({ partyId })).toEqual(before);
  });

  it('requires a court for clerk, judge and enforcement keys; a court-role key without one writes nothing', async () => {
    const before = (await h.as('admin').apiKey.list.query()).length;
    for (const role of ['clerk', 'judge', 'enforcement'] as const) {
      const r = await trpcError(h.as('admin').apiKey.create.mutate({ role, name: 'no court' }));
      expect(r.data?.code, role).toBe('BAD_REQUEST');
      expect(r.message, role).toMatch(/^court: is required for a clerk, judge or enforcement key/);
    }
    expect((await h.as('admin').apiKey.list.query()).length).toBe(before);
    await expect(createApiKey(h.db, h.secret, { role: 'judge', name: 'no court' })).rejects.toThrow(
      /^court: is required/,
    );
    // One made before courts were required (straight into the table) is denied every court write.
    const { key: legacy } = await insertApiKey(h.db.db, h.secret, { role: 'judge', name: 'legacy' });
    const rec = { partyId, category: 'Y07', court: '浙0212', caseNumber: CASE, effectiveFrom: '2026-01-01' };
    const r = await trpcError(h.client(legacy).record.create.mutate(rec));
    expect(r.data?.code).toBe('FORBIDDEN');
    expect(r.message).toBe('court: this key names no court, so it writes for none');
  });

  it('keeps revoking and amending gold (G01) and repair (B01) records for enforcement', async () => {
    const base = { partyId, court: '浙0212', caseNumber: CASE, effectiveFrom: '2026-01-01' };
    const gold = (await h.as('enforcement').record.create.mutate({ ...base, category: 'G01' })).recordId;
    const repair = (await h.as('enforcement').record.repair.mutate({ ...base, repairs: [await newRecord()] }))
      .recordId;
    const judge = h.as('judge');
    for (const recordId of [gold, repair]) {
      const revoke = await trpcError(judge.record.revoke.mutate({ recordId, reason: 'x' }));
      expect(revoke.data?.code).toBe('FORBIDDEN');
      expect(revoke.message).toMatch(/^recordId: .*enforcement only/);
      const amend = await trpcError(judge.record.amend.mutate({ recordId, reason: 'x', note: 'n' }));
      expect(amend.data?.code).toBe('FORBIDDEN');
      const list = await judge.record.list.query({ partyId });
      const row = list.find((r) => r.recordId === recordId);
      expect(row).toMatchObject({ revoked: false, revision: 0 });
      await h.as('enforcement').record.amend.mutate({ recordId, reason: 'x', note: 'n' });
      await h.as('enforcement').record.revoke.mutate({ recordId, reason: 'x' });
    }
  });

  it('lets only the portal mint a party session: no court key can act as a party', async () => {
    for (const role of ['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange'] as const)
      expect((await trpcError(h.as(role).party.issueSession.mutate({ partyId }))).data?.code, role).toBe(
        'FORBIDDEN',
      );
    expect((await h.as('portal').party.issueSession.mutate({ partyId })).token).toEqual(expect.any(String));
  });

  it('ends a party session when the portal key that minted it is revoked, and names that key', async () => {
    const portal = await h.as('admin').apiKey.create.mutate({ role: 'portal', name: 'portal 2' });
    const { token } = await h.client(portal.key).party.issueSession.mutate({ partyId });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    expect(claims.mint).toBe(portal.id);
    await expect(h.client(token).party.get.query({ partyId })).resolves.toMatchObject({ party: { partyId } });
    await h.as('admin').apiKey.revoke.mutate({ id: portal.id });
    const refused = await trpcError(h.client(token).party.get.query({ partyId }));
    expect(refused.data?.code).toBe('UNAUTHORIZED');
    expect(refused.message).toMatch(/portal key that issued this party session was revoked/);
  });

  it('refuses a correctly signed session token without exp, without a minting key, or living too long', async () => {
    const keys = sessionKeys(h.secret);
    const iat = Math.floor(h.clock.now.getTime() / 1000);
    const portalId = JSON.parse(
      Buffer.from(sessionToken.split('.')[1] as string, 'base64url').toString(),
    ).mint;
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
        .setSubject(partyId)
        .setIssuer('fivecolor')
        .setAudience('fivecolor-party')
        .sign(keys.privateKey);
    const code = async (token: string) =>
      (await trpcError(h.client(token).party.get.query({ partyId }))).data?.code;
    expect(await code(await sign({ mint: portalId, iat }))).toBe('UNAUTHORIZED'); // no exp
    expect(await code(await sign({ iat, exp: iat + 600 }))).toBe('UNAUTHORIZED'); // no minting key
    expect(await code(await sign({ mint: portalId, iat, exp: iat + 86_400 }))).toBe('UNAUTHORIZED'); // a day
    await expect(
      h.client(await sign({ mint: portalId, iat, exp: iat + 600 })).party.get.query({ partyId }),
    ).resolves.toMatchObject({ party: { partyId } });
  });

  it('limits a party session to its own party and a bank to consenting parties', async () => {
    const other = await newParty();
    const party = h.client(sessionToken);
    const code = async (call: Promise<unknown>) => (await trpcError(call)).data?.code;
    expect(await code(party.party.get.query({ partyId: other }))).toBe('FORBIDDEN');
    expect(await code(party.audit.list.query({ partyId: other }))).toBe('FORBIDDEN');
    expect(await code(h.as('bank').party.get.query({ partyId: other }))).toBe('FORBIDDEN');
    const seen = await h.as('bank').party.get.query({ partyId });
    expect(seen.party.name).toBe('王*');
    expect(seen.party.idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
  });

  it('rejects a revoked API key and lists keys without secrets', async () => {
    const created = await h.as('admin').apiKey.create.mutate({
      role: 'clerk',
      name: 'temp',
      court: '浙0212',
    });
    expect(created.key).toMatch(/^fck_/);
    const temp = h.client(created.key);
    await expect(temp.stats.summary.query()).resolves.toMatchObject({ parties: expect.any(Number) });
    await h.as('admin').apiKey.revoke.mutate({ id: created.id });
    expect((await trpcError(temp.stats.summary.query())).data?.code).toBe('UNAUTHORIZED');
    const list = await h.as('admin').apiKey.list.query();
    expect(list.find((k) => k.id === created.id)).toMatchObject({
      name: 'temp',
      role: 'clerk',
      revokedAt: expect.any(String),
    });
    // No value is a key and no known key appears (a random id may contain the letters fck_ by chance).
    const listed = JSON.stringify(list);
    expect(listed).not.toMatch(/"fck_/);
    for (const key of [...Object.values(h.keys), h.otherCourtJudge, created.key])
      expect(listed).not.toContain(key);
  });

  it('accepts a party session only while it is unexpired and signed with this server secret', async () => {
    const get = (token: string) => h.client(token).party.get.query({ partyId });
    const refusal = async (token: string) => (await trpcError(get(token))).data?.code;
    await expect(get(sessionToken)).resolves.toMatchObject({ party: { partyId } });
    const forged = await signPartySession(
      sessionKeys('another-secret-0123456789'),
      partyId,
      'key_x',
      h.clock.now,
    );
    expect(await refusal(forged.token)).toBe('UNAUTHORIZED');
    const [header, , signature] = sessionToken.split('.');
    const otherSub = Buffer.from(JSON.stringify({ sub: 'pty_other', aud: 'fivecolor-party' })).toString(
      'base64url',
    );
    expect(await refusal(`${header}.${otherSub}.${signature}`)).toBe('UNAUTHORIZED');
    const saved = h.clock.now;
    try {
      h.clock.now = new Date(saved.getTime() + (SESSION_TTL_SECONDS + 60) * 1000);
      expect(await refusal(sessionToken)).toBe('UNAUTHORIZED');
    } finally {
      h.clock.now = saved;
    }
    await expect(get(sessionToken)).resolves.toMatchObject({ party: { partyId } });
  });

  it('shows a created key once: a replay of apiKey.create names the key, never shows it again', async () => {
    const input = { role: 'judge' as const, name: 'replayed', court: '浙0212', idempotencyKey: 'key-once-1' };
    const created = await h.as('admin').apiKey.create.mutate(input);
    expect(created.key).toMatch(/^fck_/);
    const replay = await h.call('apiKey.create', input, h.keys.admin);
    expect(replay.status).toBe(409);
    expect(replay.error?.message).toContain(`already created API key ${created.id}`);
    expect(JSON.stringify(replay)).not.toContain(created.key);
    const stored = await h.deps.db.db.select().from(idempotencyKeys);
    for (const row of stored) {
      const response = h.deps.crypto.decrypt(row.responseEnc);
      expect(response).not.toContain(created.key);
      expect(response).not.toMatch(/"fck_/);
    }
    const keys = await h.as('admin').apiKey.list.query();
    expect(keys.filter((k) => k.name === 'replayed')).toHaveLength(1);
  });
});
