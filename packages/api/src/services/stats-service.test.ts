import { toCstDate } from '@fivecolor/core';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changes, parties } from '../db/schema.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';

const CASE = '（2025）浙0212执88号';

/** `YYYY-MM-DD` of the 1st of the month `back` months before `today`'s (today itself for 0). */
function monthsBack(today: string, back: number): string {
  if (back === 0) return today;
  const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - back);
  return d.toISOString().slice(0, 10);
}

describe.each(dbKinds())('stats.series on %s', (kind) => {
  let h: Harness;
  const today = toCstDate(new Date());
  const from = `${monthsBack(today, 3).slice(0, 7)}-01`;

  beforeAll(async () => {
    h = await createHarness(kind);
    const a = await h.registerPerson(801);
    const b = await h.registerPerson(802);
    const c = await h.registerPerson(803);
    const enter = (partyId: string, category: string, back: number, court = '浙0212') =>
      h.as(category === 'G01' ? 'enforcement' : 'judge').record.create.mutate({
        partyId,
        category,
        court,
        caseNumber: CASE,
        effectiveFrom: monthsBack(today, back),
      });
    await enter(a, 'R01', 3);
    const listed = await enter(b, 'Y14', 2);
    await enter(b, 'Y01', 2, '浙0203');
    await h.as('enforcement').record.repair.mutate({
      partyId: b,
      repairs: [listed.recordId],
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: monthsBack(today, 1),
    });
    await enter(c, 'G01', 0);
    await h.registerPerson(804); // no record: green
    const revoked = await enter(c, 'Y01', 0);
    await h.as('judge').record.revoke.mutate({ recordId: revoked.recordId, reason: 'entered by mistake' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts records by category, repairs and gold by month, and colors at the end of each month', async () => {
    // The admin's key has no court: every party (the clerk's, of 浙02, would not count the party with no record).
    const { months } = await h.as('admin').stats.series.query({ from, to: today });
    expect(months.map((m) => m.month)).toEqual([3, 2, 1, 0].map((b) => monthsBack(today, b).slice(0, 7)));
    const [m3, m2, m1, m0] = months;
    expect(m3?.records).toEqual({ R01: 1 });
    expect(m2?.records).toEqual({ Y14: 1, Y01: 1 });
    expect(m1?.records).toEqual({ B01: 1 });
    expect(m1).toMatchObject({ repairs: 1, gold: 0 });
    // The revoked Y01 is not counted.
    expect(m0?.records).toEqual({ G01: 1 });
    expect(m0).toMatchObject({ repairs: 0, gold: 1 });
    // The change feed recorded every color today: the current month's end has them, earlier ends had no party.
    expect(m0?.colorsAtEnd).toEqual({ red: 1, yellow: 1, gold: 1, green: 1, blue: 0 });
    expect(Object.values(m3?.colorsAtEnd ?? {}).reduce((s, n) => s + n, 0)).toBe(0);
  });

  it("holds a court key to its own courts and narrows to a court's records", async () => {
    const { months } = await h.as('clerk').stats.series.query({ from, to: today, court: '浙0203' });
    expect(months.flatMap((m) => Object.entries(m.records))).toEqual([['Y01', 1]]);
    expect(months.at(-1)?.colorsAtEnd).toMatchObject({ yellow: 1, red: 0, gold: 0 });
    const err = await trpcError(
      h.client(h.otherCourtJudge).stats.series.query({ from, to: today, court: '浙02' }),
    );
    expect(err.data?.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/^court: /);
  });

  it("narrows stats.summary to a court's records and the parties that have one, when asked", async () => {
    const all = await h.as('clerk').stats.summary.query();
    expect(all.parties).toBe(4);
    const one = await h.as('clerk').stats.summary.query({ court: '浙0203' });
    expect(one).toMatchObject({ parties: 1, records: 1, byCourt: { 浙0203: 1 }, byCategory: { Y01: 1 } });
    expect(one.byColor).toEqual({ red: 0, yellow: 1, green: 0, blue: 0, gold: 0 });
    const err = await trpcError(h.client(h.otherCourtJudge).stats.summary.query({ court: '浙02' }));
    expect(err.data?.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/^court: a key for /);
  });

  it('counts past month ends from the change feed: registration green, then each recorded change', async () => {
    // A party registered three months ago that went yellow, then blue (the feed is append-only: the
    // history is written as it would have been, and the registration date moved back).
    const e = await h.registerPerson(805);
    const at = (back: number, day: string) =>
      new Date(`${monthsBack(today, back).slice(0, 8)}${day}T04:00:00Z`);
    await h.db.db
      .update(parties)
      .set({ createdAt: at(3, '02') })
      .where(eq(parties.id, e));
    await h.db.db.insert(changes).values([
      { partyId: e, kind: 'color.changed', color: 'yellow', previousColor: 'green', at: at(3, '05') },
      { partyId: e, kind: 'color.changed', color: 'blue', previousColor: 'yellow', at: at(2, '20') },
    ]);
    const { months } = await h.as('admin').stats.series.query({ from, to: today });
    const [m3, m2, m1] = months;
    expect(m3?.colorsAtEnd).toEqual({ red: 0, yellow: 1, green: 0, blue: 0, gold: 0 });
    expect(m2?.colorsAtEnd).toEqual({ red: 0, yellow: 0, green: 0, blue: 1, gold: 0 });
    expect(m1?.colorsAtEnd).toEqual({ red: 0, yellow: 0, green: 0, blue: 1, gold: 0 });
    // A period starting after those moves carries them into its first month.
    const later = await h
      .as('admin')
      .stats.series.query({ from: monthsBack(today, 1), to: monthsBack(today, 1) });
    expect(later.months[0]?.colorsAtEnd.blue).toBe(1);
  });

  it('refuses a reversed or too long period, naming the field', async () => {
    const reversed = await trpcError(h.as('admin').stats.series.query({ from: today, to: from }));
    expect(reversed.message).toMatch(/^to: must not be before from/);
    const long = await trpcError(h.as('admin').stats.series.query({ from: '2000-01-01', to: today }));
    expect(long.message).toMatch(/^to: at most 120 months/);
    const bad = await trpcError(h.as('admin').stats.series.query({ from: '2026-02-30', to: today }));
    expect(bad.message).toMatch(/from/);
  });
});

describe.each(dbKinds())('stats.series for the running month on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('ends the running month with today’s colors, as stats.summary counts them, also past a term’s end', async () => {
    h.clock.now = new Date('2024-06-02T02:00:00Z');
    const partyId = await h.registerPerson(820);
    await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y06',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: '2024-06-01',
      effectiveUntil: '2026-06-01',
    });
    h.clock.now = new Date('2026-09-10T02:00:00Z'); // the yellow ended; nothing has recomputed it yet
    const series = await h.as('admin').stats.series.query({ from: '2026-09-01', to: '2026-09-30' });
    expect(series.months[0]?.colorsAtEnd).toMatchObject({ yellow: 0, green: 1 });
    expect((await h.as('admin').stats.summary.query()).byColor).toMatchObject({ green: 1 });
  });
});
