import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { rowsOf } from '../db/rows.js';
import { dbKinds, openTestDb } from '../testing/test-db.js';
import { appendAudit, appendAudits, auditRowHash, verifyAuditChain } from './audit-log.js';

describe('auditRowHash', () => {
  it('hashes a row as it always has (the canonical JSON of its fields, keys sorted), so old chains still verify', () => {
    const row = {
      seq: 42,
      at: new Date('2026-03-04T05:06:07.089Z'),
      actorId: 'key_1',
      actorRole: 'exchange',
      actorOrg: '信用宁波 "x"\\',
      action: 'exchange.changes',
      partyId: 'pty_1',
      target: null,
      purpose: null,
      detail: { seqs: [3, 4], z: { b: 1, a: [null, 'é\n'] } },
      requestId: 'req_1',
      prevHash: '0'.repeat(64),
    };
    // Computed by the earlier implementation (canonicalJson of the row object).
    expect(auditRowHash(row)).toBe('5850e509bb95bf5e5baf0d7735bde46db8c3120885d321c0c27a23362c6d8c41');
    expect(
      auditRowHash({
        ...row,
        detail: null,
        partyId: null,
        actorId: null,
        actorRole: null,
        actorOrg: null,
        requestId: null,
        target: 'rec_1',
        purpose: 'loan',
      }),
    ).toBe('745da5f85b60c83dfe0cfcd3c95acfa24d169653bd6c0cbbf05dc25883191fb5');
    expect(auditRowHash({ ...row, partyId: 'pty_2' })).not.toBe(auditRowHash(row));
  });
});

describe.each(dbKinds())('audit chain on %s', (kind) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb(kind);
    for (let i = 0; i < 6; i++) {
      await db.db.transaction((tx) =>
        appendAudit(tx, {
          actorId: `key_${i}`,
          actorRole: 'clerk',
          actorOrg: '宁波中院',
          action: 'party.get',
          partyId: `pty_${i % 2}`,
          detail: { b: [1, { z: 'x', a: null }], a: i },
        }),
      );
    }
  });
  afterAll(async () => {
    await db?.close();
  });

  it('verifies an intact chain and links each row to the previous', async () => {
    const v = await verifyAuditChain(db);
    expect(v).toMatchObject({ ok: true, count: 6 });
    if (v.ok) expect((await verifyAuditChain(db, { expectedHead: v.head })).ok).toBe(true);
  });

  it('appends many rows in one go exactly as given (quotes, backslashes, nulls, JSON detail) and they verify', async () => {
    const odd = ['a"b', 'c\\d', '{e,f}', 'NULL', '', '章某某'];
    await db.db.transaction((tx) =>
      appendAudits(
        tx,
        odd.map((s, i) => ({
          actorId: s,
          actorRole: null,
          actorOrg: i % 2 ? null : s,
          action: 'exchange.changes',
          partyId: `pty_${s}`,
          target: i % 3 ? s : null,
          detail: i % 2 ? null : { seqs: [i, i + 1], s, nested: { q: '"', n: null } },
          requestId: 'req_x',
        })),
      ),
    );
    const rows = rowsOf<{
      actor_id: string;
      actor_org: string | null;
      target: string | null;
      detail: unknown;
    }>(
      await db.db.execute(
        sql`select actor_id, actor_org, target, detail from audit_log where action = 'exchange.changes' order by seq`,
      ),
    );
    expect(rows.map((r) => r.actor_id)).toEqual(odd);
    expect(rows.map((r) => r.actor_org)).toEqual(odd.map((s, i) => (i % 2 ? null : s)));
    expect(rows.map((r) => r.target)).toEqual(odd.map((s, i) => (i % 3 ? s : null)));
    expect(rows[2]?.detail).toEqual({ seqs: [2, 3], s: '{e,f}', nested: { q: '"', n: null } });
    expect(rows[1]?.detail).toBeNull();
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, count: 6 + odd.length });
  });

  it('refuses to change or delete audit rows', async () => {
    const refusal = (statement: SQL) =>
      db.db.execute(statement).then(
        () => 'no error',
        (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
      );
    expect(await refusal(sql`update audit_log set actor_org = 'x' where seq = 3`)).toMatch(
      /UPDATE on audit_log is not allowed/,
    );
    expect(await refusal(sql`delete from audit_log where seq = 3`)).toMatch(
      /DELETE on audit_log is not allowed/,
    );
    expect(await refusal(sql`truncate audit_log`)).toMatch(/TRUNCATE on audit_log is not allowed/);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, count: 12 });
  });

  it('detects a changed row, a deleted row and a truncated tail', async () => {
    const head = await verifyAuditChain(db);
    if (!head.ok) throw new Error('chain should be intact');
    // A tamperer with the table owner's rights switches the guard off first; the chain still tells.
    await db.db.execute(sql`alter table audit_log disable trigger audit_log_keep_rows`);
    await db.db.execute(sql`update audit_log set actor_org = 'someone else' where seq = 3`);
    expect(await verifyAuditChain(db)).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: expect.stringMatching(/content/),
    });
    await db.db.execute(sql`delete from audit_log where seq = 3`);
    expect(await verifyAuditChain(db)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/previous hash/),
    });
    await db.db.execute(sql`delete from audit_log where seq >= 3`);
    expect((await verifyAuditChain(db)).ok).toBe(true);
    expect(await verifyAuditChain(db, { expectedHead: head.head })).toMatchObject({ ok: false });
  });
});
