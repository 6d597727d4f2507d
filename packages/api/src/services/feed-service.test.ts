import { createHmac } from 'node:crypto';
import { addDuration, toCstDate } from '@fivecolor/core';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-log.js';
import { deriveKey } from '../crypto/party-crypto.js';
import { auditLog, changes, records } from '../db/schema.js';
import { createLogger } from '../http/logger.js';
import { startStateSweeper } from '../state/sweeper.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { encodeFeedCursor, type FEED_TYPES, settledSeq } from './feed-service.js';

const CASE = '（2026）浙0212执5号';

describe.each(dbKinds())('change feed (exchange.changes) on %s', (kind) => {
  let h: Harness;
  let n = 0;
  const today = () => toCstDate(h.clock.now);
  const exchange = () => h.as('exchange').exchange.changes;
  const newRecord = async (partyId: string, extra: Record<string, unknown> = {}) =>
    (
      await h.as('judge').record.create.mutate({
        partyId,
        category: 'Y14',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: today(),
        ...extra,
      })
    ).recordId;
  /** Reads the whole feed from `cursor` in pages of `limit`; the items and the cursor after them. */
  const readAll = async (opts: {
    cursor?: string;
    limit?: number;
    types?: (typeof FEED_TYPES)[number][];
  }) => {
    const items = [];
    let cursor = opts.cursor;
    for (;;) {
      const page = await exchange().query({ ...opts, cursor });
      items.push(...page.items);
      cursor = page.nextCursor;
      if (!page.hasMore) return { items, cursor };
    }
  };
  const allSeqs = async () =>
    (await h.db.db.select({ seq: changes.seq }).from(changes).orderBy(asc(changes.seq))).map((r) => r.seq);

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('pages through every event in seq order and resumes from any cursor kept', async () => {
    const a = await h.registerPerson(900 + n++, '章某某');
    const b = await h.registerPerson(900 + n++, '李某');
    const ra = await newRecord(a);
    await newRecord(b);
    await h.as('judge').record.revoke.mutate({ recordId: ra, reason: '录入错误' });

    const whole = await readAll({ limit: 1000 });
    expect(whole.items.map((i) => i.seq)).toEqual(await allSeqs());
    const paged = await readAll({ limit: 2 });
    expect(paged.items).toEqual(whole.items);
    expect(paged.cursor).toBe(whole.cursor);

    const mine = whole.items.filter((i) => i.partyId === a);
    expect(mine.map((i) => i.type)).toEqual([
      'record.created',
      'color.changed',
      'record.revoked',
      'color.changed',
    ]);
    // Identity in clear for an exchange key (it matches them to its own register).
    expect(mine[0]?.party).toEqual({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(900),
      name: '章某某',
    });
    expect(mine[0]?.record).toMatchObject({ recordId: ra, category: 'Y14', color: 'yellow', revoked: false });
    expect(mine[2]).toMatchObject({ reason: '录入错误', record: { recordId: ra, revoked: true } });
    expect(mine[1]?.color).toEqual({
      from: 'green',
      to: 'yellow',
      since: today(),
      until: expect.any(String),
      policyId: 'default-2022',
      basis: [ra],
      cause: 'record.create',
    });
    expect(mine[3]?.color).toMatchObject({ from: 'yellow', to: 'green', basis: [], cause: 'record.revoke' });

    // Resume from a cursor kept in the middle: the rest, exactly.
    const first = await exchange().query({ limit: 3 });
    const rest = await readAll({ cursor: first.nextCursor, limit: 2 });
    expect([...first.items, ...rest.items]).toEqual(whole.items);

    // Or from the cursor of any item: the items after it.
    const third = whole.items[2];
    expect((await readAll({ cursor: third?.cursor as string, limit: 4 })).items).toEqual(
      whole.items.slice(3),
    );

    // Caught up: an empty page hands back the cursor that was sent; a new event then appears after it.
    const idle = await exchange().query({ cursor: whole.cursor });
    expect(idle).toEqual({ items: [], nextCursor: whole.cursor, hasMore: false });
    await newRecord(b);
    const next = await exchange().query({ cursor: whole.cursor });
    expect(next.items.map((i) => i.type)).toEqual(['record.created']);
    expect(next.items[0]?.seq).toBeGreaterThan(whole.items.at(-1)?.seq ?? 0);
  });

  it('filters by type, and calls a repair record.repaired', async () => {
    const p = await h.registerPerson(900 + n++);
    const y = await newRecord(p);
    const fix = await h.as('enforcement').record.repair.mutate({
      partyId: p,
      repairs: [y],
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: today(),
    });
    const all = (await readAll({ limit: 1000 })).items.filter((i) => i.partyId === p);
    expect(all.map((i) => i.type)).toEqual([
      'record.created',
      'color.changed',
      'record.repaired',
      'color.changed',
    ]);
    expect(all[2]?.record).toMatchObject({ recordId: fix.recordId, repairs: [y], color: 'blue' });

    const repaired = (await readAll({ types: ['record.repaired'] })).items;
    expect(repaired.map((i) => i.record?.recordId)).toEqual([fix.recordId]);
    const created = (await readAll({ types: ['record.created'] })).items;
    expect(created.every((i) => i.type === 'record.created')).toBe(true);
    expect(created.map((i) => i.record?.recordId)).toContain(y);
    expect(created.map((i) => i.record?.recordId)).not.toContain(fix.recordId);
    const colors = (await readAll({ types: ['color.changed', 'record.repaired'], limit: 3 })).items;
    expect(new Set(colors.map((i) => i.type))).toEqual(new Set(['color.changed', 'record.repaired']));
    expect(colors.map((i) => i.seq)).toEqual([...colors.map((i) => i.seq)].sort((x, z) => x - z));

    const bad = await trpcError(exchange().query({ types: ['record.deleted' as 'record.created'] }));
    expect(bad.data?.code).toBe('BAD_REQUEST');
    expect(bad.message).toMatch(/^types\.0: must be one of record\.created, /);
  });

  it('shows a record as it stood at each event (amendments are later items)', async () => {
    const p = await h.registerPerson(900 + n++);
    const r = await newRecord(p, { effectiveUntil: addDuration(today(), 'P1Y') });
    const until2 = addDuration(today(), 'P2Y');
    await h.as('judge').record.amend.mutate({ recordId: r, reason: '期限更正', effectiveUntil: until2 });
    const items = (await readAll({ limit: 1000 })).items.filter((i) => i.record?.recordId === r);
    expect(items.map((i) => [i.type, i.record?.revision, i.record?.effectiveUntil])).toEqual([
      ['record.created', 0, addDuration(today(), 'P1Y')],
      ['record.amended', 1, until2],
    ]);
    expect(items[1]?.reason).toBe('期限更正');
  });

  it('a page a filter leaves sparse is still full, and items carry the stored rows as the drivers read them', async () => {
    // Two revocations more than 2 × (limit + 1) seqs apart: a page of one revocation looks past the
    // seqs right after its cursor.
    const p = await h.registerPerson(900 + n++);
    const r1 = await newRecord(p);
    await h.as('judge').record.revoke.mutate({ recordId: r1, reason: '录入错误' });
    for (let i = 0; i < 3; i++) await newRecord(await h.registerPerson(900 + n++));
    const r2 = await newRecord(p, { effectiveUntil: addDuration(today(), 'P1Y') });
    await h.as('judge').record.revoke.mutate({ recordId: r2, reason: '重复录入' });
    // A time with microseconds (a writer's clock is in milliseconds; PostgreSQL's is not).
    await h.db.db.execute(
      sql`insert into changes (party_id, kind, color, previous_color, data, at)
        values (${p}, 'color.changed', 'green', 'blue', '{"cause":"time"}', '2026-03-01 08:00:00.123999+00')`,
    );

    const whole = (await readAll({ limit: 1000 })).items;
    for (const limit of [1, 2]) {
      const revoked = (await readAll({ types: ['record.revoked'], limit })).items;
      expect(revoked).toEqual(whole.filter((i) => i.type === 'record.revoked'));
      expect(revoked.slice(-2).map((i) => i.record?.recordId)).toEqual([r1, r2]);
    }
    const stored = await h.db.db.select().from(changes).orderBy(asc(changes.seq));
    expect(whole.map((i) => i.at)).toEqual(stored.map((r) => r.at.toISOString()));
    expect(whole.at(-1)?.at).toBe('2026-03-01T08:00:00.123Z');
    const mine = await h.db.db
      .select()
      .from(records)
      .where(eq(records.partyId, p))
      .orderBy(asc(records.createdAt));
    const created = whole.filter((i) => i.partyId === p && i.type === 'record.created');
    expect(created.map((i) => i.record)).toEqual(
      mine.map((r) => ({
        recordId: r.id,
        category: r.category,
        color: 'yellow',
        court: r.court,
        caseNumber: r.caseNumber,
        effectiveFrom: r.effectiveFrom,
        effectiveUntil: r.effectiveUntil,
        repairs: [],
        source: r.source,
        externalId: r.externalId,
        revision: 0,
        revoked: false,
      })),
    );
  });

  it('refuses a cursor it never issued, naming the field', async () => {
    const forged = Buffer.concat([Buffer.alloc(8), Buffer.alloc(12)]).toString('base64url');
    // A block with the tag and a seq in clear, and a real cursor of a server with another secret.
    const clearBlock = Buffer.concat([Buffer.from('fc-feed\x01', 'latin1'), Buffer.alloc(8)]).toString(
      'base64url',
    );
    const otherServer = encodeFeedCursor({ ...h.deps, secret: 'another-secret-of-32-characters!!' }, 1);
    const issued = (await exchange().query({})).nextCursor;
    expect(issued).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const cursor of ['abc', forged, clearBlock, otherServer, `${issued}x`, `${issued.slice(0, -1)}A`]) {
      const err = await trpcError(exchange().query({ cursor }));
      expect(err.data?.code).toBe('BAD_REQUEST');
      expect(err.message).toMatch(/^cursor: must be a nextCursor returned by exchange\.changes/);
    }
    // A cursor of the first form (the seq and a truncated HMAC) that a partner kept still resumes.
    const [first, second] = (await exchange().query({ limit: 2 })).items;
    const seq = first?.seq as number;
    const mac = createHmac('sha256', deriveKey(h.deps.secret, 'feed-cursor'))
      .update(`changes:${seq}`)
      .digest();
    const kept = Buffer.alloc(20);
    kept.writeBigUInt64BE(BigInt(seq));
    mac.copy(kept, 8, 0, 12);
    const resumed = await exchange().query({ cursor: kept.toString('base64url'), limit: 1 });
    expect(resumed.items.map((i) => i.seq)).toEqual([second?.seq]);
    mac[0] = (mac[0] as number) ^ 1;
    mac.copy(kept, 8, 0, 12);
    expect((await trpcError(exchange().query({ cursor: kept.toString('base64url') }))).data?.code).toBe(
      'BAD_REQUEST',
    );
    // Well signed but past the end (another database, or a restored one).
    const ahead = await trpcError(exchange().query({ cursor: encodeFeedCursor(h.deps, 10 ** 9) }));
    expect(ahead.message).toMatch(/^cursor: .*ahead of this feed/);
    const limit = await trpcError(exchange().query({ limit: 1001 }));
    expect(limit.message).toBe('limit: must be at most 1000');
  });

  it('carries a color change that time alone made (the state sweeper), with its policy and basis', async () => {
    const p = await h.registerPerson(900 + n++);
    const until = addDuration(today(), 'P30D');
    await newRecord(p, { category: 'Y01', effectiveUntil: until });
    const { cursor } = await readAll({ limit: 1000 });
    const saved = h.clock.now;
    h.clock.now = new Date(`${until}T00:00:01+08:00`);
    try {
      const sweeper = startStateSweeper(h.deps, createLogger({ level: 'silent' }));
      await sweeper.running;
      await sweeper.stop();
      const items = (await readAll({ cursor })).items.filter((i) => i.partyId === p);
      expect(items).toEqual([
        expect.objectContaining({
          type: 'color.changed',
          color: {
            from: 'yellow',
            to: 'green',
            since: until,
            until: null,
            policyId: 'default-2022',
            basis: [],
            cause: 'time',
          },
        }),
      ]);
    } finally {
      h.clock.now = saved;
    }
  });

  it('audits each page an exchange key reads as a read of the parties it showed', async () => {
    const p = await h.registerPerson(900 + n++);
    const q = await h.registerPerson(900 + n++);
    const unread = await h.registerPerson(900 + n++);
    const { cursor } = await readAll({ limit: 1000 });
    await newRecord(p);
    await newRecord(q);
    await newRecord(unread);
    const page = await exchange().query({ cursor, limit: 2 });
    expect(page.items.map((i) => i.partyId)).toEqual([p, p]);
    const pages = () =>
      h.db.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'exchange.changes')))
        .orderBy(asc(auditLog.seq));
    const named = (rows: (typeof auditLog.$inferSelect)[], party: string) =>
      rows.filter((r) => (r.detail as { parties: string[] }).parties.includes(party));
    // One entry for the page, naming the party shown and the span of seqs.
    expect((await pages()).at(-1)).toMatchObject({
      partyId: null,
      actorRole: 'exchange',
      detail: { parties: [p], first: page.items[0]?.seq, last: page.items[1]?.seq, items: 2 },
    });
    expect(named(await pages(), q)).toEqual([]);
    const next = await exchange().query({ cursor: page.nextCursor, limit: 3 });
    expect(next.items.map((i) => i.partyId)).toEqual([q, q, unread]);
    const last = (await pages()).at(-1);
    expect(last?.detail).toMatchObject({ parties: [q, unread], items: 3 });
    expect(named(await pages(), q)).toHaveLength(1);
    // The party sees that the exchange partner looked, as an entry about itself; another party whose
    // data no page showed since it was registered does not.
    const whoLooked = async (party: string) => {
      const session = (await h.as('portal').party.issueSession.mutate({ partyId: party })).token;
      return (await h.client(session).audit.list.query({})).items.filter(
        (i) => i.action === 'exchange.changes',
      );
    };
    expect(await whoLooked(q)).toEqual([
      expect.objectContaining({ seq: last?.seq, partyId: q, actorRole: 'exchange' }),
    ]);
    const other = await h.registerPerson(900 + n++);
    expect(await whoLooked(other)).toEqual([]);
    // The admin finds it by party too, and the party's data export lists it.
    const listed = await h.as('admin').audit.list.query({ partyId: q, action: 'exchange.changes' });
    expect(listed.items.map((i) => i.seq)).toEqual([last?.seq]);
    const exported = await h.as('admin').party.export.query({ partyId: q });
    expect(exported.accessLog.items.map((i) => i.action)).toContain('exchange.changes');
  });

  it('chains the audit entry of a full page so that a changed feed-read entry fails verification', async () => {
    for (let i = 0; i < 3; i++) await newRecord(await h.registerPerson(900 + n++));
    await readAll({ limit: 1000 });
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
    const [row] = await h.db.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'exchange.changes'))
      .orderBy(desc(auditLog.seq))
      .limit(1);
    const parties = (row?.detail as { parties?: string[] } | undefined)?.parties;
    if (!row || !parties || parties.length < 3) throw new Error('the page was not audited');
    // A tamperer switches the append-only guard off and hides whose data the partner read.
    await h.db.db.execute(sql`alter table audit_log disable trigger audit_log_keep_rows`);
    try {
      await h.db.db.execute(
        sql`update audit_log set detail = jsonb_set(detail, '{parties,0}', '"pty_someone_else"') where seq = ${row.seq}`,
      );
      expect(await verifyAuditChain(h.db)).toMatchObject({
        ok: false,
        brokenAt: row.seq,
        reason: expect.stringMatching(/content/),
      });
    } finally {
      await h.db.db.execute(
        sql`update audit_log set detail = ${JSON.stringify(row.detail)}::jsonb where seq = ${row.seq}`,
      );
      await h.db.db.execute(sql`alter table audit_log enable trigger audit_log_keep_rows`);
    }
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
  });

  it('shows a bank only the color changes of parties that consented to it, masked, from the consent on', async () => {
    const bank = () => h.as('bank').exchange.changes;
    const before = (await bank().query({})).nextCursor;
    const yes = await h.registerPerson(900 + n++, '王小明');
    const no = await h.registerPerson(900 + n++, '赵某');
    const reportOnly = await h.registerPerson(900 + n++, '钱某');
    await newRecord(yes); // before the consent: not shown
    const grant = async (partyId: string, scopes: ('code' | 'report')[]) => {
      const token = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
      await h
        .client(token)
        .consent.grant.mutate({ grantee: 'Test Bank', scopes, until: addDuration(today(), 'P1Y') });
    };
    h.clock.now = new Date(h.clock.now.getTime() + 1000);
    await grant(yes, ['code']);
    await grant(reportOnly, ['report']);
    h.clock.now = new Date(h.clock.now.getTime() + 1000);
    const r = await newRecord(yes, { category: 'R04' });
    await newRecord(no, { category: 'R04' });
    await newRecord(reportOnly, { category: 'R04' });

    const page = await bank().query({ cursor: before, limit: 1000 });
    expect(page.items).toEqual([
      {
        seq: expect.any(Number),
        cursor: expect.any(String),
        type: 'color.changed',
        at: h.clock.now.toISOString(),
        partyId: yes,
        party: {
          kind: 'person',
          idType: 'RESIDENT_ID',
          idNumber: expect.stringMatching(/^\d{4}\*{10}[\dX]{4}$/),
          name: '王**',
        },
        color: expect.objectContaining({ from: 'yellow', to: 'red', basis: expect.arrayContaining([r]) }),
      },
    ]);
    expect(JSON.stringify(page)).not.toContain(residentId(900 + n - 3));
    // Asking for other types is not an error: there is just nothing.
    expect((await bank().query({ cursor: before, types: ['record.created'] })).items).toEqual([]);
    // Audited as a read of the one party shown.
    const audited = await h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'exchange.changes'), eq(auditLog.actorRole, 'bank')));
    expect(new Set(audited.flatMap((a) => (a.detail as { parties: string[] }).parties))).toEqual(
      new Set([yes]),
    );
  });

  it('the admin reads it in clear; court staff may not', async () => {
    const page = await h.as('admin').exchange.changes.query({ limit: 1 });
    expect(page.items[0]?.party.name).not.toContain('*');
    expect((await trpcError(h.as('judge').exchange.changes.query({}))).data?.code).toBe('FORBIDDEN');
  });

  it('an old item keeps the court the record had then, after an import moved the record to another court', async () => {
    const rec = {
      externalId: 'FEED-COURT-1',
      kind: 'person' as const,
      idType: 'RESIDENT_ID',
      idNumber: residentId(61_000),
      name: '章某某',
      category: 'Y14',
      effectiveFrom: today(),
      court: '浙0212',
      caseNumber: '(2025)浙0212民初7号',
    };
    const first = await h.as('exchange').exchange.import.mutate({ records: [rec] });
    const recordId = first.results[0]?.recordId;
    const created = async () =>
      (await readAll({ types: ['record.created'] })).items.find((i) => i.record?.recordId === recordId);
    const before = await created();
    expect(before?.record?.court).toBe('浙0212');
    const second = await h.as('exchange').exchange.import.mutate({ records: [{ ...rec, court: '浙0203' }] });
    expect(second.results[0]?.status).toBe('amended');
    expect(await created()).toEqual(before);
    const amended = (await readAll({ types: ['record.amended'] })).items.find(
      (i) => i.record?.recordId === recordId,
    );
    expect(amended?.record?.court).toBe('浙0203');
  });

  it('filters by type when the list names a type more than once', async () => {
    const partyId = await h.registerPerson(61_001, '李某');
    await newRecord(partyId);
    const once = await readAll({ types: ['color.changed'] });
    expect(once.items.length).toBeGreaterThan(0);
    expect(once.items.every((i) => i.type === 'color.changed')).toBe(true);
    const repeated = await readAll({ types: Array(7).fill('color.changed') });
    expect(repeated.items.map((i) => i.seq)).toEqual(once.items.map((i) => i.seq));
  });
});

// Concurrent writers on PostgreSQL draw seq numbers in one order and commit in another; a reader must
// never move its cursor past a row that commits later with a lower seq.
describe.each(dbKinds().filter((k) => k === 'postgres'))(
  'change feed under concurrent writes on %s',
  (kind) => {
    let h: Harness;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const feed = () => h.as('exchange').exchange.changes;
    const newRecord = (partyId: string) =>
      h.as('judge').record.create.mutate({
        partyId,
        category: 'Y14',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: toCstDate(h.clock.now),
      });
    const tail = async (cursor: string) => {
      const seqs: number[] = [];
      for (;;) {
        const page = await feed().query({ cursor, limit: 1000 });
        seqs.push(...page.items.map((i) => i.seq));
        cursor = page.nextCursor;
        if (!page.hasMore) return { seqs, cursor };
      }
    };

    beforeAll(async () => {
      h = await createHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('waits for a writer that drew a lower seq and has not committed yet', async () => {
      const p = await h.registerPerson(950);
      const q = await h.registerPerson(951);
      const { cursor } = await tail((await feed().query({})).nextCursor);
      const pool = h.db.pool as NonNullable<typeof h.db.pool>;
      const slow = await pool.connect();
      try {
        await slow.query('begin');
        const held = Number(
          (
            await slow.query(
              `insert into changes (party_id, kind, color, previous_color, data, at)
             values ($1, 'color.changed', 'yellow', 'green', $2, now()) returning seq`,
              [p, { since: null, until: null, basis: [], policyId: 'default-2022', cause: 'test' }],
            )
          ).rows[0].seq,
        );
        await newRecord(q); // commits rows with higher seqs first
        let answered = false;
        const reading = feed()
          .query({ cursor, limit: 1000 })
          .then((page) => {
            answered = true;
            return page;
          });
        await sleep(300);
        expect(answered).toBe(false);
        await slow.query('commit');
        const page = await reading;
        const seqs = page.items.map((i) => i.seq);
        expect(seqs[0]).toBe(held);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(seqs.length).toBe(3); // the held row, then record.created and color.changed of q
      } finally {
        slow.release();
      }
    });

    it('does not wait for ever: past waitMs nothing after the cursor counts as settled', async () => {
      const p = await h.registerPerson(955);
      const before = await settledSeq(h.deps, 0);
      expect(before.settled).toBe(before.last);
      const pool = h.db.pool as NonNullable<typeof h.db.pool>;
      const slow = await pool.connect();
      try {
        await slow.query('begin');
        await slow.query(
          `insert into changes (party_id, kind, color, previous_color, data, at)
         values ($1, 'color.changed', 'yellow', 'green', '{}'::jsonb, now())`,
          [p],
        );
        const stalled = await settledSeq(h.deps, 7, { waitMs: 100 });
        expect(stalled).toEqual({ last: before.last + 1, settled: 7 });
      } finally {
        await slow.query('rollback');
        slow.release();
      }
      expect((await settledSeq(h.deps, 7)).settled).toBe(before.last + 1);
    });

    it('a reader following the feed during concurrent writes sees every row once, in order', async () => {
      const parties = [];
      for (let i = 0; i < 4; i++) parties.push(await h.registerPerson(960 + i));
      let { cursor } = await tail((await feed().query({})).nextCursor);
      const startSeq =
        (await h.db.db.select({ seq: changes.seq }).from(changes).orderBy(asc(changes.seq))).at(-1)?.seq ?? 0;
      let writing = true;
      const writers = Promise.all(
        parties.map(async (p) => {
          for (let i = 0; i < 12; i++) await newRecord(p);
        }),
      ).finally(() => {
        writing = false;
      });
      const seen: number[] = [];
      while (writing) {
        const page = await feed().query({ cursor, limit: 5 });
        seen.push(...page.items.map((i) => i.seq));
        cursor = page.nextCursor;
      }
      await writers;
      seen.push(...(await tail(cursor)).seqs);
      const all = (await h.db.db.select({ seq: changes.seq }).from(changes).orderBy(asc(changes.seq)))
        .map((r) => r.seq)
        .filter((s) => s > startSeq);
      expect(all.length).toBeGreaterThanOrEqual(48);
      expect(seen).toEqual(all);
    });
  },
);
