import { readFile, stat, writeFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../db/rows.js';
import { openTestDb, pgliteTemplatePath } from './test-db.js';

describe('the PGlite template of the test databases', () => {
  it('is made again when the dump on disk does not load, and the database opens migrated', async () => {
    const path = pgliteTemplatePath();
    // Each test file runs in a process of its own: this one has not read the dump yet.
    await writeFile(path, 'not a tar file');
    const db = await openTestDb('pglite');
    try {
      const rows = rowsOf<{ n: number }>(
        await db.db.execute(
          sql`select count(*)::int as n from information_schema.tables where table_name = 'parties'`,
        ),
      );
      expect(rows[0]?.n).toBe(1);
    } finally {
      await db.close();
    }
    expect((await stat(path)).size).toBeGreaterThan(1_000_000);
    expect((await readFile(path)).subarray(0, 14).toString()).not.toBe('not a tar file');
  });
});
