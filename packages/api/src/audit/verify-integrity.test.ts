import { defaultPolicy, type Policy, toCstDate } from '@fivecolor/core';
import { asc, eq, gte, sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../db/rows.js';
import { auditLog, partyState, records, settings } from '../db/schema.js';
import { applyPolicy, policyDigest } from '../services/policy-service.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';
import { appendAudit, auditRowHash, verifyAuditChain } from './audit-log.js';
import { latestAuditCheckpoint, writeAuditCheckpoint } from './checkpoint.js';
import { rowHash } from './row-hash.js';
import { type IntegrityProgress, verifyIntegrity, vouchForUnauditedRows } from './verify-integrity.js';

/** A database with every kind of audited write: records created, amended, revoked; a report; keys created and revoked. */
async function populated(kind: 'pglite' | 'postgres') {
  const h = await createHarness(kind);
  const today = toCstDate(h.clock.now);
  const partyId = await h.registerPerson(1);
  const judge = h.as('judge');
  const a = await judge.record.create.mutate({
    partyId,
    category: 'Y14',
    court: '浙0212',
    caseNumber: '（2025）浙0212民初77号',
    effectiveFrom: today,
  });
  const b = await judge.record.create.mutate({
    partyId,
    category: 'Y05',
    court: '浙0212',
    caseNumber: '（2025）浙0212民初78号',
    effectiveFrom: today,
  });
  await judge.record.amend.mutate({ recordId: a.recordId, reason: 'typo', note: 'amended' });
  await judge.record.revoke.mutate({ recordId: b.recordId, reason: 'entered in error' });
  const report = await judge.report.issue.mutate({ partyId });
  const created = await h.as('admin').apiKey.create.mutate({ role: 'bank', name: 'Second Bank' });
  await h.as('admin').apiKey.revoke.mutate({ id: created.id });
  return { h, partyId, recordId: a.recordId, reportNo: report.reportNo };
}

const update = (h: Harness, statement: ReturnType<typeof sql>) => h.db.db.execute(statement);

describe.each(dbKinds())('verifyIntegrity on %s', (kind) => {
  it('passes an untouched database and counts what it checked', async () => {
    const { h } = await populated(kind);
    try {
      const r = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(r.mismatches).toEqual([]);
      expect(r).toMatchObject({ ok: true, mismatchCount: 0 });
      expect(r.counts).toMatchObject({ records: 2, partyStates: 1, reports: 1, apiKeys: 9 });
      const chain = await verifyAuditChain(h.db);
      expect(r.head).toEqual({ seq: chain.count, hash: chain.ok ? chain.head : '' });
    } finally {
      await h.close();
    }
  });

  it('reports its progress page by page, table by table, up to every row it counted at the start', async () => {
    const { h } = await populated(kind);
    try {
      const seen: IntegrityProgress[] = [];
      const r = await verifyIntegrity(h.db, {
        policy: h.deps.policy,
        pageSize: 2,
        onProgress: (p) => seen.push(p),
      });
      const { auditRows, records, partyStates, reports, apiKeys } = r.counts;
      const total = auditRows + records + partyStates + reports + apiKeys;
      expect(seen.every((p) => p.total === total)).toBe(true);
      // Pages of two: one call per page of each table (the keys are read at once).
      const pages = (n: number) => Math.ceil(n / 2);
      expect(seen.map((p) => p.table)).toEqual([
        ...Array(pages(auditRows)).fill('audit_log'),
        ...Array(pages(records)).fill('records'),
        ...Array(pages(partyStates)).fill('party_state'),
        ...Array(pages(reports)).fill('reports'),
        'api_keys',
      ]);
      const checked = seen.map((p) => p.checked);
      expect(checked).toEqual([...checked].sort((a, b) => a - b));
      expect(checked[0]).toBe(Math.min(2, auditRows));
      expect(checked.at(-1)).toBe(total);
      // Without a listener the check and its counts are the same.
      expect((await verifyIntegrity(h.db, { policy: h.deps.policy })).counts).toEqual(r.counts);
    } finally {
      await h.close();
    }
  });

  it('finds a record whose category was changed in the database', async () => {
    const { h, recordId } = await populated(kind);
    try {
      await update(h, sql`update records set category = 'G01' where id = ${recordId}`);
      expect((await verifyAuditChain(h.db)).ok).toBe(true);
      const r = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(r.ok).toBe(false);
      expect(r.mismatches[0]).toMatchObject({ table: 'records', id: recordId });
      expect(r.mismatches[0]?.what).toMatch(/differs from the hash in its newest audit entry/);
    } finally {
      await h.close();
    }
  });

  it('finds a party state whose color was changed in the database', async () => {
    const { h, partyId } = await populated(kind);
    try {
      await update(h, sql`update party_state set color = 'gold' where party_id = ${partyId}`);
      const r = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(r.mismatches).toEqual([
        { table: 'party_state', id: partyId, what: expect.stringMatching(/^color differ/) },
      ]);
    } finally {
      await h.close();
    }
  });

  it('finds a party state changed and passed off as stale: marked for recomputation without a repair, or under a policy never applied', async () => {
    const { h, partyId, recordId } = await populated(kind);
    try {
      const [state] = await h.db.db.select().from(partyState).where(eq(partyState.partyId, partyId));
      const forge = (set: ReturnType<typeof sql>) =>
        update(h, sql`update party_state set color = 'gold', ${set} where party_id = ${partyId}`);
      await forge(sql`until = as_of`);
      expect((await verifyIntegrity(h.db)).mismatches).toEqual([
        {
          table: 'party_state',
          id: partyId,
          what: `until ${state?.asOf} is not after its asOf ${state?.asOf}: marked for recomputation, as only migration 0003 marked states, of parties with a repair; this party has none`,
        },
      ]);
      // Under a policy whose rules this store does not keep (one given in code): not compared.
      await forge(sql`until = ${state?.until}, policy_id = 'in-code-policy'`);
      expect(await verifyIntegrity(h.db)).toMatchObject({ ok: true, counts: { staleStates: 1 } });
      await update(
        h,
        sql`update party_state set policy_id = ${state?.policyId}, color = ${state?.color} where party_id = ${partyId}`,
      );
      // A party with a repair, marked as migration 0003 marked them: not compared (its rule changed).
      await h.as('enforcement').record.repair.mutate({
        partyId,
        repairs: [recordId],
        court: '浙0212',
        caseNumber: '（2025）浙0212执恢79号',
        effectiveFrom: toCstDate(h.clock.now),
      });
      await update(h, sql`update party_state set until = as_of where party_id = ${partyId}`);
      const marked = await verifyIntegrity(h.db);
      expect(marked.mismatches).toEqual([]);
      expect(marked.counts.staleStates).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('compares states under a policy given in code (opts.policy), refusing one whose id names other applied rules', async () => {
    const { h, partyId } = await populated(kind);
    try {
      const [state] = await h.db.db.select().from(partyState).where(eq(partyState.partyId, partyId));
      const inCode: Policy = { ...defaultPolicy, id: 'in-code-policy' };
      /** The state put under `policyId`: compared (not stale), and made gold, a mismatch. */
      const comparedUnder = async (policyId: string) => {
        await update(h, sql`update party_state set policy_id = ${policyId} where party_id = ${partyId}`);
        expect(await verifyIntegrity(h.db, { policy: inCode })).toMatchObject({
          ok: true,
          counts: { staleStates: 0 },
        });
        await update(h, sql`update party_state set color = 'gold' where party_id = ${partyId}`);
        expect((await verifyIntegrity(h.db, { policy: inCode })).mismatches).toEqual([
          { table: 'party_state', id: partyId, what: expect.stringMatching(/^color differ/) },
        ]);
      };
      await comparedUnder(inCode.id);
      await update(
        h,
        sql`update party_state set policy_id = ${state?.policyId}, color = ${state?.color} where party_id = ${partyId}`,
      );
      // An id this store knows with other rules (the default's, here with Y14 gold) would compare its states
      // under the wrong rules: refused, nothing compared.
      const sameIdOtherRules: Policy = {
        ...defaultPolicy,
        categories: defaultPolicy.categories.map((c) => (c.code === 'Y14' ? { ...c, color: 'gold' } : c)),
      };
      await expect(verifyIntegrity(h.db, { policy: sameIdOtherRules })).rejects.toThrow(
        'policy: "default-2022" names a policy this store has applied with other rules (an id names one set of rules); give the policy the servers run',
      );
      // Given a policy in code, states under the active one stored are still compared under it, also where
      // an older version applied it (its audit entry keeps only the policy's id and digest).
      const older: Policy = { ...defaultPolicy, id: 'applied-by-0.1' };
      await h.db.db.transaction(async (tx) => {
        await tx.insert(settings).values({ key: 'policy', value: older, updatedAt: h.clock.now });
        await appendAudit(tx, {
          actorId: 'cli',
          actorRole: 'operator',
          actorOrg: null,
          action: 'policy.apply',
          target: older.id,
          detail: { policyId: older.id, previousPolicyId: defaultPolicy.id, digest: policyDigest(older) },
        });
      });
      await comparedUnder(older.id);
    } finally {
      await h.close();
    }
  });

  it('compares a state computed under an earlier policy under that one, and checks the active policy against the audit trail', async () => {
    const { h, partyId, recordId } = await populated(kind);
    try {
      const yellowFirst: Policy = {
        ...defaultPolicy,
        id: 'yellow-first',
        precedence: ['yellow', 'red', 'blue', 'gold', 'green'],
      };
      await applyPolicy(h.db, yellowFirst);
      // The harness's API still runs the default policy, as a server not restarted after the apply does.
      await h.as('judge').record.amend.mutate({ recordId, reason: 'typo', note: 'amended again' });
      const [state] = await h.db.db.select().from(partyState).where(eq(partyState.partyId, partyId));
      expect(state?.policyId).toBe('default-2022');
      expect(await verifyIntegrity(h.db)).toMatchObject({ ok: true, counts: { staleStates: 0 } });
      await update(h, sql`update party_state set color = 'gold' where party_id = ${partyId}`);
      expect((await verifyIntegrity(h.db)).mismatches).toEqual([
        { table: 'party_state', id: partyId, what: expect.stringMatching(/^color differ/) },
      ]);
      await update(h, sql`update party_state set color = ${state?.color} where party_id = ${partyId}`);

      // The active policy replaced in the database (red made gold), then removed.
      const seq = Number(
        rowsOf<{ seq: string }>(
          await update(h, sql`select max(seq) as seq from audit_log where action = 'policy.apply'`),
        )[0]?.seq,
      );
      const redAsGold: Policy = {
        ...yellowFirst,
        categories: yellowFirst.categories.map((c) => (c.color === 'red' ? { ...c, color: 'gold' } : c)),
      };
      await update(
        h,
        sql`update settings set value = ${JSON.stringify(redAsGold)}::jsonb where key = 'policy'`,
      );
      expect((await verifyIntegrity(h.db)).mismatches).toContainEqual({
        table: 'settings',
        id: 'policy',
        what: `the active policy stored ("yellow-first") is not the one the last policy.apply entry (seq ${seq}) applied "yellow-first"`,
      });
      await update(h, sql`delete from settings where key = 'policy'`);
      expect((await verifyIntegrity(h.db)).mismatches).toContainEqual({
        table: 'settings',
        id: 'policy',
        what: `no active policy is stored, but the last policy.apply entry (seq ${seq}) applied "yellow-first"`,
      });
    } finally {
      await h.close();
    }
  });

  it('finds an active policy stored that no policy.apply entry applied', async () => {
    const { h } = await populated(kind);
    try {
      await update(
        h,
        sql`insert into settings (key, value, updated_at) values ('policy', ${JSON.stringify({ ...defaultPolicy, id: 'by-hand' })}::jsonb, now())`,
      );
      expect((await verifyIntegrity(h.db)).mismatches).toContainEqual({
        table: 'settings',
        id: 'policy',
        what: 'an active policy is stored ("by-hand"), but no policy.apply entry applied one',
      });
    } finally {
      await h.close();
    }
  });

  it('finds a report whose snapshot was changed in the database', async () => {
    const { h, reportNo } = await populated(kind);
    try {
      await update(
        h,
        sql`update reports set snapshot = jsonb_set(snapshot, '{classification,color}', '"gold"') where report_no = ${reportNo}`,
      );
      const r = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(r.mismatches.map((m) => [m.table, m.id, m.what])).toEqual([
        ['reports', reportNo, expect.stringMatching(/differs from the hash/)],
        ['reports', reportNo, 'snapshot differs from the payload of its signed JWS'],
      ]);
    } finally {
      await h.close();
    }
  });

  it('finds an API key whose role was changed in the database, and one no audit entry names', async () => {
    const { h } = await populated(kind);
    try {
      const bank = (await update(
        h,
        sql`select id from api_keys where role = 'bank' order by created_at limit 1`,
      )) as unknown as {
        rows: { id: string }[];
      };
      const id = bank.rows[0]?.id as string;
      await update(h, sql`update api_keys set role = 'admin' where id = ${id}`);
      const r = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(r.mismatches).toEqual([
        { table: 'api_keys', id, what: expect.stringMatching(/differs from the hash/) },
      ]);
      // A key inserted around the API (no audit entry at all).
      await update(
        h,
        sql`insert into api_keys (id, key_hash, name, org, role) values ('key_sneaky', 'x', 'n', 'o', 'admin')`,
      );
      const again = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(again.mismatches).toHaveLength(2);
      expect(again.mismatches).toContainEqual({
        table: 'api_keys',
        id,
        what: expect.stringMatching(/differs/),
      });
      expect(again.mismatches).toContainEqual({
        table: 'api_keys',
        id: 'key_sneaky',
        what: expect.stringMatching(/no audit entry names this row/),
      });
    } finally {
      await h.close();
    }
  });

  it('finds a report, an API key and a record deleted from the database (no row an audit entry names may be gone)', async () => {
    const { h, reportNo } = await populated(kind);
    try {
      // The record revoked (no revision of it refers to it).
      const [{ id: recordId } = { id: '' }] = rowsOf<{ id: string }>(
        await update(h, sql`select id from records where revoked_at is not null`),
      );
      const keyId = (await h.as('admin').apiKey.list.query()).find((k) => k.name === 'Second Bank')
        ?.id as string;
      await update(h, sql`delete from reports where report_no = ${reportNo}`);
      await update(h, sql`delete from api_keys where id = ${keyId}`);
      await update(h, sql`alter table records disable trigger records_keep_rows`);
      await update(h, sql`delete from records where id = ${recordId}`);
      await update(h, sql`alter table records enable trigger records_keep_rows`);
      const r = await verifyIntegrity(h.db, { policy: h.deps.policy });
      const gone = r.mismatches.filter((m) => /but missing \(deleted\)$/.test(m.what));
      expect(gone.map((m) => [m.table, m.id])).toEqual([
        ['records', recordId],
        ['reports', reportNo],
        ['api_keys', keyId],
      ]);
    } finally {
      await h.close();
    }
  });

  it('vouches once for rows from before row hashes (an upgrade), never for a row changed since its audited write', async () => {
    const { h, recordId } = await populated(kind);
    try {
      // A key as a database from before this version holds it: no audit entry names it.
      await update(
        h,
        sql`insert into api_keys (id, key_hash, name, org, role) values ('key_old', 'x', 'n', 'o', 'bank')`,
      );
      // And a record changed in the database after its audited write (its note: the color stays).
      await update(h, sql`update records set note = 'changed' where id = ${recordId}`);
      const before = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(before.mismatches.map((m) => m.id).sort()).toEqual(['key_old', recordId].sort());
      expect(await vouchForUnauditedRows(h.db)).toEqual({ records: 0, reports: 0, api_keys: 1 });
      const after = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(after.mismatches).toEqual([
        { table: 'records', id: recordId, what: expect.stringMatching(/differs from the hash/) },
      ]);
      // Vouched for once: changing it now is found, and a second baseline does not vouch again.
      await update(h, sql`update api_keys set role = 'admin' where id = 'key_old'`);
      expect(await vouchForUnauditedRows(h.db)).toEqual({ records: 0, reports: 0, api_keys: 0 });
      const again = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(again.mismatches.map((m) => m.id).sort()).toEqual(['key_old', recordId].sort());
    } finally {
      await h.close();
    }
  });

  it('a chain rewritten from a point on and re-hashed passes the chain check; only a checkpoint catches it', async () => {
    const { h, recordId } = await populated(kind);
    try {
      const key = await h.deps.reports.currentKey(h.db, h.deps.crypto, h.clock.now);
      const saved = await writeAuditCheckpoint(h.db, key, h.clock.now);
      expect(await latestAuditCheckpoint(h.db)).toEqual(saved);
      await h.as('judge').party.get.query({ partyId: (await h.registerPerson(2)) as string });
      expect((await verifyIntegrity(h.db, { policy: h.deps.policy, checkpoint: saved.jws })).ok).toBe(true);

      // The attacker changes a record and makes the audit log agree. 0002's trigger refuses a plain
      // UPDATE of audit_log (and of audit_checkpoints, 0005), so that part of the finding is already
      // prevented; this models an owner of the tables who disables the triggers first.
      await expect(update(h, sql`update audit_log set action = 'x' where seq = 1`)).rejects.toThrow();
      await update(h, sql`update records set case_number = '（2025）浙0212民初1号' where id = ${recordId}`);
      const [entry] = (await h.db.db.select().from(auditLog).orderBy(asc(auditLog.seq)))
        .filter(
          (row) =>
            (row.detail as { rows?: { records?: Record<string, string> } } | null)?.rows?.records?.[recordId],
        )
        .slice(-1);
      if (!entry) throw new Error('no audit entry names the record');
      await update(h, sql`alter table audit_log disable trigger audit_log_keep_rows`);
      const tampered = await h.db.db
        .select()
        .from(auditLog)
        .where(gte(auditLog.seq, entry.seq))
        .orderBy(asc(auditLog.seq));
      const [recordRow] = await h.db.db.select().from(records).where(eq(records.id, recordId));
      let prev = tampered[0]?.prevHash as string;
      for (const t of tampered) {
        const detail =
          t.seq === entry.seq
            ? { ...t.detail, rows: { records: { [recordId]: rowHash('records', recordRow as object) } } }
            : t.detail;
        const hash = auditRowHash({ ...t, detail, prevHash: prev });
        await update(
          h,
          sql`update audit_log set detail = ${JSON.stringify(detail)}::jsonb, prev_hash = ${prev}, hash = ${hash} where seq = ${t.seq}`,
        );
        prev = hash;
      }
      expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });

      // The stored checkpoint still catches it…
      const stored = await verifyIntegrity(h.db, { policy: h.deps.policy });
      expect(stored.mismatches).toEqual([
        { table: 'audit_log', id: String(saved.seq), what: expect.stringMatching(/the stored checkpoint/) },
      ]);
      // …until the attacker removes it too: then the database agrees with itself,
      await update(h, sql`alter table audit_checkpoints disable trigger audit_checkpoints_keep_rows`);
      await update(h, sql`delete from audit_checkpoints`);
      expect((await verifyIntegrity(h.db, { policy: h.deps.policy })).ok).toBe(true);
      // and only the copy an outsider saved proves the rewrite.
      const r = await verifyIntegrity(h.db, { policy: h.deps.policy, checkpoint: saved.jws });
      expect(r.checkpoint).toEqual({ seq: saved.seq, head: saved.head, signed: true });
      expect(r.mismatches).toEqual([
        { table: 'audit_log', id: String(saved.seq), what: expect.stringMatching(/the saved checkpoint/) },
      ]);
    } finally {
      await h.close();
    }
  });

  it('publishes the newest checkpoint at /.well-known/fivecolor-audit-head, and never signs a rewritten chain', async () => {
    const { h } = await populated(kind);
    try {
      const get = () =>
        h.app.request('/.well-known/fivecolor-audit-head', { headers: { origin: 'https://x.example' } });
      expect((await get()).status).toBe(404);
      const key = await h.deps.reports.currentKey(h.db, h.deps.crypto, h.clock.now);
      const cp = await writeAuditCheckpoint(h.db, key, h.clock.now);
      const res = await get();
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.text()).toBe(cp.jws);
      const r = await verifyIntegrity(h.db, { policy: h.deps.policy, checkpoint: cp.jws });
      expect(r).toMatchObject({ ok: true, checkpoint: { seq: cp.seq, signed: true } });
      // Writing the same head again keeps the checkpoint; a chain that lost it is refused.
      expect(await writeAuditCheckpoint(h.db, key, h.clock.now)).toEqual(cp);
      await update(h, sql`alter table audit_log disable trigger audit_log_keep_rows`);
      await update(h, sql`update audit_log set hash = ${'0'.repeat(64)} where seq = ${cp.seq}`);
      await h.registerPerson(3);
      await expect(writeAuditCheckpoint(h.db, key, h.clock.now)).rejects.toThrow(/no longer has the hash/);
    } finally {
      await h.close();
    }
  });

  it('refuses a saved checkpoint whose signature does not verify, and one past the end of the chain', async () => {
    const { h } = await populated(kind);
    try {
      const key = await h.deps.reports.currentKey(h.db, h.deps.crypto, h.clock.now);
      const saved = await writeAuditCheckpoint(h.db, key, h.clock.now);
      const [head, , sig] = saved.jws.split('.') as [string, string, string];
      const forged = `${head}.${Buffer.from(JSON.stringify({ seq: 1, head: 'f'.repeat(64), at: '' })).toString('base64url')}.${sig}`;
      const bad = await verifyIntegrity(h.db, { policy: h.deps.policy, checkpoint: forged });
      expect(bad.mismatches).toEqual([
        { table: 'audit_checkpoints', id: 'saved', what: expect.stringMatching(/signature does not verify/) },
      ]);
      const future = JSON.stringify({ seq: saved.seq + 1000, head: saved.head });
      const ahead = await verifyIntegrity(h.db, { policy: h.deps.policy, checkpoint: future });
      expect(ahead.mismatches).toEqual([
        {
          table: 'audit_log',
          id: String(saved.seq + 1000),
          what: expect.stringMatching(/rows were removed/),
        },
      ]);
    } finally {
      await h.close();
    }
  });
});

// PostgreSQL only: there the servers write while `fivecolor-server verify` reads.
describe.runIf(process.env.DATABASE_URL)('verifyIntegrity while the servers write (postgres)', () => {
  it('reads one snapshot: a key created after it read the audit trail is no mismatch', async () => {
    const h = await createHarness('postgres');
    const blocker = new pg.Client({ connectionString: h.db.databaseUrl });
    await blocker.connect();
    try {
      // Verification is held at the reports, which it reads after the audit trail and before the keys.
      await blocker.query('begin');
      await blocker.query('lock table reports in access exclusive mode');
      const verifying = verifyIntegrity(h.db);
      await expect
        .poll(
          async () =>
            rowsOf<{ n: number }>(
              await h.db.db.execute(
                sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%"reports"%'`,
              ),
            )[0]?.n,
        )
        .toBe(1);
      await h.as('admin').apiKey.create.mutate({ role: 'bank', name: 'Meanwhile Bank' });
      await blocker.query('commit');
      const r = await verifying;
      expect(r.mismatches).toEqual([]);
      expect(r.ok).toBe(true);
    } finally {
      await blocker.end();
      await h.close();
    }
  });
});
