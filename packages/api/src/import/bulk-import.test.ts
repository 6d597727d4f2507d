import {
  addDuration,
  classify,
  defaultPolicy,
  maskIdNumber,
  maskName,
  type Policy,
  toCstDate,
} from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyIntegrity } from '../audit/verify-integrity.js';
import { newId } from '../db/ids.js';
import { IMPORT_LOCK } from '../db/locks.js';
import { rowsOf } from '../db/rows.js';
import { settings } from '../db/schema.js';
import {
  activePolicy,
  applyPolicy,
  earlierPolicies,
  PolicyMisfit,
  simulate,
} from '../services/policy-service.js';
import { toCreditRecord } from '../state/materialize.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { type BatchOutcome, checkImportBatch, ImportPipeline, importBatch } from './bulk-import.js';
import { checkImportRow, type ImportRow } from './import-row.js';

const SOURCE = 'court-import';
const DIFFERENT = `already imported from ${SOURCE} with different content; correct it with record.amend`;
const person = (n: number, name: string) => ({
  kind: 'person',
  idType: 'RESIDENT_ID',
  idNumber: residentId(n, '330212', '19700101'),
  name,
});

describe.each(dbKinds())('bulk import, simulate and apply (%s)', (kind) => {
  let h: Harness;
  const today = () => toCstDate(new Date());
  /** The policy in force: an import classifies under it (the tests after `applyPolicy` under the one applied). */
  let inForce: Policy = defaultPolicy;
  const rows = (raws: Record<string, unknown>[]): ImportRow[] =>
    raws.map((raw, i) => {
      const r = checkImportRow(raw, i + 2, { policy: inForce, today: today() });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.row;
    });
  const opts = () => ({ crypto: h.deps.crypto, policy: inForce, source: SOURCE });
  const count = async (query: ReturnType<typeof sql>) =>
    Number(rowsOf<{ n: string }>(await h.db.db.execute(query))[0]?.n);

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('writes a batch with one audit entry that proves its rows, idempotently, into the change feed', async () => {
    const first = rows([
      {
        externalId: 'A-1',
        ...person(1, '章某某'),
        category: 'R01',
        court: '浙0212',
        caseNumber: '(2025)浙0212刑初1号',
        effectiveFrom: '2025-01-01',
      },
      {
        externalId: 'A-2',
        ...person(2, '李某'),
        category: 'Y14',
        court: '浙02',
        caseNumber: '（2015）甬民二终字第123号',
        effectiveFrom: '2025/3/1',
      },
      {
        externalId: 'A-3',
        ...person(3, '王某'),
        category: 'G01',
        court: '浙0212',
        caseNumber: '（2025）浙0212执1号',
        effectiveFrom: '2025-06-01',
      },
      {
        externalId: 'A-4',
        ...person(3, '王某'),
        category: 'Y05',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初9号',
        effectiveFrom: '2025-06-01',
      },
      {
        externalId: 'A-5',
        ...person(2, '李某某'),
        category: 'G01',
        court: '浙0212',
        caseNumber: '（2025）浙0212执2号',
        effectiveFrom: '2025-06-01',
      },
    ]);
    const auditBefore = await count(sql`select count(*) as n from audit_log`);
    const out = await importBatch(h.db, first, opts());
    expect(out).toMatchObject({
      created: 5,
      unchanged: 0,
      rejected: [],
      partiesRegistered: 3,
      colorChanges: 3,
    });
    expect(out.namesDiffer).toEqual([6]); // 李某某 on line 6: the first name given (李某) is kept
    expect(await count(sql`select count(*) as n from audit_log`)).toBe(auditBefore + 1);
    expect(await count(sql`select count(*) as n from changes where kind = 'record.created'`)).toBe(5);
    expect(await count(sql`select count(*) as n from changes where kind = 'color.changed'`)).toBe(3);
    const legacy = rowsOf<{ case_number: string }>(
      await h.db.db.execute(sql`select case_number from records where external_id = 'A-2'`),
    );
    expect(legacy[0]?.case_number).toBe('（2015）甬民二终字第123号');

    // The same rows again: nothing new, nothing doubled, no audit entry.
    const again = await importBatch(h.db, first, opts());
    expect(again).toMatchObject({ created: 0, unchanged: 5, partiesRegistered: 0 });
    expect(await count(sql`select count(*) as n from records`)).toBe(5);
    expect(await count(sql`select count(*) as n from audit_log`)).toBe(auditBefore + 1);

    // Read under a policy that has lengthened Y14's term since: an effectiveUntil left empty matches the
    // end the default policy's term gave the stored record; the new end given explicitly is other content.
    const longer = (given: boolean) =>
      first.map((r) =>
        r.category === 'Y14'
          ? { ...r, effectiveUntil: addDuration(r.effectiveFrom, 'P3Y'), untilDefaulted: !given }
          : r,
      );
    expect(await importBatch(h.db, longer(false), opts())).toMatchObject({ unchanged: 5, rejected: [] });
    expect((await importBatch(h.db, longer(true), opts())).rejected).toEqual([
      { line: 3, column: 'externalId', rule: DIFFERENT },
    ]);

    // A repair of a stored row, and one listing a record that is not there.
    const a6 = (list: string) => ({
      externalId: 'A-6',
      ...person(2, '李某'),
      category: 'B01',
      court: '浙02',
      caseNumber: '（2025）浙02执3号',
      effectiveFrom: '2025-07-01',
      repairs: list,
    });
    const repairs = rows([
      a6('A-2'),
      {
        externalId: 'A-7',
        ...person(1, '章某'), // a name that differs, on a line rejected: not counted as naming the party so
        category: 'B01',
        court: '浙02',
        caseNumber: '（2025）浙02执4号',
        effectiveFrom: '2025-07-01',
        repairs: 'A-99',
      },
    ]);
    const fixed = await importBatch(h.db, repairs, opts());
    expect(fixed.created).toBe(1);
    expect(fixed.namesDiffer).toEqual([]);
    expect(fixed.rejected).toEqual([
      {
        line: 3,
        column: 'repairs',
        rule: 'item 1 is not in the file nor stored from court-import',
      },
    ]);
    // The repair again: the same list is unchanged; another list, or one naming a record not there, is
    // other content.
    const relisted = (list: string) => rows([a6(list)]);
    expect(await importBatch(h.db, relisted('A-2'), opts())).toMatchObject({ unchanged: 1, rejected: [] });
    for (const list of ['A-2;A-4', 'A-4', 'A-99']) {
      const out = await importBatch(h.db, relisted(list), opts());
      expect(out.unchanged).toBe(0);
      expect(out.rejected).toEqual([{ line: 2, column: 'externalId', rule: DIFFERENT }]);
    }
    const lookup = await h
      .as('judge')
      .party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber: person(2, '').idNumber });
    expect(lookup.party.name).toBe('李某');
    // Y14 is lifted for good by the repair, whose own year has ended; the G01 record still counts.
    expect(lookup.classification.color).toBe('gold');
  });

  it('verify proves the batch rows, follows later audited changes and detects a tampered row', async () => {
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
    const [target] = rowsOf<{ id: string }>(
      await h.db.db.execute(sql`select id from records where external_id = 'A-4'`),
    );
    await h
      .as('judge')
      .record.amend.mutate({ recordId: target?.id as string, reason: 'typo', note: 'amended' });
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
    const [other] = rowsOf<{ id: string }>(
      await h.db.db.execute(sql`select id from records where external_id = 'A-1'`),
    );
    await h.db.db.execute(sql`update records set category = 'Y01' where id = ${other?.id}`);
    const r = await verifyIntegrity(h.db);
    expect(r.ok).toBe(false);
    expect(r.mismatches[0]?.table).toBe('records');
    expect(r.mismatches[0]?.what).toMatch(
      /records of the batch in audit entry seq \d+ differ from its digest/,
    );
    await h.db.db.execute(sql`update records set category = 'R01' where id = ${other?.id}`);
    expect((await verifyIntegrity(h.db)).ok).toBe(true);
  });

  it('simulates a policy (counts as classifying each party), applies it, keeps old reports on theirs', async () => {
    const candidate: Policy = {
      ...defaultPolicy,
      id: 'gold-first-test',
      precedence: ['red', 'gold', 'yellow', 'blue', 'green'],
    };
    const bad = await h.call(
      'policy.simulate',
      { policy: { ...candidate, precedence: ['red'] } },
      h.keys.admin,
    );
    expect(bad.error?.message).toMatch(/^policy\.precedence: must list the five colors/);
    const sim = await h.as('admin').policy.simulate.mutate({ policy: candidate });
    // Direct: classify each party's records under both.
    const recs = await h.db.db.query.records.findMany();
    const byParty = new Map<string, typeof recs>();
    for (const r of recs) byParty.set(r.partyId, [...(byParty.get(r.partyId) ?? []), r]);
    const expected: Record<string, number> = {};
    for (const list of byParty.values()) {
      const from = classify(list.map(toCreditRecord), { policy: defaultPolicy }).color;
      const to = classify(list.map(toCreditRecord), { policy: candidate }).color;
      if (from !== to) expected[`${from}→${to}`] = (expected[`${from}→${to}`] ?? 0) + 1;
    }
    expect(sim.transitions).toEqual(expected);
    expect(sim.transitions).toEqual({ 'yellow→gold': 1 });
    expect(sim.changed).toBe(1);
    expect(sim.parties).toBe(await count(sql`select count(*) as n from party_state`));
    expect(await count(sql`select count(*) as n from settings where key = 'policy'`)).toBe(0);
    // The sample shown is a read of those parties' colors: audited, found in each one's "who looked".
    const seen = await h.as('admin').audit.list.query({
      partyId: sim.sample[0]?.partyId as string,
      action: 'policy.simulate',
    });
    expect(seen.items.map((a) => a.actorRole)).toEqual(['admin']);
    // In pages of two parties, the same answer, with the count after each page.
    const pages = (n: number) => Array.from({ length: Math.ceil(n / 2) }, (_, i) => Math.min(2 * i + 2, n));
    const simulated: number[] = [];
    const paged = await simulate(h.db, defaultPolicy, candidate, sim.asOf, {
      pageSize: 2,
      onProgress: (n) => simulated.push(n),
    });
    expect(paged).toEqual(sim);
    expect(simulated).toEqual(pages(sim.parties));

    const partyId = sim.sample[0]?.partyId as string;
    const report = await h.as('judge').report.issue.mutate({ partyId });
    const feedBefore = await count(sql`select count(*) as n from changes`);
    const recomputed: number[] = [];
    const applied = await applyPolicy(h.db, candidate, {
      pageSize: 2,
      onProgress: (n) => recomputed.push(n),
    });
    inForce = candidate;
    expect(recomputed).toEqual(pages(sim.parties));
    expect(applied).toMatchObject({
      policyId: 'gold-first-test',
      changed: 1,
      transitions: { 'yellow→gold': 1 },
    });
    expect(await count(sql`select count(*) as n from changes`)).toBe(feedBefore + 1);
    const [moved] = rowsOf<{ party_id: string; data: { cause: string } }>(
      await h.db.db.execute(sql`select party_id, data from changes order by seq desc limit 1`),
    );
    expect(moved).toMatchObject({ party_id: partyId, data: { cause: 'policy' } });
    const [kept] = rowsOf<{ policy_id: string }>(
      await h.db.db.execute(sql`select policy_id from reports where report_no = ${report.reportNo}`),
    );
    expect(kept?.policy_id).toBe('default-2022');
    expect(await count(sql`select count(*) as n from audit_log where action = 'policy.apply'`)).toBe(1);
    const v = await verifyIntegrity(h.db);
    expect(v.mismatches).toEqual([]);
    expect(v.counts.staleStates).toBe(0);
  });

  it('refuses a policy that drops a category in use, or reuses an applied id with other rules, writing nothing', async () => {
    const active = await activePolicy(h.db);
    expect(active?.id).toBe('gold-first-test');
    const noY14: Policy = {
      ...(active as Policy),
      id: 'no-y14',
      categories: (active as Policy).categories.filter((c) => c.code !== 'Y14'),
    };
    const inUse = await count(sql`select count(*) as n from records where category = 'Y14'`);
    expect(inUse).toBeGreaterThan(0);
    const simulated = await h.call('policy.simulate', { policy: noY14 }, h.keys.admin);
    expect(simulated.status).toBe(400);
    expect(simulated.error?.message).toBe(
      `policy.categories: must keep every category stored records have; missing Y14 (${inUse} records) (change its color instead)`,
    );
    const audited = await count(sql`select count(*) as n from audit_log`);
    const feed = await count(sql`select count(*) as n from changes`);
    await expect(applyPolicy(h.db, noY14)).rejects.toThrow(PolicyMisfit);
    const sameIdOtherRules: Policy = {
      ...(active as Policy),
      precedence: ['red', 'yellow', 'gold', 'blue', 'green'],
    };
    await expect(applyPolicy(h.db, sameIdOtherRules)).rejects.toThrow(
      /^policy\.id: "gold-first-test" names a policy in force before with other rules/,
    );
    await expect(
      applyPolicy(h.db, { ...defaultPolicy, precedence: sameIdOtherRules.precedence }),
    ).rejects.toThrow(/^policy\.id: "default-2022"/);
    expect((await activePolicy(h.db))?.id).toBe('gold-first-test');
    expect(await count(sql`select count(*) as n from audit_log`)).toBe(audited);
    expect(await count(sql`select count(*) as n from changes`)).toBe(feed);
    // The same policy again is a re-run (it finishes an interrupted apply): allowed, nothing moves.
    expect((await applyPolicy(h.db, active as Policy)).changed).toBe(0);
  });

  it('a batch mixing stored and new rows writes only the new ones, each stored row matched by its own external id', async () => {
    const stored = rowsOf<{ external_id: string }>(
      await h.db.db.execute(
        sql`select external_id from records where source = ${SOURCE} and external_id in ('A-3', 'A-5') order by external_id`,
      ),
    );
    expect(stored.map((r) => r.external_id)).toEqual(['A-3', 'A-5']);
    const batch = rows([
      {
        externalId: 'C-1',
        ...person(5, '钱某'),
        category: 'Y05',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初20号',
        effectiveFrom: '2025-06-01',
      },
      {
        externalId: 'A-5',
        ...person(2, '李某某'),
        category: 'G01',
        court: '浙0212',
        caseNumber: '（2025）浙0212执2号',
        effectiveFrom: '2025-06-01',
      },
      {
        externalId: 'C-2',
        ...person(5, '钱某'),
        category: 'Y14',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初21号',
        effectiveFrom: '2025-06-01',
      },
      {
        externalId: 'A-3',
        ...person(3, '王某'),
        category: 'G01',
        court: '浙0212',
        caseNumber: '（2025）浙0212执99号',
        effectiveFrom: '2025-06-01',
      },
    ]);
    const records = await count(sql`select count(*) as n from records`);
    const out = await importBatch(h.db, batch, opts());
    expect(out).toMatchObject({ created: 2, unchanged: 1, partiesRegistered: 1 });
    expect(out.rejected).toEqual([
      {
        line: 5,
        column: 'externalId',
        rule: `already imported from ${SOURCE} with different content; correct it with record.amend`,
      },
    ]);
    expect(await count(sql`select count(*) as n from records`)).toBe(records + 2);
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });
  it('with the secret, keys a normalized identifier as party.register does; CSV specials round-trip and verify', async () => {
    let n = 100;
    while (!residentId(n, '330212', '19700101').endsWith('X')) n++;
    const lower = residentId(n, '330212', '19700101').toLowerCase();
    const batch = rows([
      {
        externalId: 'D-1',
        ...person(2, '李某'), // registered by the first batch, keyed by crypto.identityHash
        category: 'Y05',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初30号',
        effectiveFrom: '2025-06-01',
        note: 'a,"b"\nc\\d',
      },
      {
        externalId: 'D,"2"',
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: lower,
        name: '赵, "某"',
        category: 'Y05',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初31号',
        effectiveFrom: '2025-06-01',
        effectiveUntil: 'indefinite',
      },
    ]);
    const out = await importBatch(h.db, batch, { ...opts(), secret: h.secret });
    expect(out).toMatchObject({ created: 2, unchanged: 0, rejected: [], partiesRegistered: 1 });
    const stored = rowsOf<{
      external_id: string;
      note: string | null;
      identity_hash: string;
      until: string | null;
    }>(
      await h.db.db.execute(sql`
        select r.external_id, r.note, p.identity_hash, r.effective_until::text as until
        from records r join parties p on p.id = r.party_id
        where r.external_id in ('D-1', 'D,"2"') order by r.external_id`),
    );
    expect(stored).toEqual([
      {
        external_id: 'D,"2"',
        note: null,
        identity_hash: h.deps.crypto.identityHash('RESIDENT_ID', lower),
        until: null,
      },
      {
        external_id: 'D-1',
        note: 'a,"b"\nc\\d',
        identity_hash: h.deps.crypto.identityHash('RESIDENT_ID', person(2, '').idNumber),
        until: '2027-06-01',
      },
    ]);
    const again = await importBatch(h.db, batch, { ...opts(), secret: h.secret });
    expect(again).toMatchObject({ created: 0, unchanged: 2 });
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });
  it('a batch told its source is new still finds a stored row: written again with the lookup', async () => {
    const batch = rows([
      {
        externalId: 'A-1',
        ...person(1, '章某某'),
        category: 'R01',
        court: '浙0212',
        caseNumber: '(2025)浙0212刑初1号',
        effectiveFrom: '2025-01-01',
      },
      {
        externalId: 'E-1',
        ...person(1, '章某某'),
        category: 'Y05',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初40号',
        effectiveFrom: '2025-06-01',
      },
    ]);
    const records = await count(sql`select count(*) as n from records`);
    const out = await importBatch(h.db, batch, { ...opts(), secret: h.secret, newSource: true });
    expect(out).toMatchObject({ created: 1, unchanged: 1, rejected: [], partiesRegistered: 0 });
    expect(await count(sql`select count(*) as n from records`)).toBe(records + 1);
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });

  it('refuses a row naming a record stored from another source or entered through the API, in both runs alike', async () => {
    const partyId = await h.registerPerson(640, '冯某');
    const who = { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(640), name: '冯某' };
    const entered = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y05',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初640号',
      effectiveFrom: '2025-03-01',
    });
    const fromCms = {
      ...who,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初641号',
      effectiveFrom: '2025-04-01',
    };
    expect(
      await importBatch(h.db, rows([{ externalId: 'CMS-1', ...fromCms }]), { ...opts(), source: 'cms' }),
    ).toMatchObject({ created: 1 });
    const revoked = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y09',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初642号',
      effectiveFrom: '2025-05-01',
    });
    await h.as('judge').record.revoke.mutate({ recordId: revoked.recordId, reason: 'entered by mistake' });
    const batch = rows([
      // the record entered through the API, and the one imported from cms, again under other ids
      {
        externalId: 'X-1',
        ...who,
        category: 'Y05',
        court: '浙0212',
        caseNumber: '(2025)浙0212民初640号',
        effectiveFrom: '2025/3/1',
      },
      { externalId: 'X-2', ...fromCms },
      // the same case on another day, and a revoked record's case: new records
      {
        externalId: 'X-3',
        ...who,
        category: 'Y05',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初640号',
        effectiveFrom: '2025-03-02',
      },
      {
        externalId: 'X-4',
        ...who,
        category: 'Y09',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初642号',
        effectiveFrom: '2025-05-01',
      },
    ]);
    const problems = [
      {
        line: 2,
        column: 'caseNumber',
        rule: `the same record (party, category, case number, effectiveFrom) is already stored: ${entered.recordId} from court; leave the line out, or revoke the stored one first`,
      },
      {
        line: 3,
        column: 'caseNumber',
        rule: expect.stringMatching(/is already stored: rec_[\w-]+ from cms as "CMS-1"; leave the line out/),
      },
    ];
    // The dry run's check says the same, and leaves the refused rows out of what repairs may list.
    const inFile = new Map(
      batch.map((r) => [r.externalId, { category: r.category, idType: r.idType, idNumber: r.idNumber }]),
    );
    const checked = await checkImportBatch(h.db, batch, { ...opts(), source: 'history' }, inFile);
    expect(checked).toEqual({ unchanged: 0, rejected: problems, namesDiffer: [] });
    expect([...inFile.keys()]).toEqual(['X-3', 'X-4']);

    const records = await count(sql`select count(*) as n from records`);
    const out = await importBatch(h.db, batch, { ...opts(), source: 'history' });
    expect(out).toMatchObject({ created: 2, unchanged: 0, partiesRegistered: 0, rejected: problems });
    expect(await count(sql`select count(*) as n from records`)).toBe(records + 2);
    // Run again: the two written are unchanged (known by their own source and id), the two others refused again.
    expect(await importBatch(h.db, batch, { ...opts(), source: 'history' })).toMatchObject({
      created: 0,
      unchanged: 2,
      rejected: problems,
    });
    // From cms itself: the row it imported is unchanged, not a copy (also when the source is taken for new
    // and the row is not looked up); under another id it is a copy.
    const cms = { ...opts(), source: 'cms' };
    const own = rows([{ externalId: 'CMS-1', ...fromCms }]);
    expect(await importBatch(h.db, own, cms)).toMatchObject({ created: 0, unchanged: 1, rejected: [] });
    expect(await importBatch(h.db, own, { ...cms, newSource: true })).toMatchObject({
      created: 0,
      unchanged: 1,
      rejected: [],
    });
    const again = rows([{ externalId: 'CMS-2', ...fromCms }]);
    expect(await importBatch(h.db, again, cms)).toMatchObject({
      created: 0,
      rejected: [{ line: 2, column: 'caseNumber' }],
    });
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });

  it('takes a pre-2016 case number written otherwise (brackets, spaces, full-width digits) for the same record', async () => {
    const who = { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(660), name: '卫某' };
    const legacy = { ...who, category: 'Y14', court: '浙0212', effectiveFrom: '2015-09-01' };
    expect(
      await importBatch(
        h.db,
        rows([{ externalId: 'OLD-1', ...legacy, caseNumber: '（2015）甬民二终字第123号' }]),
        {
          ...opts(),
          source: 'cms-2015',
        },
      ),
    ).toMatchObject({ created: 1 });
    const batch = rows([
      { externalId: 'E-1', ...legacy, caseNumber: '(2015)甬民二终字第123号' },
      { externalId: 'E-2', ...legacy, caseNumber: '（2015）甬民二终字第 123 号' },
      { externalId: 'E-3', ...legacy, caseNumber: '（２０１５）甬民二终字第１２３号' },
      { externalId: 'E-4', ...legacy, caseNumber: '（2015）甬民二终字第124号' },
    ]);
    const out = await importBatch(h.db, batch, { ...opts(), source: 'excel' });
    expect(out.created).toBe(1); // 124号 only
    expect(out.rejected.map((p) => [p.line, p.rule.replace(/rec_\S+/, 'rec')])).toEqual(
      [2, 3, 4].map((line) => [
        line,
        'the same record (party, category, case number, effectiveFrom) is already stored: rec from cms-2015 as "OLD-1"; leave the line out, or revoke the stored one first',
      ]),
    );
  });
  it('quotes back no repairs item that names no record: an identity number of any type, a name', async () => {
    const idNumber = residentId(641);
    const passport = 'E12345678'; // no check digit: nothing tells it from an external id
    const y05 = rows([
      {
        externalId: 'ID-Y',
        ...person(641, '韩某'),
        category: 'Y14',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初641号',
        effectiveFrom: '2025-01-01',
      },
    ]);
    expect((await importBatch(h.db, y05, opts())).created).toBe(1);
    const batch = rows(
      [idNumber, `ID-Y;${passport}`, '韩某'].map((repairs, i) => ({
        externalId: `ID-${i}`,
        ...person(641, '韩某'),
        category: 'B01',
        court: '浙0212',
        caseNumber: `（2025）浙0212执64${i}号`,
        effectiveFrom: '2025-06-01',
        repairs,
      })),
    );
    const checked = await checkImportBatch(h.db, batch, opts(), new Map());
    const written = await importBatch(h.db, batch, opts());
    for (const out of [checked, written]) {
      expect(out.rejected).toEqual([
        { line: 2, column: 'repairs', rule: 'item 1 is an identity number, not the external id of a record' },
        { line: 3, column: 'repairs', rule: 'item 2 is not in the file nor stored from court-import' },
        { line: 4, column: 'repairs', rule: 'item 1 is not in the file nor stored from court-import' },
      ]);
      for (const value of [idNumber, passport, '韩某']) expect(JSON.stringify(out)).not.toContain(value);
    }
  });

  it('the dry run reports the lines naming a party otherwise than it is stored, or than the first line naming it, as the real run does', async () => {
    await h.registerPerson(650, '郑某');
    const line = (ext: string, n: number, name: string, caseNo: number) => ({
      externalId: ext,
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(n),
      name,
      category: 'Y05',
      court: '浙0212',
      caseNumber: `（2025）浙0212民初${caseNo}号`,
      effectiveFrom: '2025-06-01',
    });
    const batches = [
      rows([
        line('NM-1', 650, '郑某某', 6501), // 2: the stored party, named otherwise
        line('NM-2', 651, '卫某', 6511), // 3: a new party
        line('NM-3', 651, '卫某某', 6512), // 4: named otherwise than line 3
        line('NM-4', 650, '郑某', 6502), // 5: as stored
      ]),
      // A later batch: the party the first one registers, named otherwise again.
      rows([line('NM-5', 651, '卫', 6513), line('NM-6', 651, '卫某', 6514)]),
      // A refused line names no party: a new party keeps the name of the first line written.
      rows([
        { ...line('NM-7', 652, '褚某', 6521), category: 'B01', repairs: 'NOPE' },
        line('NM-8', 652, '褚某某', 6522),
      ]),
    ];
    const names = new Map<string, string>();
    const checked = [];
    for (const batch of batches) checked.push(await checkImportBatch(h.db, batch, opts(), new Map(), names));
    const written = [];
    for (const batch of batches) written.push(await importBatch(h.db, batch, opts()));
    expect(written.map((w) => w.namesDiffer)).toEqual([[2, 4], [2], []]);
    expect(checked.map((c) => c.namesDiffer)).toEqual(written.map((w) => w.namesDiffer));
    expect(JSON.stringify(checked)).not.toMatch(/[郑卫褚]/);
    const lookup = await h
      .as('judge')
      .party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber: residentId(652) });
    expect(lookup.party.name).toBe('褚某某');
  });
  it('matches an empty effectiveUntil against the term of the policy in force when the record was imported', async () => {
    const y16 = (id: string, duration: string): Policy => ({
      ...defaultPolicy,
      id,
      categories: defaultPolicy.categories.map((c) => (c.code === 'Y16' ? { ...c, duration } : c)),
    });
    const raw = {
      externalId: 'T-1',
      ...person(401, '赵某'),
      category: 'Y16',
      court: '浙0212',
      caseNumber: '（2025）浙0212执401号',
      effectiveFrom: '2025-04-01',
    };
    const row = (policy: Policy) => {
      const r = checkImportRow(raw, 2, { policy, today: today() });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return [r.row];
    };
    const under = (policy: Policy, earlier: Policy[]) => ({
      ...opts(),
      source: 'terms',
      policy,
      earlierPolicies: earlier,
    });
    const p3 = y16('y16-p3y', 'P3Y');
    // Made active as a version before this one did it: its audit entry kept only its id.
    await h.db.db
      .insert(settings)
      .values({ key: 'policy', value: p3, updatedAt: new Date() })
      .onConflictDoUpdate({ target: settings.key, set: { value: p3 } });
    expect((await activePolicy(h.db))?.id).toBe('y16-p3y');
    expect((await earlierPolicies(h.db)).map((p) => p.id)).not.toContain('y16-p3y');
    expect((await importBatch(h.db, row(p3), under(p3, await earlierPolicies(h.db)))).created).toBe(1);
    const p4 = y16('y16-p4y', 'P4Y');
    await applyPolicy(h.db, p4);
    const kept = await earlierPolicies(h.db); // the default, and the one replaced and the one applied, whole
    expect(kept.map((p) => p.id)).toEqual(expect.arrayContaining(['default-2022', 'y16-p3y', 'y16-p4y']));
    expect(await importBatch(h.db, row(p4), under(p4, kept))).toMatchObject({
      unchanged: 1,
      rejected: [],
    });
    // Without the policy it was imported under, the end the file implies is not the stored one.
    expect((await importBatch(h.db, row(p4), under(p4, [defaultPolicy]))).rejected).toEqual([
      {
        line: 2,
        column: 'externalId',
        rule: "already imported from terms with another effectiveUntil than the category's term gives (left empty); write the stored end date, or correct the record with record.amend",
      },
    ]);
  });
});

describe.each(dbKinds())('ImportPipeline (%s)', (kind) => {
  let h: Harness;
  const SRC = 'pipeline-import';
  const rows = (raws: Record<string, unknown>[], first: number): ImportRow[] =>
    raws.map((raw, i) => {
      const r = checkImportRow(raw, first + i, { policy: h.deps.policy, today: toCstDate(new Date()) });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.row;
    });
  const row = (externalId: string, n: number, category: string, caseNo: number) => ({
    externalId,
    ...person(n, `某${n}`),
    category,
    court: '浙0212',
    caseNumber: `（2025）浙0212民初${caseNo}号`,
    effectiveFrom: '2025-06-01',
  });
  const partiesOf = async (n: number) =>
    rowsOf<{ id: string; color: string }>(
      await h.db.db.execute(sql`
        select p.id, s.color from parties p join party_state s on s.party_id = p.id
        where p.identity_hash = ${h.deps.crypto.identityHash('RESIDENT_ID', residentId(n, '330212', '19700101'))}`),
    );
  /**
   * On PostgreSQL, holds the import lock from another connection until `release`, so that the first batch's
   * write waits, uncommitted, while the next batch is prepared.
   */
  async function holdImportLock() {
    if (kind !== 'postgres' || !h.db.pool) return { release: async () => {} };
    const client = await h.db.pool.connect();
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
    let held = true;
    const lock = {
      release: async () => {
        if (!held) return;
        held = false;
        await client.query('commit');
        client.release();
      },
    };
    locks.push(lock);
    return lock;
  }
  /** The locks held, released after each test (a failed one leaves its own held). */
  const locks: { release: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const lock of locks.splice(0)) await lock.release();
  });
  const settle = () => new Promise((r) => setTimeout(r, kind === 'postgres' ? 1000 : 0));
  /** Until `n` requests wait for an advisory lock (on PostgreSQL); fails after 10 s. */
  const waitingForLocks = async (n: number) => {
    for (const until = Date.now() + 10_000; Date.now() < until; ) {
      const [w] = rowsOf<{ n: number }>(
        await h.db.db.execute(
          sql`select count(*)::int as n from pg_locks where not granted and locktype = 'advisory'`,
        ),
      );
      if (Number(w?.n) >= n) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`expected ${n} requests waiting for an advisory lock`);
  };

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('hands the parties a batch registers to the next batch before they commit: one party each, no retry', async () => {
    const outs: { created: number; partiesRegistered: number }[] = [];
    const pipeline = new ImportPipeline(
      h.db,
      { crypto: h.deps.crypto, policy: h.deps.policy, source: SRC, secret: h.secret, newSource: true },
      (out) => outs.push(out),
    );
    const lock = await holdImportLock();
    await pipeline.add(rows([row('P-1', 301, 'Y05', 301), row('P-2', 302, 'Y14', 302)], 2));
    const second = pipeline.add(rows([row('P-3', 301, 'R01', 303), row('P-4', 303, 'Y05', 304)], 4));
    await settle(); // the second batch is prepared while the first waits for the lock
    await lock.release();
    await second;
    await pipeline.add(rows([row('P-5', 302, 'Y05', 305)], 6));
    await pipeline.finish();

    expect(pipeline.retried).toBe(0);
    expect(outs.map((o) => [o.created, o.partiesRegistered])).toEqual([
      [2, 2],
      [2, 1],
      [1, 0],
    ]);
    const [p301] = await partiesOf(301);
    expect(await partiesOf(301)).toHaveLength(1);
    expect(p301?.color).toBe('red'); // Y05 of the first batch and R01 of the second, classified together
    expect(await partiesOf(302)).toHaveLength(1);
    // The parties one batch registers share a run of ids (their index entries sit together).
    const [p302] = await partiesOf(302);
    expect(p301?.id.slice(0, 20)).toBe(p302?.id.slice(0, 20));
    expect(p301?.id).not.toBe(p302?.id);
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });

  // PGlite runs one statement at a time: a registration cannot come between a batch's lookups and its write.
  if (kind === 'postgres')
    it('writes a batch again under the lock when its party was registered meanwhile, and goes on that way', async () => {
      const outs: { created: number; partiesRegistered: number; namesDiffer: number[] }[] = [];
      const pipeline = new ImportPipeline(
        h.db,
        { crypto: h.deps.crypto, policy: h.deps.policy, source: `${SRC}-race`, newSource: true },
        (out) => outs.push(out),
      );
      const lock = await holdImportLock();
      await pipeline.add(rows([row('Q-1', 311, 'Y05', 311)], 2));
      const second = pipeline.add(rows([row('Q-2', 312, 'Y14', 312)], 3));
      await settle(); // prepared: 312 is not registered yet
      // The registration waits for the first batch's write, as any party.register during a batch does,
      // and commits before the second batch's write begins.
      const registered = h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(312, '330212', '19700101'),
        name: '某三一二',
      });
      await waitingForLocks(2);
      await lock.release();
      const { partyId } = await registered;
      await second;
      await pipeline.add(rows([row('Q-3', 313, 'Y05', 313)], 4));
      await pipeline.finish();

      expect(pipeline.retried).toBe(1);
      expect(outs.map((o) => [o.created, o.partiesRegistered, o.namesDiffer])).toEqual([
        [1, 1, []],
        [1, 0, [3]], // the registered party, whose stored name is kept
        [1, 1, []],
      ]);
      expect((await partiesOf(312)).map((p) => [p.id, p.color])).toEqual([[partyId, 'yellow']]);
      expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
    });

  // Another import, or a judge through the API, storing the record between a batch's lookups and its write.
  if (kind === 'postgres')
    it('writes a batch again under the lock when a record of its stored party was entered meanwhile, and refuses the copy', async () => {
      const who = person(321, '某三二一');
      const { partyId } = await h.as('clerk').party.register.mutate({ ...who, kind: 'person' });
      const outs: BatchOutcome[] = [];
      const pipeline = new ImportPipeline(
        h.db,
        { crypto: h.deps.crypto, policy: h.deps.policy, source: `${SRC}-meanwhile`, newSource: true },
        (out) => outs.push(out),
      );
      const lock = await holdImportLock(); // a batch of another import, being written
      // A judge enters line 2's record: it waits for that batch. Then the batch is prepared (nothing
      // stored for 321 yet) and its write waits too, after the judge's.
      const entering = h.as('judge').record.create.mutate({
        partyId,
        category: 'Y05',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初321号',
        effectiveFrom: '2025-06-01',
      });
      await waitingForLocks(1);
      await pipeline.add(rows([row('M-1', 321, 'Y05', 321), row('M-2', 321, 'Y14', 322)], 2));
      await waitingForLocks(2);
      await lock.release();
      const entered = await entering;
      await pipeline.finish();

      expect(pipeline.retried).toBe(1);
      expect(outs.map((o) => [o.created, o.rejected])).toEqual([
        [
          1,
          [
            {
              line: 2,
              column: 'caseNumber',
              rule: `the same record (party, category, case number, effectiveFrom) is already stored: ${entered.recordId} from court; leave the line out, or revoke the stored one first`,
            },
          ],
        ],
      ]);
      const stored = await h.as('judge').record.list.query({ partyId });
      expect(stored.map((r) => r.category).sort()).toEqual(['Y05', 'Y14']);
      expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
    });

  // A judge revoking the record a batch's repair lists, or upholding an objection to it, between the
  // batch's lookups and its write: no repair may list a revoked record.
  if (kind === 'postgres')
    it.each([
      ['record.revoke', 381],
      ['objection.resolve', 391],
    ] as const)(
      'writes a batch again under the lock when the record its repair lists was revoked meanwhile (%s), and refuses the repair',
      async (procedure, n) => {
        const source = `${SRC}-revoked-${n}`;
        const opts = { crypto: h.deps.crypto, policy: h.deps.policy, source };
        const outs: BatchOutcome[] = [];
        const first = new ImportPipeline(h.db, { ...opts, newSource: true }, () => {});
        await first.add(rows([row('V-1', n, 'Y14', n)], 2));
        await first.finish();
        const [party] = await partiesOf(n);
        const partyId = party?.id as string;
        const [listed] = await h.as('judge').record.list.query({ partyId });
        const recordId = listed?.recordId as string;
        expect(party?.color).toBe('yellow');
        const judge = h.as('judge');
        const objection =
          procedure === 'objection.resolve'
            ? await judge.objection.file.mutate({ recordId, reason: '当事人对该记录有异议' })
            : undefined;

        const pipeline = new ImportPipeline(h.db, opts, (out) => outs.push(out));
        const lock = await holdImportLock(); // a batch of another import, being written
        // The revocation waits for that batch; then the repair's batch is prepared (its record not revoked
        // yet) and its write waits too, after the revocation.
        const revoking = objection
          ? judge.objection.resolve.mutate({
              objectionId: objection.objectionId,
              decision: 'upheld',
              reason: 'entered in error',
            })
          : judge.record.revoke.mutate({ recordId, reason: 'entered in error' });
        await waitingForLocks(1);
        await pipeline.add(rows([{ ...row('V-2', n, 'B01', n + 1), repairs: 'V-1' }], 2));
        await waitingForLocks(2);
        await lock.release();
        await revoking;
        await pipeline.finish();

        expect(pipeline.retried).toBe(1);
        expect(outs.map((o) => [o.created, o.rejected])).toEqual([
          [0, [{ line: 2, column: 'repairs', rule: 'lists "V-1", which is revoked' }]],
        ]);
        const stored = await judge.record.list.query({ partyId });
        expect(stored.map((r) => [r.category, r.revoked])).toEqual([['Y14', true]]);
        expect((await partiesOf(n)).map((p) => p.color)).toEqual(['green']);
        expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
      },
    );

  if (kind === 'postgres')
    it('two imports from two sources writing the same record of a stored party at once store it once', async () => {
      const who = person(341, '某三四一');
      await h.as('clerk').party.register.mutate({ ...who, kind: 'person' });
      const outs = new Map<string, BatchOutcome[]>();
      const pipelines = ['cms', 'excel'].map(
        (source) =>
          new ImportPipeline(
            h.db,
            { crypto: h.deps.crypto, policy: h.deps.policy, source, newSource: true },
            (out) => outs.set(source, [...(outs.get(source) ?? []), out]),
          ),
      );
      const lock = await holdImportLock();
      // Both prepared before either is written: neither sees the other's record.
      for (const p of pipelines) await p.add(rows([row('S-1', 341, 'Y05', 341)], 2));
      await lock.release();
      for (const p of pipelines) await p.finish();
      const created = [...outs.values()].flat().map((o) => o.created);
      expect(created.sort()).toEqual([0, 1]);
      expect(pipelines.map((p) => p.retried).sort()).toEqual([0, 1]);
      const [n] = rowsOf<{ n: number }>(
        await h.db.db.execute(
          sql`select count(*)::int as n from records where case_number = '（2025）浙0212民初341号'`,
        ),
      );
      expect(n?.n).toBe(1);
    });

  if (kind === 'postgres')
    it("the API's writes of parties and records wait for an import batch being written (not read-only calls)", async () => {
      const lock = await holdImportLock(); // as a batch's transaction holds it, from its start
      let done = false;
      const registering = h
        .as('clerk')
        .party.register.mutate({ ...person(351, '某三五一'), kind: 'person' })
        .finally(() => {
          done = true;
        });
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false);
      expect(await h.as('admin').policy.get.query()).toMatchObject({ id: h.deps.policy.id }); // reads go on
      await lock.release();
      expect((await registering).created).toBe(true);
    });

  // A writer that does not take the lock (here, SQL) and registers a party between a batch's lookups and
  // its write sends the batch round again.
  if (kind === 'postgres')
    it('writes a batch again when a party is registered between its lookups and its write, however often', async () => {
      const pool = h.db.pool as NonNullable<typeof h.db.pool>;
      const clients = [await pool.connect(), await pool.connect()];
      try {
        // A registration begun, not committed: the import's lookups do not see it, its COPY waits for it.
        const registering = async (client: (typeof clients)[number], n: number) => {
          const { idType, idNumber, name } = person(n, `某${n}`);
          const id = newId('pty');
          await client.query('begin');
          await client.query(
            `insert into parties (id, kind, id_type, identity_hash, id_number_enc, name_enc, name_masked, id_number_masked, created_by, created_at)
             values ($1, 'person', $2, $3, $4, $5, $6, $7, 'key_clerk', now())`,
            [
              id,
              idType,
              h.deps.crypto.identityHash(idType, idNumber),
              h.deps.crypto.encrypt(idNumber),
              h.deps.crypto.encrypt(name),
              maskName(name, 'person'),
              maskIdNumber(idType, idNumber),
            ],
          );
          await client.query(
            `insert into party_state (party_id, color, basis, policy_id, as_of, version, updated_at)
             values ($1, 'green', '[]', $2, $3, 1, now())`,
            [id, h.deps.policy.id, toCstDate(new Date())],
          );
        };
        let done = false; // the import ended (a failure is then awaited below, not waited for)
        const waiters = async (n: number) => {
          while (!done) {
            const [w] = rowsOf<{ n: number }>(
              await h.db.db.execute(sql`select count(*)::int as n from pg_locks where not granted`),
            );
            if (Number(w?.n) === n) return;
            await new Promise((r) => setTimeout(r, 20));
          }
        };
        await registering(clients[0] as (typeof clients)[number], 331);
        await registering(clients[1] as (typeof clients)[number], 332);
        const written = importBatch(
          h.db,
          rows([row('R-1', 331, 'Y05', 331), row('R-2', 332, 'Y05', 332)], 2),
          { crypto: h.deps.crypto, policy: h.deps.policy, source: `${SRC}-register` },
        ).finally(() => {
          done = true;
        });
        // The first write waits on 331; committed, it fails; the second sees 331 and waits on 332.
        await waiters(1);
        await clients[0]?.query('commit');
        await waiters(0);
        await waiters(1);
        await clients[1]?.query('commit');
        const out = await written;
        expect([out.created, out.partiesRegistered, out.rejected]).toEqual([2, 0, []]);
        expect(await partiesOf(331)).toHaveLength(1);
        expect(await partiesOf(332)).toHaveLength(1);
        expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
      } finally {
        for (const c of clients) c.release();
      }
    });

  // `policy apply` stores its policy holding the import lock: it waits for a batch being written, then
  // checks the policy against every record stored, that batch's too.
  if (kind === 'postgres')
    it('policy apply waits for the import batch being written, and refuses a policy its records do not fit', async () => {
      const noY03: Policy = {
        ...defaultPolicy,
        id: 'no-y03',
        categories: defaultPolicy.categories.filter((c) => c.code !== 'Y03'),
      };
      const lock = await holdImportLock(); // the batch's, before its write
      const importing = importBatch(h.db, rows([row('Y-1', 401, 'Y03', 401)], 2), {
        crypto: h.deps.crypto,
        policy: h.deps.policy,
        source: `${SRC}-apply`,
      });
      await waitingForLocks(1);
      const applying = applyPolicy(h.db, noY03);
      // It may be refused while the import's answer is awaited: handled from now on, asserted below.
      applying.catch(() => {});
      await waitingForLocks(2);
      await lock.release();
      expect((await importing).created).toBe(1);
      await expect(applying).rejects.toThrow(
        'policy.categories: must keep every category stored records have; missing Y03 (1 records) (change its color instead)',
      );
      expect(await activePolicy(h.db)).toBeNull();
    });

  // The last test: it changes the policy in force.
  it('stops an import whose batch comes after a policy apply, writing nothing of it; run again under that policy, it goes on', async () => {
    const goldOverBlue: Policy = {
      ...defaultPolicy,
      id: 'gold-over-blue',
      precedence: ['red', 'yellow', 'gold', 'blue', 'green'],
    };
    await applyPolicy(h.db, goldOverBlue);
    const batch = rows([row('Z-1', 411, 'Y05', 411)], 2);
    const opts = { crypto: h.deps.crypto, source: `${SRC}-after-apply` };
    await expect(importBatch(h.db, batch, { ...opts, policy: h.deps.policy })).rejects.toThrow(
      'import: the active policy is now "gold-over-blue" (applied while this import ran under "default-2022"); run the import again: it goes on under the new policy',
    );
    expect(await partiesOf(411)).toEqual([]);
    const pipeline = new ImportPipeline(h.db, { ...opts, policy: h.deps.policy }, () => {});
    await pipeline.add(batch);
    await expect(pipeline.finish()).rejects.toThrow(/^import: the active policy is now "gold-over-blue"/);
    expect(await partiesOf(411)).toEqual([]);
    expect((await importBatch(h.db, batch, { ...opts, policy: goldOverBlue })).created).toBe(1);
    expect((await partiesOf(411)).map((p) => p.color)).toEqual(['yellow']);
    expect((await verifyIntegrity(h.db)).mismatches).toEqual([]);
  });
});
