import { toCstDate } from '@fivecolor/core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIntegrity } from '../audit/verify-integrity.js';
import { createApiKey } from '../auth/api-keys.js';
import { auditLog, changes, parties, recordRevisions, records } from '../db/schema.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId, residentIds } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

const SOURCE = 'exchange test';

describe.each(dbKinds())('exchange.import on %s', (kind) => {
  let h: Harness;
  let other: string;
  let n = 0;
  const today = () => toCstDate(h.clock.now);
  const rec = (over: Record<string, unknown> = {}) => ({
    externalId: `NB-${n++}`,
    kind: 'person',
    idType: 'RESIDENT_ID',
    idNumber: residentIds(1, 10_000 + n)[0] as string,
    name: '章某某',
    category: 'Y14',
    effectiveFrom: today(),
    caseNumber: '(2025)浙0212民初7号',
    ...over,
  });
  const run = (records: unknown[], token?: string, idempotencyKey?: string) =>
    h.call(
      'exchange.import',
      { records, ...(idempotencyKey ? { idempotencyKey } : {}) },
      token ?? h.keys.exchange,
    );
  const results = async (records: unknown[], token?: string, key?: string) => {
    const r = await run(records, token, key);
    expect(r.error, r.error?.message).toBeUndefined();
    return (r.data as { results: { index: number; status: string; recordId?: string; error?: string }[] })
      .results;
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    other = (await createApiKey(h.db, h.secret, { role: 'exchange', name: 'other platform' })).key;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates records of unknown parties, registering them, shown with their source and counting like a court record', async () => {
    const a = rec({ category: 'R01' });
    const [r] = await results([a]);
    expect(r).toMatchObject({ index: 0, externalId: a.externalId, status: 'created' });
    const lookup = await h.as('clerk').party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber: a.idNumber });
    expect(lookup.party.name).toBe('章某某');
    expect(lookup.classification.color).toBe('red');
    expect(lookup.records[0]).toMatchObject({
      recordId: r?.recordId,
      source: SOURCE,
      externalId: a.externalId,
      caseNumber: '（2025）浙0212民初7号',
    });
    const feed = await h.db.db.select().from(changes).where(eq(changes.partyId, lookup.party.partyId));
    expect(feed.map((c) => c.kind)).toEqual(['record.created', 'color.changed']);
    const audit = await h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.partyId, lookup.party.partyId), eq(auditLog.action, 'exchange.import')));
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actorOrg).toBe(SOURCE);
    expect(audit[0]?.detail).toMatchObject({ source: SOURCE, registered: true });
  });

  it('rejects a bad record with its index, field and rule and writes the others', async () => {
    const good = rec();
    const batch = [
      rec({ idNumber: '110105194912310021' }),
      good,
      rec({ category: 'Z99' }),
      rec({ effectiveFrom: '2025-02-30' }),
      rec({ effectiveFrom: '2026-03-01', effectiveUntil: '2026-01-01' }),
      rec({ category: 'B01' }),
      rec({ kind: 'org' }),
      { ...good, idNumber: residentId(1) },
      'not a record',
    ];
    const before = (await h.db.db.select().from(records)).length;
    const out = await results(batch);
    expect(out.map((r) => r.status)).toEqual([
      'rejected',
      'created',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(out.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out[0]?.error).toMatch(/^records\.0\.idNumber: .*check/);
    expect(out[2]?.error).toMatch(/^records\.2\.category: unknown category Z99/);
    expect(out[3]?.error).toBe('records.3.effectiveFrom: must be a real calendar date YYYY-MM-DD');
    expect(out[4]?.error).toMatch(/^records\.4\.effectiveUntil: must be after effectiveFrom/);
    expect(out[5]?.error).toMatch(/^records\.5\.category: B01 is a credit repair/);
    expect(out[6]?.error).toMatch(/^records\.6\.kind: must be 'person'/);
    expect(out[7]?.error).toMatch(/^records\.7\.externalId: the same as records\.1\.externalId/);
    expect(out[8]?.error).toMatch(/^records\.8: /);
    // No identity number in an error.
    expect(JSON.stringify(out)).not.toContain('110105194912310021');
    expect((await h.db.db.select().from(records)).length).toBe(before + 1);
  });

  it('re-submitting is unchanged; changed content is an amendment with a revision kept', async () => {
    const a = rec();
    const [first] = await results([a]);
    expect((await results([a]))[0]?.status).toBe('unchanged');
    const [amended] = await results([{ ...a, note: 'corrected', effectiveUntil: '2099-01-01' }]);
    expect(amended).toMatchObject({ status: 'amended', recordId: first?.recordId });
    const [row] = await h.db.db
      .select()
      .from(records)
      .where(eq(records.id, first?.recordId as string));
    expect(row).toMatchObject({ note: 'corrected', effectiveUntil: '2099-01-01', revision: 1 });
    const revs = await h.db.db
      .select()
      .from(recordRevisions)
      .where(eq(recordRevisions.recordId, first?.recordId as string));
    expect(revs).toHaveLength(1);
    expect(revs[0]?.before).toMatchObject({ note: null });
    const kinds = (
      await h.db.db
        .select()
        .from(changes)
        .where(eq(changes.recordId, first?.recordId as string))
    ).map((c) => c.kind);
    expect(kinds).toEqual(['record.created', 'record.amended']);
  });

  it('revoke withdraws the source’s own record with a reason; again is unchanged; the color is recomputed', async () => {
    const a = rec({ category: 'R02' });
    const [created] = await results([a]);
    const [revoked] = await results([{ externalId: a.externalId, action: 'revoke', reason: '撤销' }]);
    expect(revoked).toMatchObject({ status: 'revoked', recordId: created?.recordId });
    const [row] = await h.db.db
      .select()
      .from(records)
      .where(eq(records.id, created?.recordId as string));
    expect(row?.revokeReason).toBe('撤销');
    const lookup = await h.as('clerk').party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber: a.idNumber });
    expect(lookup.classification.color).toBe('green');
    expect((await results([{ externalId: a.externalId, action: 'revoke' }]))[0]?.status).toBe('unchanged');
    const [again] = await results([a]);
    expect(again?.status).toBe('rejected');
    expect(again?.error).toMatch(/^records\.0\.externalId: .*was revoked/);
  });

  it('another source cannot revoke or amend your records; its own external ids are its own', async () => {
    const a = rec();
    const [mine] = await results([a]);
    const [revoke] = await results([{ externalId: a.externalId, action: 'revoke' }], other);
    expect(revoke?.status).toBe('rejected');
    expect(revoke?.error).toBe(
      `records.0.externalId: no record of source other platform has this externalId`,
    );
    const [theirs] = await results([{ ...a, note: 'theirs' }], other);
    expect(theirs?.status).toBe('created');
    expect(theirs?.recordId).not.toBe(mine?.recordId);
    const [row] = await h.db.db
      .select()
      .from(records)
      .where(eq(records.id, mine?.recordId as string));
    expect(row).toMatchObject({ note: null, revokedAt: null, revision: 0, source: SOURCE });
    // Nor through the court's procedures.
    const r = await h.call('record.revoke', { recordId: mine?.recordId, reason: 'x' }, other);
    expect(r.error?.data.code).toBe('FORBIDDEN');
  });

  it('is idempotent under retries with an idempotencyKey, and a retry without one changes nothing', async () => {
    const batch = [rec(), rec({ category: 'G01' })];
    const first = await results(batch, undefined, 'import-retry-1');
    const count = async () => ({
      records: (await h.db.db.select().from(records)).length,
      changes: (await h.db.db.select().from(changes)).length,
      parties: (await h.db.db.select().from(parties)).length,
    });
    const before = await count();
    expect(await results(batch, undefined, 'import-retry-1')).toEqual(first);
    expect(first.map((r) => r.status)).toEqual(['created', 'created']);
    expect((await results(batch)).map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
    expect(await count()).toEqual(before);
    const reused = await run([rec()], undefined, 'import-retry-1');
    expect(reused.error?.data.code).toBe('CONFLICT');
  });

  it('two concurrent calls with the same new records make each record once', async () => {
    const batch = Array.from({ length: 20 }, () => rec());
    const [a, b] = await Promise.all([results(batch), results([...batch].reverse())]);
    const statuses = [...(a ?? []), ...(b ?? [])].map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 'created')).toHaveLength(20);
    expect(statuses.filter((x) => x === 'unchanged')).toHaveLength(20);
    const rows = await h.db.db
      .select()
      .from(records)
      .where(
        and(
          eq(records.source, SOURCE),
          inArray(
            records.externalId,
            batch.map((r) => r.externalId),
          ),
        ),
      );
    expect(rows).toHaveLength(20);
  });

  it('takes 1..1000 records, for exchange keys only', async () => {
    expect((await run([])).error?.message).toBe('records: must hold at least one record');
    expect((await run(Array.from({ length: 1001 }, () => rec()))).error?.data.code).toBe('BAD_REQUEST');
    expect((await run([rec()], h.keys.judge)).error?.data.code).toBe('FORBIDDEN');
  });

  it('imports many records of many parties in one call (1000: bench/import.bench.mjs)', async () => {
    const idNumbers = residentIds(100, 50_000);
    const batch = Array.from({ length: 100 }, (_, i) =>
      rec({ idNumber: idNumbers[i], category: i % 2 ? 'Y14' : 'G01' }),
    );
    const out = await results(batch);
    expect(out.filter((r) => r.status === 'created')).toHaveLength(100);
    const ids = out.map((r) => r.recordId as string);
    const rows = await h.db.db
      .select()
      .from(records)
      .where(inArray(records.id, ids.slice(0, 50)));
    expect(rows).toHaveLength(50);
  });

  it('shows an imported record with its source: record views, the report JSON and PDF, the feed', async () => {
    const a = rec({ category: 'Y05', idNumber: residentId(7777) });
    await results([a]);
    const { partyId } = await h.as('clerk').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: a.idNumber,
      name: a.name,
    });
    const [listed] = await h.as('judge').record.list.query({ partyId });
    expect(listed).toMatchObject({
      source: SOURCE,
      sourceLabel: `来源：${SOURCE}`,
      sourceLabelEn: `Source: ${SOURCE}`,
    });
    const report = await h.as('judge').report.issue.mutate({ partyId });
    const path = (pdf: boolean) =>
      `/v1/reports/${encodeURIComponent(report.reportNo)}${pdf ? '.pdf' : ''}?code=${report.code}`;
    const verified = await (await h.app.request(path(false))).json();
    expect(verified.report.records[0]).toMatchObject({ source: SOURCE, category: 'Y05' });
    const pdf = new Uint8Array(await (await h.app.request(path(true))).arrayBuffer());
    const { text } = await extractText(await getDocumentProxy(pdf), { mergePages: true });
    expect(text.replace(/\s+/g, '')).toContain(`来源：${SOURCE}`.replace(/\s+/g, ''));
    const feed = await h.as('exchange').exchange.changes.query({ limit: 1000 });
    const created = feed.items.find((i) => i.type === 'record.created' && i.partyId === partyId);
    expect(created?.record).toMatchObject({ source: SOURCE, externalId: a.externalId });
  });

  it('leaves what verify checks consistent: each written record vouched for by its audit row, states recomputable', async () => {
    const r = await verifyIntegrity(h.db, { policy: h.deps.policy });
    expect(r.mismatches).toEqual([]);
    expect(r.ok).toBe(true);
  });
});

// A second connection holds a lock here: PostgreSQL only (PGlite has one connection).
describe.each(dbKinds().filter((k) => k === 'postgres'))(
  'exchange.import calls of one source at once on %s',
  (kind) => {
    let h: Harness;
    let n = 0;
    const rec = () => ({
      externalId: `AT-ONCE-${n++}`,
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentIds(1, 20_000 + n)[0] as string,
      name: '章某某',
      category: 'Y14',
      effectiveFrom: toCstDate(h.clock.now),
    });
    const run = (records: unknown[]) => h.call('exchange.import', { records }, h.keys.exchange);
    const results = async (records: unknown[]) => {
      const r = await run(records);
      expect(r.error, r.error?.message).toBeUndefined();
    };

    beforeAll(async () => {
      h = await createHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('revokes a record another call of the source created while this one waited for its locks', async () => {
      // This call reads the source's records (no X yet), then waits for a party's lock held elsewhere;
      // meanwhile another call creates X for another party; then this one revokes X, whose party it had
      // not locked.
      const y = rec();
      await results([y]);
      const lookup = await h.as('clerk').party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber: y.idNumber });
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      const holder = h.db.db.transaction(async (tx) => {
        await tx.execute(sql`select 1 from party_state where party_id = ${lookup.party.partyId} for update`);
        locked();
        await held;
      });
      await isLocked;
      const x = rec();
      const a = run([
        { action: 'revoke', externalId: x.externalId, reason: '撤回' },
        { ...y, note: '改' },
      ]);
      await new Promise((r) => setTimeout(r, 300));
      const b = run([x]);
      await new Promise((r) => setTimeout(r, 300));
      release();
      await holder;
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra.error?.message).toBeUndefined();
      expect(rb.error?.message).toBeUndefined();
      expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
    });
  },
);
