import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { dbKinds, openTestDb } from '../testing/test-db.js';
import { appendAudit, verifyAuditChain } from './audit-log.js';

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
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, count: 6 });
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
