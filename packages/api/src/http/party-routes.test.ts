import { toCstDate } from '@fivecolor/core';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

/** The text of a PDF with all whitespace removed (pdf.js splits lines and table cells). */
async function pdfText(body: ArrayBuffer): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(body)), { mergePages: true });
  return text.replace(/\s+/g, '');
}
const flat = (s: string) => s.replace(/\s+/g, '');

describe.each(dbKinds())('GET /v1/parties/:partyId/export.pdf on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let otherId: string;
  let session: string;
  let otherSession: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = await h.registerPerson(71, '韩某某');
    otherId = await h.registerPerson(72, '魏某某');
    const today = toCstDate(h.clock.now);
    for (const [id, n] of [
      [partyId, 1],
      [otherId, 2],
    ] as const)
      await h.as('judge').record.create.mutate({
        partyId: id,
        category: 'Y01',
        court: '浙0212',
        caseNumber: `（2025）浙0212民初7${n}号`,
        effectiveFrom: today,
      });
    session = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
    otherSession = (await h.as('portal').party.issueSession.mutate({ partyId: otherId })).token;
    const party = h.client(session);
    const [record] = await party.record.list.query({ partyId });
    await party.objection.file.mutate({ recordId: record?.recordId as string, reason: '案件已经调解结案' });
    await party.consent.grant.mutate({
      grantee: 'Test Bank',
      scopes: ['code'],
      until: toCstDate(new Date(h.clock.now.getTime() + 30 * 86_400_000)),
    });
    await party.report.issue.mutate({ partyId });
    await h.as('bank').party.get.query({ partyId, purpose: '贷后管理' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const get = (id: string, token?: string) =>
    h.app.request(`http://local/v1/parties/${encodeURIComponent(id)}/export.pdf`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });

  it('gives the party its export as a PDF: identity, records under objection, consents, reports, who looked', async () => {
    const res = await get(partyId, session);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="export-${partyId}.pdf"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await pdfText(await res.arrayBuffer());
    const doc = await h.client(session).party.export.query({ partyId });
    for (const part of [
      '个人信息导出',
      'Dataexport',
      '韩某某',
      residentId(71),
      '黄码',
      'Y01',
      '（2025）浙0212民初71号',
      '异议审查中underobjection',
      '案件已经调解结案',
      'TestBank',
      doc.reports[0]?.reportNo ?? 'no report',
      '贷后管理',
      '银行bank',
    ])
      expect(text).toContain(flat(part));
    // Nothing about the other party.
    for (const part of ['魏某某', residentId(72), '（2025）浙0212民初72号', otherId])
      expect(text).not.toContain(part);
  });

  it('is audited exactly like party.export', async () => {
    const before = (await h.client(session).audit.list.query({})).items.filter(
      (a) => a.action === 'party.export',
    ).length;
    expect((await get(partyId, h.keys.judge)).status).toBe(200);
    const rows = (await h.client(session).audit.list.query({})).items.filter(
      (a) => a.action === 'party.export',
    );
    expect(rows.length).toBe(before + 1);
    expect(rows[0]).toMatchObject({ actorRole: 'judge', purpose: 'data export' });
  });

  it("refuses without revealing anything: no key 401, another party's session or a bank 403, unknown 404, bad id 400", async () => {
    const cases: [string, string | undefined, number][] = [
      [partyId, undefined, 401],
      [partyId, 'fck_not-a-key', 401],
      [partyId, otherSession, 403],
      [partyId, h.keys.bank, 403],
      [partyId, h.keys.portal, 403],
      ['pty_AAAAAAAAAAAAAAAAAAAAAA', h.keys.judge, 404],
      // A party session asking for a party that does not exist learns no more than for one that does.
      ['pty_AAAAAAAAAAAAAAAAAAAAAA', otherSession, 403],
      [residentId(71), h.keys.judge, 404],
      ['x'.repeat(65), h.keys.judge, 400],
    ];
    for (const [id, token, status] of cases) {
      const res = await get(id, token);
      expect(res.status, `${id} ${token?.slice(0, 8)}`).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = (await res.json()) as { error: string };
      expect(body.error).toEqual(expect.any(String));
      const text = JSON.stringify(body);
      for (const secret of ['韩某某', residentId(71), 'x'.repeat(65), '案件已经调解结案'])
        expect(text).not.toContain(secret);
    }
    const forbidden = (await (await get(partyId, otherSession)).json()) as { error: string };
    expect(forbidden.error).toBe('partyId: a party session may only access its own party');
    // Metrics label the route by its pattern, never by the id asked for.
    const metrics = await (await h.app.request('http://local/metrics')).text();
    expect(metrics).toContain('route="/v1/parties/:partyId/export.pdf"');
    expect(metrics).not.toContain(partyId);
    expect(metrics).not.toContain('pty_AAAAAAAAAAAAAAAAAAAAAA');
  });
});
