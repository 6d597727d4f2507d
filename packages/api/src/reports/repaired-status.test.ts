import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';

/** 10:00 in China on `day`. */
const at = (day: string) => new Date(`${day}T10:00:00+08:00`);

describe.each(dbKinds())('report record status of a repaired record (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A Y14 listing from 2024-03-01 to 2027-03-01, and a repair (B01, one year) from `repairFrom`. */
  async function listedAndRepaired(n: number, repairFrom: string) {
    h.clock.now = at('2025-01-10');
    const partyId = await h.registerPerson(n, '卫某某');
    const listed = await h.as('enforcement').record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: `（2024）浙0212执${n}号`,
      effectiveFrom: '2024-03-01',
      effectiveUntil: '2027-03-01',
    });
    const fix = await h.as('enforcement').record.repair.mutate({
      partyId,
      repairs: [listed.recordId],
      court: '浙0212',
      caseNumber: `（2024）浙0212执恢${n}号`,
      effectiveFrom: repairFrom,
    });
    return { partyId, listedId: listed.recordId, fixId: fix.recordId };
  }

  const recordIn = async (partyId: string, recordId: string, day: string) => {
    h.clock.now = at(day);
    const { report } = await h.as('judge').report.issue.mutate({ partyId });
    return { report, record: report.records.find((r) => r.recordId === recordId) };
  };

  it('is repaired from the repair’s first day, and stays repaired after the repair’s own term', async () => {
    const { partyId, listedId, fixId } = await listedAndRepaired(11, '2025-01-10');
    const repaired = {
      status: 'repaired',
      counting: false,
      repairedBy: { recordId: fixId, effectiveFrom: '2025-01-10' },
    };

    const blue = await recordIn(partyId, listedId, '2025-06-01');
    expect(blue.report.classification.color).toBe('blue');
    expect(blue.record).toMatchObject(repaired);

    // After the blue year, while the listing's own term still runs: green, and the record is still repaired.
    const green = await recordIn(partyId, listedId, '2026-06-01');
    expect(green.report.classification).toMatchObject({ color: 'green', basis: [] });
    expect(green.record).toMatchObject(repaired);
    expect(green.report.explanation.records).toEqual([
      expect.objectContaining({
        recordId: listedId,
        decisive: false,
        remedy: '已修复：该记录自2025-01-10起不再计入。',
      }),
    ]);
    expect(green.report.timeline.map((s) => s.color)).toEqual(['green', 'yellow', 'blue', 'green']);

    // After the listing's own term too.
    expect((await recordIn(partyId, listedId, '2027-06-01')).record).toMatchObject(repaired);
  });

  it('is active before a repair’s first day, and a revoked repair repairs nothing', async () => {
    const { partyId, listedId, fixId } = await listedAndRepaired(12, '2025-03-01');
    const before = await recordIn(partyId, listedId, '2025-02-01');
    expect(before.report.classification.color).toBe('yellow');
    expect(before.record).toMatchObject({ status: 'active', counting: true, repairedBy: null });

    h.clock.now = at('2025-02-01');
    await h.as('enforcement').record.revoke.mutate({ recordId: fixId, reason: 'entered in error' });
    const later = await recordIn(partyId, listedId, '2026-06-01');
    expect(later.report.classification).toMatchObject({ color: 'yellow', basis: [listedId] });
    expect(later.record).toMatchObject({ status: 'active', counting: true, repairedBy: null });
  });
});
