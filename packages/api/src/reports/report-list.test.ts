import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../db/schema.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

describe.each(dbKinds())('report.list on %s', (kind) => {
  let h: Harness;
  let n = 0;
  const newPerson = async () => {
    const id = (
      await h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(700 + n++),
        name: '钱某某',
      })
    ).partyId;
    return { id, session: (await h.as('portal').party.issueSession.mutate({ partyId: id })).token };
  };
  const auditRows = (partyId: string, action: string) =>
    h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.partyId, partyId), eq(auditLog.action, action)));

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lists a party's reports newest first with color and purpose, never a code or the signed report", async () => {
    const p = await newPerson();
    expect(await h.client(p.session).report.list.query({ partyId: p.id })).toEqual({ items: [] });
    await h.as('judge').record.create.mutate({
      partyId: p.id,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初88号',
      effectiveFrom: new Date(h.clock.now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10),
    });
    const first = await h.client(p.session).report.issue.mutate({ partyId: p.id, purpose: '向银行申请贷款' });
    h.clock.now = new Date(h.clock.now.getTime() + 60_000);
    const second = await h.as('judge').report.issue.mutate({ partyId: p.id });
    const list = await h.client(p.session).report.list.query({ partyId: p.id });
    expect(list).toEqual({
      items: [
        {
          reportNo: second.reportNo,
          issuedAt: second.report.issuedAt,
          expiresAt: second.expiresAt,
          policyId: 'default-2022',
          color: 'yellow',
        },
        {
          reportNo: first.reportNo,
          issuedAt: first.report.issuedAt,
          expiresAt: first.expiresAt,
          policyId: 'default-2022',
          color: 'yellow',
          purpose: '向银行申请贷款',
        },
      ],
    });
    const text = JSON.stringify(list);
    for (const secret of [first.code, second.code, first.signed.split('.')[2] as string])
      expect(text).not.toContain(secret);
    // A court key sees any party's; each read is audited against the party.
    expect((await h.as('clerk').report.list.query({ partyId: p.id, purpose: '审查' })).items).toHaveLength(2);
    const reads = await auditRows(p.id, 'report.list');
    expect(reads.map((r) => [r.actorRole, r.purpose])).toEqual([
      ['party', null],
      ['party', null],
      ['clerk', '审查'],
    ]);
    // Listing is not an export.
    expect(await auditRows(p.id, 'party.export')).toEqual([]);
  });

  it("refuses another party's session with FORBIDDEN revealing nothing, and a bank by role", async () => {
    const a = await newPerson();
    const b = await newPerson();
    await h.as('judge').report.issue.mutate({ partyId: b.id });
    const refused = await trpcError(h.client(a.session).report.list.query({ partyId: b.id }));
    expect(refused.data?.code).toBe('FORBIDDEN');
    expect(refused.message).not.toMatch(/浙|report|\d{6}/i);
    const unknown = await trpcError(h.client(a.session).report.list.query({ partyId: 'no-such-party' }));
    expect(unknown.data?.code).toBe('FORBIDDEN');
    expect(unknown.message).toBe(refused.message);
    expect(await auditRows(b.id, 'report.list')).toEqual([]);
    expect((await trpcError(h.as('bank').report.list.query({ partyId: b.id }))).data?.code).toBe('FORBIDDEN');
    expect((await trpcError(h.as('judge').report.list.query({ partyId: 'no-such-party' }))).data?.code).toBe(
      'NOT_FOUND',
    );
  });
});
