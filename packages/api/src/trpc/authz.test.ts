import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, insertApiKey } from '../auth/api-keys.js';
import { ROLES, type Role, roleTable } from '../auth/roles.js';
import { SESSION_TTL_SECONDS, sessionKeys, signPartySession } from '../auth/session.js';
import { newId } from '../db/ids.js';
import { consents, idempotencyKeys } from '../db/schema.js';
import { appRouter } from '../routers/root.js';
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
  'party.issueSession': ['admin', 'judge', 'enforcement'],
  'party.get': [...COURT_READ, 'bank', 'party'],
  'party.timeline': [...COURT_READ, 'party'],
  'record.list': [...COURT_READ, 'party'],
  'party.issueBadgeToken': ['judge', 'enforcement', 'party'],
  'party.revokeBadgeToken': ['judge', 'enforcement', 'party'],
  'record.create': ['judge', 'enforcement'],
  'record.revoke': ['judge', 'enforcement'],
  'record.amend': ['judge', 'enforcement'],
  'record.repair': ['enforcement'],
  'report.issue': ['judge', 'enforcement', 'bank', 'party'],
  'report.verify': ['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange', 'party'],
  'consent.grant': ['party'],
  'consent.revoke': ['party'],
  'consent.list': ['admin', 'bank', 'party'],
  'stats.summary': COURT_READ,
  'policy.get': ['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange', 'party'],
  'audit.list': ['admin', 'party'],
  'apiKey.create': ['admin'],
  'apiKey.list': ['admin'],
  'apiKey.revoke': ['admin'],
};

describe.each(dbKinds())('authorization matrix (procedure × role) on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let sessionToken: string;
  let n = 100;
  const token = (role: Role) => (role === 'party' ? sessionToken : h.keys[role]);
  const newParty = async () =>
    (
      await h.ok(
        'party.register',
        { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(n++), name: '王某' },
        h.keys.clerk,
      )
    ).partyId as string;
  const newRecord = async () =>
    (
      await h.ok(
        'record.create',
        { partyId, category: 'Y14', court: '浙0212', caseNumber: CASE, effectiveFrom: '2026-01-01' },
        h.keys.judge,
      )
    ).recordId as string;

  /** A valid input for each procedure, for a caller of `role` (the party acts on its own party). */
  const inputs: Record<string, () => Promise<unknown>> = {
    'party.register': async () => ({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(n++),
      name: '赵某',
    }),
    'party.lookup': async () => ({ idType: 'RESIDENT_ID', idNumber: residentId(1) }),
    'party.get': async () => ({ partyId }),
    'party.timeline': async () => ({ partyId }),
    'party.screen': async () => ({
      caseNumber: CASE,
      parties: [{ idType: 'RESIDENT_ID', idNumber: residentId(1) }],
    }),
    'party.screenings': async () => ({ caseNumber: CASE }),
    'party.issueSession': async () => ({ partyId }),
    'party.issueBadgeToken': async () => ({ partyId }),
    'party.revokeBadgeToken': async () => ({
      token: (await h.ok('party.issueBadgeToken', { partyId }, h.keys.judge)).token,
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
    'apiKey.create': async () => ({ role: 'clerk', name: 'new clerk', court: '浙0212' }),
    'apiKey.list': async () => undefined,
    'apiKey.revoke': async () => ({
      id: (await h.ok('apiKey.create', { role: 'bank', name: 'b' }, h.keys.admin)).id,
    }),
    'audit.list': async () => ({}),
    'stats.summary': async () => undefined,
    'policy.get': async () => undefined,
    'report.issue': async () => ({ partyId }),
    'report.verify': async () => {
      const r = await h.ok('report.issue', { partyId }, h.keys.judge);
      return { reportNo: r.reportNo, code: r.code };
    },
    'consent.grant': async () => ({ grantee: 'Test Bank', scopes: ['code'], until: SOON }),
    'consent.revoke': async () => ({
      consentId: (
        await h.ok('consent.grant', { grantee: 'Test Bank', scopes: ['report'], until: SOON }, sessionToken)
      ).consentId,
    }),
    'consent.list': async () => ({}),
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.ok(
      'party.register',
      { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(1), name: '钱某' },
      h.keys.clerk,
    );
    partyId = await newParty();
    sessionToken = (await h.ok('party.issueSession', { partyId }, h.keys.judge)).token;
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
        const r = await h.call(path, await inputs[path]?.(), token(role));
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
    const other = await h.call('record.create', rec, h.otherCourtJudge);
    expect(other.error?.data.code).toBe('FORBIDDEN');
    expect(other.error?.message).toMatch(/^court: /);
    const outside = await h.call(
      'record.create',
      { ...rec, court: '浙0301', caseNumber: '（2024）浙0301民初1号' },
      h.keys.judge,
    );
    expect(outside.error?.data.code).toBe('FORBIDDEN');
    const recordId = await newRecord();
    expect(
      (await h.call('record.revoke', { recordId, reason: 'x' }, h.otherCourtJudge)).error?.data.code,
    ).toBe('FORBIDDEN');
    const gold = { ...rec, category: 'G01' };
    expect((await h.call('record.create', gold, h.keys.judge)).error?.data.code).toBe('FORBIDDEN');
    expect((await h.call('record.create', gold, h.keys.enforcement)).error).toBeUndefined();
  });

  it("forbids repairing another court's record, and writes nothing", async () => {
    const elsewhere = (
      await h.ok(
        'record.create',
        {
          partyId,
          category: 'Y14',
          court: '浙0301',
          caseNumber: '（2024）浙0301执1号',
          effectiveFrom: '2026-01-01',
        },
        h.otherCourtJudge,
      )
    ).recordId;
    const before = await h.ok('record.list', { partyId }, h.keys.judge);
    const repair = await h.call(
      'record.repair',
      { partyId, repairs: [elsewhere], court: '浙0212', caseNumber: CASE, effectiveFrom: '2026-02-01' },
      h.keys.enforcement,
    );
    expect(repair.error?.data.code).toBe('FORBIDDEN');
    expect(repair.error?.message).toMatch(/^repairs\.0: this key writes only for court 浙02 .*not 浙0301/);
    expect(await h.ok('record.list', { partyId }, h.keys.judge)).toEqual(before);
  });

  it('requires a court for clerk, judge and enforcement keys; a court-role key without one writes nothing', async () => {
    const before = (await h.ok('apiKey.list', undefined, h.keys.admin)).length;
    for (const role of ['clerk', 'judge', 'enforcement']) {
      const r = await h.call('apiKey.create', { role, name: 'no court' }, h.keys.admin);
      expect(r.error?.data.code, role).toBe('BAD_REQUEST');
      expect(r.error?.message, role).toMatch(/^court: is required for a clerk, judge or enforcement key/);
    }
    expect((await h.ok('apiKey.list', undefined, h.keys.admin)).length).toBe(before);
    await expect(createApiKey(h.db, h.secret, { role: 'judge', name: 'no court' })).rejects.toThrow(
      /^court: is required/,
    );
    // One made before courts were required (straight into the table) is denied every court write.
    const { key: legacy } = await insertApiKey(h.db.db, h.secret, { role: 'judge', name: 'legacy' });
    const rec = { partyId, category: 'Y07', court: '浙0212', caseNumber: CASE, effectiveFrom: '2026-01-01' };
    const r = await h.call('record.create', rec, legacy);
    expect(r.error?.data.code).toBe('FORBIDDEN');
    expect(r.error?.message).toBe('court: this key names no court, so it writes for none');
  });

  it('keeps revoking and amending gold (G01) and repair (B01) records for enforcement', async () => {
    const base = { partyId, court: '浙0212', caseNumber: CASE, effectiveFrom: '2026-01-01' };
    const gold = (await h.ok('record.create', { ...base, category: 'G01' }, h.keys.enforcement)).recordId;
    const repair = (
      await h.ok('record.repair', { ...base, repairs: [await newRecord()] }, h.keys.enforcement)
    ).recordId;
    for (const recordId of [gold, repair]) {
      const revoke = await h.call('record.revoke', { recordId, reason: 'x' }, h.keys.judge);
      expect(revoke.error?.data.code).toBe('FORBIDDEN');
      expect(revoke.error?.message).toMatch(/^recordId: .*enforcement only/);
      const amend = await h.call('record.amend', { recordId, reason: 'x', note: 'n' }, h.keys.judge);
      expect(amend.error?.data.code).toBe('FORBIDDEN');
      const list = await h.ok('record.list', { partyId }, h.keys.judge);
      const row = list.find((r: { recordId: string }) => r.recordId === recordId);
      expect(row).toMatchObject({ revoked: false, revision: 0 });
      await h.ok('record.amend', { recordId, reason: 'x', note: 'n' }, h.keys.enforcement);
      await h.ok('record.revoke', { recordId, reason: 'x' }, h.keys.enforcement);
    }
  });

  it('lets only admin, judge and enforcement mint a party session (never a clerk)', async () => {
    const clerk = await h.call('party.issueSession', { partyId }, h.keys.clerk);
    expect(clerk.error?.data.code).toBe('FORBIDDEN');
    for (const role of ['admin', 'judge', 'enforcement'] as const)
      expect((await h.ok('party.issueSession', { partyId }, h.keys[role])).token).toEqual(expect.any(String));
  });

  it('limits a party session to its own party and a bank to consenting parties', async () => {
    const other = await newParty();
    expect((await h.call('party.get', { partyId: other }, sessionToken)).error?.data.code).toBe('FORBIDDEN');
    expect((await h.call('audit.list', { partyId: other }, sessionToken)).error?.data.code).toBe('FORBIDDEN');
    expect((await h.call('party.get', { partyId: other }, h.keys.bank)).error?.data.code).toBe('FORBIDDEN');
    const seen = await h.ok('party.get', { partyId }, h.keys.bank);
    expect(seen.party.name).toBe('王*');
    expect(seen.party.idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
  });

  it('rejects a revoked API key and lists keys without secrets', async () => {
    const created = await h.ok(
      'apiKey.create',
      { role: 'clerk', name: 'temp', court: '浙0212' },
      h.keys.admin,
    );
    expect(created.key).toMatch(/^fck_/);
    expect((await h.call('stats.summary', undefined, created.key)).status).toBe(200);
    await h.ok('apiKey.revoke', { id: created.id }, h.keys.admin);
    expect((await h.call('stats.summary', undefined, created.key)).error?.data.code).toBe('UNAUTHORIZED');
    const list = await h.ok('apiKey.list', undefined, h.keys.admin);
    expect(list.find((k: any) => k.id === created.id)).toMatchObject({
      name: 'temp',
      role: 'clerk',
      revokedAt: expect.any(String),
    });
    expect(JSON.stringify(list)).not.toContain('fck_');
  });

  it('accepts a party session only while it is unexpired and signed with this server secret', async () => {
    const get = (token: string) => h.call('party.get', { partyId }, token);
    expect((await get(sessionToken)).status).toBe(200);
    const forged = await signPartySession(sessionKeys('another-secret-0123456789'), partyId, h.clock.now);
    expect((await get(forged.token)).error?.data.code).toBe('UNAUTHORIZED');
    const [header, , signature] = sessionToken.split('.');
    const otherSub = Buffer.from(JSON.stringify({ sub: 'pty_other', aud: 'fivecolor-party' })).toString(
      'base64url',
    );
    expect((await get(`${header}.${otherSub}.${signature}`)).error?.data.code).toBe('UNAUTHORIZED');
    const saved = h.clock.now;
    try {
      h.clock.now = new Date(saved.getTime() + (SESSION_TTL_SECONDS + 60) * 1000);
      expect((await get(sessionToken)).error?.data.code).toBe('UNAUTHORIZED');
    } finally {
      h.clock.now = saved;
    }
    expect((await get(sessionToken)).status).toBe(200);
  });

  it('shows a created key once: a replay of apiKey.create names the key, never shows it again', async () => {
    const input = { role: 'judge', name: 'replayed', court: '浙0212', idempotencyKey: 'key-once-1' };
    const created = await h.ok('apiKey.create', input, h.keys.admin);
    expect(created.key).toMatch(/^fck_/);
    const replay = await h.call('apiKey.create', input, h.keys.admin);
    expect(replay.status).toBe(409);
    expect(replay.error?.message).toContain(`already created API key ${created.id}`);
    expect(JSON.stringify(replay)).not.toContain(created.key);
    const stored = await h.deps.db.db.select().from(idempotencyKeys);
    for (const row of stored) expect(h.deps.crypto.decrypt(row.responseEnc)).not.toContain('fck_');
    const keys = await h.ok('apiKey.list', undefined, h.keys.admin);
    expect(keys.filter((k: { name: string }) => k.name === 'replayed')).toHaveLength(1);
  });
});
