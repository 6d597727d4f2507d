import { readFileSync } from 'node:fs';
import { asc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from '../db/migrate.js';
import { changes, partyState } from '../db/schema.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';
import { refreshStaleStates } from './party-state.js';

/** 10:00 in China on `day`. */
const at = (day: string) => new Date(`${day}T10:00:00+08:00`);
const MIGRATION = '0003_repairs_lift_for_good';

async function withHarness(kind: Parameters<typeof createHarness>[0], run: (h: Harness) => Promise<void>) {
  const h = await createHarness(kind);
  try {
    await run(h);
  } finally {
    await h.close();
  }
}

/** A person listed with a repairable record from 2025-06-01, repaired on 2026-01-05 (B01: blue until 2027-01-05). */
async function repairedPerson(h: Harness, n: number, listing: { category: string; effectiveUntil?: string }) {
  h.clock.now = at('2026-01-05');
  const partyId = await h.registerPerson(n, '郑某某');
  const listed = await h.as('enforcement').record.create.mutate({
    partyId,
    court: '浙0212',
    caseNumber: `（2025）浙0212执${n}号`,
    effectiveFrom: '2025-06-01',
    ...listing,
  });
  expect(listed.classification.color).toBe('yellow');
  const fix = await h.as('enforcement').record.repair.mutate({
    partyId,
    repairs: [listed.recordId],
    court: '浙0212',
    caseNumber: `（2025）浙0212执恢${n}号`,
    effectiveFrom: '2026-01-05',
  });
  expect(fix.classification).toMatchObject({ color: 'blue', until: '2027-01-05' });
  return { partyId, listedId: listed.recordId, fixId: fix.recordId };
}

const stateOf = async (h: Harness, partyId: string) =>
  (await h.deps.db.db.select().from(partyState).where(eq(partyState.partyId, partyId)))[0];

const colorChanges = async (h: Harness, partyId: string) =>
  (
    await h.deps.db.db.select().from(changes).where(eq(changes.partyId, partyId)).orderBy(asc(changes.seq))
  ).filter((c) => c.kind === 'color.changed');

describe.each(dbKinds())('a repair lifts the records it lists for good (%s)', (kind) => {
  it('a repaired party does not turn yellow again after the blue year (API: code, explanation, timeline, report)', async () => {
    await withHarness(kind, async (h) => {
      // Y14's own term runs to 2027-06-01, past the repair's year: the old rule turned it yellow again.
      const { partyId, listedId, fixId } = await repairedPerson(h, 1, { category: 'Y14' });
      const judge = h.as('judge');

      h.clock.now = at('2027-01-05');
      const after = await judge.party.get.query({ partyId });
      expect(after.classification).toMatchObject({ color: 'green', since: '2027-01-05', until: null });
      expect(after.explanation?.records).toEqual([
        expect.objectContaining({
          id: listedId,
          decisive: false,
          countsUntil: '2026-01-05',
          remedy: '已修复：该记录自2026-01-05起不再计入。',
        }),
      ]);

      for (const day of ['2027-05-31', '2027-06-01', '2030-01-01']) {
        h.clock.now = at(day);
        expect((await judge.party.get.query({ partyId })).classification).toMatchObject({
          color: 'green',
          since: '2027-01-05',
          until: null,
        });
      }
      const { segments } = await judge.party.timeline.query({ partyId });
      expect(segments).toEqual([
        { color: 'green', from: null, until: '2025-06-01' },
        { color: 'yellow', from: '2025-06-01', until: '2026-01-05' },
        { color: 'blue', from: '2026-01-05', until: '2027-01-05' },
        { color: 'green', from: '2027-01-05', until: null },
      ]);

      h.clock.now = at('2027-03-01');
      const { report } = await judge.report.issue.mutate({ partyId });
      expect(report.classification.color).toBe('green');
      expect(report.records.find((r) => r.recordId === listedId)).toMatchObject({
        status: 'repaired',
        counting: false,
        repairedBy: { recordId: fixId, effectiveFrom: '2026-01-05' },
      });

      // The change feed: yellow, blue, green — and never yellow again.
      expect((await colorChanges(h, partyId)).map((c) => [c.previousColor, c.color])).toEqual([
        ['green', 'yellow'],
        ['yellow', 'blue'],
        ['blue', 'green'],
      ]);
    });
  });

  it(`recomputes a state stored under the old rule after ${MIGRATION}, with a color.changed row`, async () => {
    await withHarness(kind, async (h) => {
      // The harness's database was migrated by the migrator, 0003 included.
      const journal = JSON.parse(readFileSync(`${migrationsFolder()}/meta/_journal.json`, 'utf8')) as {
        entries: { tag: string; when: number }[];
      };
      const entry = journal.entries.find((e) => e.tag === MIGRATION);
      expect(entry).toBeDefined();
      const applied = (await h.deps.db.db.execute(
        sql`select count(*)::int as n from drizzle.__drizzle_migrations where created_at = ${entry?.when}`,
      )) as unknown as { rows: { n: number }[] };
      expect(Number(applied.rows[0]?.n)).toBe(1);

      // An indefinite consumption restriction (Y15), repaired; and a party with no repair.
      const repaired = await repairedPerson(h, 2, { category: 'Y15' });
      h.clock.now = at('2026-01-05');
      const plain = await h.registerPerson(3, '冯某某');
      await h.as('judge').record.create.mutate({
        partyId: plain,
        category: 'Y01',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初3号',
        effectiveFrom: '2025-06-01',
        effectiveUntil: '2099-01-01',
      });

      // What the old rule stored at the end of the blue year: yellow again, for good (Y15 has no end).
      await h.deps.db.db
        .update(partyState)
        .set({
          color: 'yellow',
          since: '2027-01-05',
          until: null,
          basis: [repaired.listedId],
          asOf: '2027-01-05',
        })
        .where(eq(partyState.partyId, repaired.partyId));
      h.clock.now = at('2027-02-01');
      // Nothing in it tells the sweeper it is stale.
      await refreshStaleStates(h.deps);
      expect(await stateOf(h, repaired.partyId)).toMatchObject({ color: 'yellow', until: null });
      const plainBefore = await stateOf(h, plain);

      // The upgrade: the migration's statements on these stored rows.
      const file = readFileSync(`${migrationsFolder()}/${MIGRATION}.sql`, 'utf8');
      for (const statement of file.split('--> statement-breakpoint')) {
        await h.deps.db.db.execute(sql.raw(statement));
      }
      expect(await stateOf(h, repaired.partyId)).toMatchObject({ color: 'yellow', until: '2027-01-05' });
      expect(await stateOf(h, plain)).toEqual(plainBefore);

      const feedBefore = (await colorChanges(h, repaired.partyId)).length;
      expect(await refreshStaleStates(h.deps)).toBe(1);
      expect(await stateOf(h, repaired.partyId)).toMatchObject({
        color: 'green',
        since: '2027-01-05',
        until: null,
        basis: [],
        asOf: '2027-02-01',
      });
      expect(await stateOf(h, plain)).toEqual(plainBefore);
      const feed = await colorChanges(h, repaired.partyId);
      expect(feed).toHaveLength(feedBefore + 1);
      expect(feed.at(-1)).toMatchObject({ previousColor: 'yellow', color: 'green' });
      expect(feed.at(-1)?.data).toMatchObject({ since: '2027-01-05', until: null });

      // The API agrees, and nothing is stale any more.
      expect((await h.as('judge').party.get.query({ partyId: repaired.partyId })).classification.color).toBe(
        'green',
      );
      expect(await refreshStaleStates(h.deps)).toBe(0);
    });
  });
});
