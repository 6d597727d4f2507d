import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { AUDIT_KINDS, type AuditKind } from './audit-service.js';

/** The kind of an entry as the party's "who looked" groups it, written out independently of the SQL. */
const kindOf = (e: { actorRole: string | null; action: string }): AuditKind =>
  ['report.verify', 'report.pdf'].includes(e.action) || e.actorRole === 'public'
    ? 'verification'
    : e.actorRole === 'bank'
      ? 'bank'
      : ['admin', 'clerk', 'judge', 'enforcement'].includes(e.actorRole ?? '')
        ? 'court'
        : e.actorRole === 'party'
          ? 'self'
          : 'other';

describe.each(dbKinds())('audit.list kind filter on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let session: string;

  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = (
      await h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(811),
        name: '冯某某',
      })
    ).partyId;
    session = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
    const me = h.client(session);
    const until = new Date(h.clock.now.getTime() + 90 * 86_400_000).toISOString().slice(0, 10);
    await me.consent.grant.mutate({ grantee: 'Test Bank', scopes: ['code', 'report'], until });
    const report = await me.report.issue.mutate({ partyId });
    // Court reads, bank reads, the party's own reads, and verifications by a bank, the public route and a judge.
    for (let i = 0; i < 3; i++) await h.as('judge').party.get.query({ partyId, purpose: `审理 ${i}` });
    for (let i = 0; i < 3; i++) await h.as('bank').party.get.query({ partyId });
    await me.party.get.query({ partyId });
    await h.as('bank').report.verify.query({ reportNo: report.reportNo, code: report.code });
    await h.as('judge').report.verify.query({ reportNo: report.reportNo, code: report.code });
    const res = await h.app.request(
      `http://local/v1/reports/${encodeURIComponent(report.reportNo)}?code=${report.code}`,
      {},
      { incoming: { socket: { remoteAddress: '192.0.2.9' } } },
    );
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('returns exactly the entries of each kind, paged on the server', async () => {
    const me = h.client(session);
    const all = (await me.audit.list.query({ limit: 500 })).items;
    for (const k of AUDIT_KINDS) {
      const expected = all.filter((e) => kindOf(e) === k).map((e) => e.seq);
      // Pages of 2: every page full of the kind, none of another, until the last.
      const got: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await me.audit.list.query({ kind: k, limit: 2, ...(before ? { before } : {}) });
        got.push(...page.items.map((e) => e.seq));
        if (page.nextBefore === null) break;
        expect(page.items).toHaveLength(2);
        before = page.nextBefore;
      }
      expect(got, k).toEqual(expected);
    }
    const counts = Object.fromEntries(AUDIT_KINDS.map((k) => [k, all.filter((e) => kindOf(e) === k).length]));
    expect(counts.court).toBeGreaterThanOrEqual(3);
    expect(counts.bank).toBeGreaterThanOrEqual(3);
    expect(counts.verification).toBe(3);
    expect(counts.self).toBeGreaterThanOrEqual(3);
    expect(counts.other).toBeGreaterThanOrEqual(1); // the portal minting the session
  });

  it('filters the admin view too, and names the field and the rule for an unknown kind', async () => {
    const admin = await h.as('admin').audit.list.query({ partyId, kind: 'bank', limit: 500 });
    expect(admin.items.length).toBeGreaterThanOrEqual(3);
    expect(admin.items.every((e) => e.actorRole === 'bank' && e.action !== 'report.verify')).toBe(true);
    const bad = await trpcError(h.client(session).audit.list.query({ kind: 'banks' as AuditKind }));
    expect(bad.data?.code).toBe('BAD_REQUEST');
    expect(bad.message).toMatch(/kind: must be one of court, bank, verification, self, other/);
  });
});
