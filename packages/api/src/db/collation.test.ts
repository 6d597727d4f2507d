import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';
import { rowsOf } from './rows.js';

// Migration 0011: ids, identity hashes and the codes a bulk import indexes compare byte by byte. A
// column holding a party's or a record's id in another collation would make a join with it skip the
// other side's index (an index serves only comparisons in its own collation): a new table must follow.
describe.each(dbKinds())('identifiers compare byte by byte (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** `table.column` and its collation (null: the database's default) of the columns `where` picks. */
  const collations = async (where: SQL) =>
    rowsOf<{ name: string; collation: string | null }>(
      await h.deps.db.db.execute(sql`
        select table_name || '.' || column_name as name, collation_name as collation
        from information_schema.columns
        where table_schema = 'public' and ${where}
        order by 1`),
    );

  it('every column holding a party id, a record id or an identity hash is COLLATE "C"', async () => {
    const columns = await collations(sql`(column_name in ('party_id', 'record_id', 'identity_hash')
      or (table_name in ('parties', 'records') and column_name = 'id'))`);
    expect(columns.length).toBeGreaterThanOrEqual(15);
    expect(columns.filter((c) => c.collation !== 'C')).toEqual([]);
  });

  it('the import’s indexed codes too', async () => {
    const columns = await collations(sql`table_name || '.' || column_name in
      ('records.court', 'records.source', 'records.external_id', 'party_state.color', 'changes.kind',
       'screenings.court', 'case_marks.court')`);
    expect(columns.map((c) => `${c.name} ${c.collation}`)).toEqual([
      'case_marks.court C',
      'changes.kind C',
      'party_state.color C',
      'records.court C',
      'records.external_id C',
      'records.source C',
      'screenings.court C',
    ]);
  });
});
