import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { rowsOf } from './rows.js';

describe.each(dbKinds())('rows that are kept for good (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    const { partyId } = await h.as('clerk').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(3),
      name: '冯某',
    });
    const rec = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y01',
      court: '浙0212',
      caseNumber: '（2026）浙0212民初8号',
      effectiveFrom: '2026-01-01',
    });
    await h.as('judge').record.amend.mutate({
      recordId: rec.recordId,
      reason: 'date',
      effectiveFrom: '2026-01-02',
    });
    await h.as('judge').record.revoke.mutate({ recordId: rec.recordId, reason: 'entered in error' });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The database's refusal of `statement` (drizzle wraps the driver's error as its cause). */
  const refused = async (statement: SQL) => {
    const err = await h.deps.db.db.execute(statement).then(
      () => null,
      (e: Error) => e,
    );
    return (err?.cause as Error | undefined)?.message ?? err?.message ?? 'no error';
  };

  it('never deletes parties or records (revocation and amendment updated the record in place)', async () => {
    expect(await refused(sql`delete from records`)).toMatch(/DELETE on records is not allowed/);
    expect(await refused(sql`delete from parties`)).toMatch(/DELETE on parties is not allowed/);
    expect(await refused(sql`truncate records cascade`)).toMatch(/TRUNCATE on records is not allowed/);
    const [kept] = rowsOf<{ n: number; revoked: boolean }>(
      await h.deps.db.db.execute(
        sql`select count(*)::int as n, bool_and(revoked_at is not null) as revoked from records`,
      ),
    );
    expect(kept).toEqual({ n: 1, revoked: true });
  });

  it('never changes or deletes record revisions, audit rows or the change feed', async () => {
    for (const [table, column] of [
      ['record_revisions', 'created_at'],
      ['audit_log', 'at'],
      ['changes', 'at'],
    ] as const) {
      const t = sql.identifier(table);
      const c = sql.identifier(column);
      expect(await refused(sql`update ${t} set ${c} = ${c}`)).toMatch(
        new RegExp(`UPDATE on ${table} is not allowed`),
      );
      expect(await refused(sql`delete from ${t}`)).toMatch(new RegExp(`DELETE on ${table} is not allowed`));
    }
  });
});
