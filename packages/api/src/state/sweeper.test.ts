import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changes, partyState } from '../db/schema.js';
import { createFivecolor } from '../http/create-app.js';
import { createLogger } from '../http/logger.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { msUntilNextCstMidnight, startStateSweeper } from './sweeper.js';

describe('msUntilNextCstMidnight', () => {
  it('counts to the next midnight in Asia/Shanghai, not UTC', () => {
    expect(msUntilNextCstMidnight(new Date('2026-11-27T15:59:59Z'))).toBe(1000); // 23:59:59 CST
    expect(msUntilNextCstMidnight(new Date('2026-11-27T16:00:00Z'))).toBe(86_400_000); // 00:00 CST
    expect(msUntilNextCstMidnight(new Date('2026-11-27T23:59:59Z'))).toBe(16 * 3600_000 + 1000);
  });
});

describe.each(dbKinds())('state sweeper (%s)', (kind) => {
  let h: Harness;
  let partyId: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = await h.registerPerson(5, '蒋某');
    await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y01',
      court: '浙0212',
      caseNumber: '（2026）浙0212民初9号',
      effectiveFrom: '2026-01-01',
      effectiveUntil: '2098-06-01',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is started by createFivecolor, unless sweepStates is false', async () => {
    const { partyId: other } = await h.as('clerk').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(6),
      name: '韩某',
    });
    await h.as('judge').record.create.mutate({
      partyId: other,
      category: 'Y01',
      court: '浙0212',
      caseNumber: '（2026）浙0212民初10号',
      effectiveFrom: '2026-01-01',
      effectiveUntil: '2097-01-01',
    });
    const color = async () =>
      (await h.deps.db.db.select().from(partyState).where(eq(partyState.partyId, other)))[0]?.color;
    const later = {
      db: h.deps.db,
      secret: h.deps.secret,
      logger: createLogger({ level: 'silent' }),
      now: () => new Date('2097-01-02T00:00:00+08:00'),
    };
    const off = await createFivecolor({ ...later, sweepStates: false, badgeCache: false });
    expect(off.sweeper).toBeNull();
    await off.close();
    expect(await color()).toBe('yellow');
    const on = await createFivecolor({ ...later, badgeCache: false });
    await on.sweeper?.running;
    await on.close();
    expect(await color()).toBe('green');
  });

  it('stores a color that time alone changed, and writes it to the change feed, without any read', async () => {
    const state = async () =>
      (await h.deps.db.db.select().from(partyState).where(eq(partyState.partyId, partyId)))[0];
    expect(await state()).toMatchObject({ color: 'yellow', until: '2098-06-01' });
    const saved = h.clock.now;
    h.clock.now = new Date('2098-06-01T00:00:01+08:00');
    const sweeper = startStateSweeper(h.deps, createLogger({ level: 'silent' }));
    try {
      await sweeper.running;
      expect(await state()).toMatchObject({ color: 'green', until: null, asOf: '2098-06-01' });
      const feed = await h.deps.db.db.select().from(changes).where(eq(changes.partyId, partyId));
      expect(feed.at(-1)).toMatchObject({ color: 'green', previousColor: 'yellow' });
    } finally {
      await sweeper.stop();
      h.clock.now = saved;
    }
  });
});
