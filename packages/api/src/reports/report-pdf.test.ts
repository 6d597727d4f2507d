import { toCstDate } from '@fivecolor/core';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness.js';

const flatText = async (body: ArrayBuffer) =>
  (await extractText(await getDocumentProxy(new Uint8Array(body)), { mergePages: true })).text.replace(
    /\s+/g,
    '',
  );

describe('the report PDF and objections', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('pglite');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('flags a record under objection 异议审查中 / under objection, and a rejected objection as such', async () => {
    const partyId = await h.registerPerson(93, '蒋某某');
    const today = toCstDate(h.clock.now);
    const judge = h.as('judge');
    const enter = (n: number) =>
      judge.record.create.mutate({
        partyId,
        category: 'Y01',
        court: '浙0212',
        caseNumber: `（2025）浙0212民初93${n}号`,
        effectiveFrom: today,
      });
    const open = await enter(1);
    const rejected = await enter(2);
    await judge.objection.file.mutate({ recordId: open.recordId, reason: '书面异议' });
    const second = await judge.objection.file.mutate({ recordId: rejected.recordId, reason: '书面异议' });
    await judge.objection.resolve.mutate({
      objectionId: second.objectionId,
      decision: 'rejected',
      reason: '理由不成立',
    });

    const r = await judge.report.issue.mutate({ partyId });
    const res = await h.app.request(
      `http://local/v1/reports/${encodeURIComponent(r.reportNo)}.pdf?code=${r.code}`,
    );
    expect(res.status).toBe(200);
    const text = await flatText(await res.arrayBuffer());
    // The row of each case number carries its own flag (the table reads row by row).
    const rowOf = (caseNo: string) => text.slice(text.indexOf(caseNo), text.indexOf(caseNo) + 80);
    expect(rowOf('（2025）浙0212民初931号')).toContain('异议审查中underobjection');
    expect(rowOf('（2025）浙0212民初932号')).toContain('异议：驳回');
    expect(rowOf('（2025）浙0212民初932号')).not.toContain('异议审查中');
    expect(text.match(/异议审查中underobjection/g)).toHaveLength(1);

    // The verification page a phone shows after scanning the QR code says so too, without scripts.
    for (const [lang, words] of [
      ['zh-CN', '异议审查中：1 条记录正在复核'],
      ['en', 'Under objection: 1 record is being reviewed'],
    ]) {
      const page = await h.app.request(
        `http://local/v1/reports/${encodeURIComponent(r.reportNo)}?code=${r.code}&lang=${lang}`,
        { headers: { accept: 'text/html' } },
      );
      expect(await page.text()).toContain(words);
    }
  });
});
